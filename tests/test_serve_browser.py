"""`vtr serve` in a real headless browser: Debian's Chromium driven by Selenium through
every page of a warehouse built from the synthetic corpus. `make test` installs
chromium and chromium-driver when they are missing; without them this test fails and
says so (it never skips)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from serve_warehouse import MINILM, build_serve_warehouse, build_timeline_warehouse

pytestmark = pytest.mark.slow

CHROMIUM = ("/usr/bin/chromium", "chromium")
DRIVER = ("/usr/bin/chromedriver", "chromedriver")


def _find(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _browser():
    chromium, driver = _find(CHROMIUM), _find(DRIVER)
    if not chromium or not driver:
        pytest.fail(
            "no headless browser: this test needs Debian's chromium and chromium-driver "
            "(/usr/bin/chromium, /usr/bin/chromedriver); `make test` installs them with "
            "`apt-get install -y chromium chromium-driver` when it can. Install them and rerun."
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    options.add_argument("--window-size=1280,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browse")
    info = build_serve_warehouse(folder)
    build_timeline_warehouse(folder, root=info["root"])  # moments and steps datasets too
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    launch = "import sys; from vtr.cli import main; sys.argv[0] = 'vtr'; main()"
    vtr = [sys.executable, "-c", launch, "serve", str(info["root"]), "--port", str(port)]
    process = subprocess.Popen(vtr, env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/static/style.css", timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"`vtr serve` did not start: {process.stderr.read()}")
            time.sleep(0.2)
    yield info | {"base": base}
    process.terminate()
    process.wait(timeout=10)


def _check_page(driver, name: str, shots: Path) -> None:
    """Every image loaded (natural width > 0), no console error, a screenshot saved."""
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.src, i.complete, i.naturalWidth]);"
    )
    broken = [src for src, complete, width in images if not complete or width == 0]
    assert not broken, f"{name}: images that did not load: {broken}"
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"{name}: console errors: {errors}"
    assert driver.save_screenshot(str(shots / f"{name}.png")), name


def test_every_page_in_a_headless_browser(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, root = server["base"], server["root"]
    texts = Counter(text for _, _, text in server["captions"])
    caption_id, video_id, text = max(
        (c for c in server["captions"] if texts[c[2]] == 1), key=lambda c: len(c[2])
    )
    driver = _browser()
    try:
        driver.set_page_load_timeout(30)
        driver.get(f"{base}/")
        table = driver.find_element(By.ID, "evals")
        assert "dual-softmax" in table.text
        driver.find_element(By.CSS_SELECTOR, "#evals th").click()  # sortable: no error
        _check_page(driver, "home", tmp_path)

        driver.find_element(By.LINK_TEXT, str(server["plain"])).click()
        assert driver.current_url.endswith(f"/evals/{server['plain']}")
        rows = driver.find_elements(By.CSS_SELECTOR, "#queries tbody tr")
        assert len(rows) == 20
        assert driver.find_elements(By.CSS_SELECTOR, "#queries img")
        _check_page(driver, "evaluation", tmp_path)

        Select(driver.find_element(By.NAME, "order")).select_by_visible_text("worst")
        driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
        assert "order=worst" in driver.current_url
        _check_page(driver, "evaluation-worst", tmp_path)

        driver.get(f"{base}/compare?a={server['plain']}&b={server['reranked']}")
        assert "Improved most in B" in driver.page_source
        _check_page(driver, "compare", tmp_path)

        driver.get(f"{base}/search")
        Select(driver.find_element(By.NAME, "text")).select_by_value(MINILM)
        Select(driver.find_element(By.ID, "target")).select_by_value("captions")
        driver.find_element(By.ID, "q").send_keys(text)
        driver.find_element(By.ID, "go").click()
        first = driver.find_element(By.CSS_SELECTOR, "#hits tbody tr")
        assert video_id in first.text and text in first.text, first.text
        _check_page(driver, "search", tmp_path)

        first.find_element(By.CSS_SELECTOR, "a.thumb").click()  # follow the link
        assert driver.current_url.endswith(f"/videos/synth/{video_id}")
        assert text in driver.find_element(By.ID, "captions").text
        _check_page(driver, "video", tmp_path)

        for page, drawing in (("moments", "timeline"), ("steps", "heatmap")):
            driver.get(f"{base}/{page}")
            assert driver.find_element(By.TAG_NAME, "h1").text == page.capitalize()
            svg = driver.find_element(By.CSS_SELECTOR, f"#{drawing} svg")
            assert svg.size["width"] > 100 and svg.size["height"] > 50, (page, svg.size)
            _check_page(driver, page, tmp_path)
        driver.find_elements(By.CSS_SELECTOR, "form.filters select")[1].click()
        Select(driver.find_element(By.NAME, "video")).select_by_index(2)
        driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
        assert "video=" in driver.current_url
        assert driver.find_element(By.CSS_SELECTOR, "#heatmap svg")
    finally:
        driver.quit()
    shots = sorted(p.name for p in tmp_path.glob("*.png"))
    assert len(shots) == 8, shots
    if os.environ.get("VTR_SERVE_SHOT"):  # the docs' picture of the evaluation page
        shutil.copyfile(tmp_path / "evaluation.png", os.environ["VTR_SERVE_SHOT"])
    assert (root / "serve-cache" / "thumbs").is_dir()
