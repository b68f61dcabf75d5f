# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
DEMO_OUT ?= demo-out

.PHONY: install browser demo test lint bench bench-moments bench-steps clean docs

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing vtr into $(VENV) (first run copies torch, a few minutes)..." >&2
	@$(PIP) install -q -c constraints.txt -e '.[dev,vss]' >&2
	@touch $@

demo: install
	@$(BIN)/vtr demo --out $(DEMO_OUT)

test: install browser
	$(BIN)/python -m pytest -q

# The headless-browser test of `vtr serve` needs Debian's Chromium and ChromeDriver:
# installed here when missing (as root, with apt-get); if that fails the test says so.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { echo "installing chromium and chromium-driver for the browser test..." >&2; \
	    apt-get update -q >&2 && apt-get install -y -q chromium chromium-driver >&2; } || \
	  echo "could not install chromium: tests/test_serve_browser.py will fail and say why" >&2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/eval_memory.py
	$(BIN)/python bench/ingest_taps.py
	$(BIN)/python bench/ann_search.py

bench-moments: install
	$(BIN)/python bench/moments.py --videos 240 --seed 0 --epochs 40 --out bench-out/moments

bench-steps: install
	$(BIN)/python bench/steps_quality.py --videos 120 --seed 0 --out bench-out/steps

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache bench-out

docs: install
	$(BIN)/python -m vtr.registry
