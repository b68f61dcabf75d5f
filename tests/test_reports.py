"""The retrieval report on a real (tiny) warehouse whose result tables are seeded by hand."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from vtr.cli.report_cmds import register
from vtr.errors import ReportError, UnknownEval
from vtr.reports import markdown as md
from vtr.reports.retrieval import (
    PLOT_FILES,
    inline_params,
    write_retrieval_report,
)
from vtr.warehouse import init_warehouse
from vtr.warehouse.evals import (
    metrics_by_category,
    retrieval_metrics,
    store_similarity_eval,
)
from vtr.warehouse.metric_defs import metric, metric_names
from vtr.warehouse.stats import bootstrap_intervals

DATASET = "dé mo"
CATEGORIES = {0: 'kids "&" family ü', 1: "news | politics *bold*", 2: "$5 & $10 <deals>"}
# video -> category (None: no category); two captions per video
VIDEOS = {"v0": 0, "v1": 0, "v2": 1, "v3": 1, "v4": 2, "v5": None}
CAPTION_WORDS = [3, 15, 25, 7, 12, 4, 30, 9, 2, 18, 11, 6]
T2V_RANKS = [1, 3, 2, 7, 1, 12, 5, 1, 4, 2, 9, 6]
V2T_RANKS = [1, 2, 4, 1, 3, 6]
TEXT_VARIANT = "text/st:minilm/final/embed"
VIDEO_VARIANT = "video/open_clip:ViT-B-32:openai/final/embed/mean/8f"
NOTE = "**Weights were randomly initialised.** Real ones:\n\n    vtr ingest WAREHOUSE ..."
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
INTERVAL_CELL = re.compile(r"(\S+) \[(\S+), (\S+)\]")


def seed_eval(wh, with_scores: bool = True) -> int:
    """One evaluation over 6 videos / 12 captions, with ranks and score samples."""
    con = wh.con
    con.executemany(
        "INSERT INTO categories VALUES (?, ?, ?)", [[DATASET, k, v] for k, v in CATEGORIES.items()]
    )
    con.executemany(
        "INSERT INTO videos (dataset, video_id, category_id, split) VALUES (?, ?, ?, 'test')",
        [[DATASET, v, c] for v, c in VIDEOS.items()],
    )
    videos = list(VIDEOS)
    captions = [(f"c{i}", videos[i // 2], n) for i, n in enumerate(CAPTION_WORDS)]
    con.executemany(
        "INSERT INTO captions (dataset, caption_id, video_id, text, n_words, split) "
        "VALUES (?, ?, ?, ?, ?, 'test')",
        [[DATASET, c, v, " ".join(["w"] * n), n] for c, v, n in captions],
    )
    con.execute(
        "INSERT INTO variants (variant_id, modality, family, backbone, layer, pooling, temporal, "
        "frames, dim, lance_table, config) VALUES "
        "(?, 'text', 'st', 'st:minilm', 'final', 'embed', NULL, NULL, 384, 't1', '{}'), "
        "(?, 'video', 'open_clip', 'open_clip:ViT-B-32:openai', 'final', 'embed', 'mean', 8, "
        "512, 'v1', '{}')",
        [TEXT_VARIANT, VIDEO_VARIANT],
    )
    eval_id = con.execute(
        "INSERT INTO evals (dataset, split, text_variant, video_variant, search, k, n_texts, "
        "n_videos, config) VALUES (?, 'test', ?, ?, 'exact', 10, 12, 6, "
        """'{"similarity": "cosine"}') RETURNING eval_id""",
        [DATASET, TEXT_VARIANT, VIDEO_VARIANT],
    ).fetchone()[0]
    for (caption, video, _), rank in zip(captions, T2V_RANKS, strict=True):
        con.execute("INSERT INTO ranks VALUES (?, 't2v', ?, ?, 0.3)", [eval_id, caption, rank])
        con.execute(
            "INSERT INTO relevant_ranks VALUES (?, 't2v', ?, ?, ?)", [eval_id, caption, video, rank]
        )
    for i, (video, rank) in enumerate(zip(videos, V2T_RANKS, strict=True)):
        con.execute("INSERT INTO ranks VALUES (?, 'v2t', ?, ?, 0.3)", [eval_id, video, rank])
        for j, caption in enumerate((f"c{2 * i}", f"c{2 * i + 1}")):
            con.execute(
                "INSERT INTO relevant_ranks VALUES (?, 'v2t', ?, ?, ?)",
                [eval_id, video, caption, rank + 3 * j],
            )
    if with_scores:
        rng = np.random.default_rng(0)
        scores = [(True, s) for s in rng.normal(0.32, 0.05, 60)]
        scores += [(False, s) for s in rng.normal(0.12, 0.06, 400)]
        con.executemany(
            "INSERT INTO score_samples VALUES (?, ?, ?)", [[eval_id, m, s] for m, s in scores]
        )
    return eval_id


@pytest.fixture
def seeded(wh):
    return wh, seed_eval(wh)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One report shared by the read-only tests (plotting is the slow part)."""
    with init_warehouse(tmp_path_factory.mktemp("report") / "ware house 'ü'") as wh:
        eval_id = seed_eval(wh)
        path = write_retrieval_report(wh, eval_id, notes=[NOTE])
        yield wh, eval_id, path, path.read_text(encoding="utf-8")


def table_after(text: str, heading: str) -> list[list[str]]:
    """The first markdown table after `heading`: rows of unescaped cells (header included)."""
    lines = text[text.index(heading) :].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = UNESCAPED_PIPE.split(line.strip())[1:-1]
        rows.append([re.sub(r"\\(.)", r"\1", c.strip()) for c in cells])
    return [rows[0], *rows[2:]]  # drop the alignment rule


def test_report_folder_holds_markdown_and_linked_pngs(report):
    wh, eval_id, path, text = report
    assert path == (wh.root / "reports" / f"eval-{eval_id}" / "report.md").resolve()
    links = IMAGE_LINK.findall(text)
    assert set(PLOT_FILES) <= set(links)
    assert all(link in PLOT_FILES or link.startswith("case_t2v_") for link in links)
    for link in links:
        image = path.parent / link
        assert image.is_file() and image.stat().st_size > 1000, link
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_header_shows_setup_and_notes(report):
    _, _, _, text = report
    header = text[: text.index("## Overall")]
    for expected in ("dé mo", "test", TEXT_VARIANT, VIDEO_VARIANT, "exact (cosine similarity)"):
        assert expected in header
    assert "12 texts (captions), 6 videos" in header
    assert "temporal `mean` over 8 frames" in header
    assert "**Weights were randomly initialised.**" in header
    assert "\n    vtr ingest WAREHOUSE ..." in header  # the note's code block survives


def test_overall_table_holds_retrieval_metrics(report):
    wh, eval_id, _, text = report
    rows = table_after(text, "## Overall")
    assert rows[0] == ["Direction", *metric_names()]
    assert {"R@1", "R@5", "R@10", "MedR", "MeanR", "MRR", "mAP"} <= set(rows[0])
    assert [r[0] for r in rows[1:]] == ["T2V", "V2T"]
    metrics = retrieval_metrics(wh, eval_id)
    intervals = bootstrap_intervals(wh, eval_id, b=1000)
    for row in rows[1:]:
        values = metrics[row[0].lower()]
        for key, cell in zip(rows[0][1:], row[1:], strict=True):
            value, low, high = INTERVAL_CELL.fullmatch(cell).groups()
            digits = metric(key).decimals
            assert float(value) == pytest.approx(values[key], abs=0.6 * 10**-digits)
            # "value [low, high]": the 95% bootstrap interval of the metric
            want = intervals[row[0].lower()][key]
            assert [float(low), float(high)] == pytest.approx(want, abs=0.6 * 10**-digits)
    assert rows[1][1].startswith(f"{100 * 3 / 12:.2f} [")  # three t2v queries at rank 1
    assert "95% percentile bootstrap interval, 1000 resamples (seed 0)" in text


def test_category_table_has_one_escaped_row_per_category(report):
    wh, eval_id, _, text = report
    rows = table_after(text, "## By video category")
    expected = {r["name"] for r in metrics_by_category(wh, eval_id)}
    assert expected == {*CATEGORIES.values(), "(no category)"}
    assert len(rows) - 1 == len(expected)
    assert {r[0] for r in rows[1:]} == expected
    width = 1 + 2 * (1 + len(metric_names()))  # category, then n and each metric both ways
    assert all(len(r) == len(rows[0]) == width for r in rows)  # no pipe split a row
    assert r"news \| politics \*bold\*" in text
    assert r"\$5 \& \$10 \<deals\>" in text
    kids = next(r for r in rows if r[0] == CATEGORIES[0])
    assert kids[1:3] == ["4", "25.00"]  # 4 captions, 1 at rank 1


def test_length_table_has_the_three_buckets(report):
    _, _, _, text = report
    rows = table_after(text, "## By query length")
    assert [r[0] for r in rows[1:]] == ["1-10", "11-20", "21+"]
    assert [int(r[1]) for r in rows[1:]] == [6, 4, 2]


def test_similarity_section_shows_means_and_gap(report):
    wh, eval_id, _, text = report
    rows = table_after(text, "## Similarity")
    assert [r[0] for r in rows[1:]] == ["matching", "non-matching"]
    means = dict(
        wh.con.execute(
            "SELECT matching, avg(score) FROM score_samples WHERE eval_id = ? GROUP BY 1",
            [eval_id],
        ).fetchall()
    )
    assert rows[1][1:3] == ["60", f"{means[True]:.3f}"]
    assert f"**{means[True] - means[False]:.3f}**" in text


def test_reproduce_sql_runs_and_gives_the_overall_numbers(report):
    wh, eval_id, _, text = report
    section = text[text.index("## Reproduce in SQL") :]
    shell = re.search(r"```sh\n(.*?)\n```", section, re.S).group(1)
    assert shlex.split(shell) == ["duckdb", "-readonly", str(wh.catalog_path.resolve())]
    sql = re.search(r"```sql\n(.*?)\n```", section, re.S).group(1)
    assert "$" not in sql
    cur = wh.con.execute(sql)
    cols = [d[0] for d in cur.description]
    got = {row[0]: dict(zip(cols, row, strict=True)) for row in cur.fetchall()}
    for direction, values in retrieval_metrics(wh, eval_id).items():
        for key, value in values.items():
            assert got[direction][key] == pytest.approx(value)


def test_rerun_into_a_custom_folder_and_without_scores(tmp_path):
    with init_warehouse(tmp_path / "wh") as wh:
        eval_id = seed_eval(wh, with_scores=False)
        out = tmp_path / "out dir" / "r"
        out.mkdir(parents=True)
        (out / "similarity_distribution.png").write_bytes(b"stale")
        path = write_retrieval_report(wh, eval_id, out_dir=out)
        text = path.read_text(encoding="utf-8")
    assert path == (out / "report.md").resolve()
    assert "No similarity samples stored" in text
    assert not (out / "similarity_distribution.png").exists()
    assert all((out / link).is_file() for link in IMAGE_LINK.findall(text))


def test_equal_scores_of_one_group_still_plot(wh):
    eval_id = seed_eval(wh, with_scores=False)
    wh.con.execute("INSERT INTO score_samples VALUES (?, true, 0.5), (?, true, 0.5)", [eval_id] * 2)
    path = write_retrieval_report(wh, eval_id)
    text = path.read_text(encoding="utf-8")
    assert "Gap (mean matching − mean non-matching): **–**" in text
    assert (path.parent / "similarity_distribution.png").stat().st_size > 1000


def test_report_of_a_similarity_matrix_eval(wh):
    sim = np.random.default_rng(1).normal(size=(8, 8))
    eval_id = store_similarity_eval(wh, sim)
    text = write_retrieval_report(wh, eval_id).read_text(encoding="utf-8")
    assert "No per-category breakdown" in text and "No per-length breakdown" in text
    assert [r[0] for r in table_after(text, "## Overall")[1:]] == ["T2V", "V2T"]
    assert IMAGE_LINK.findall(text) == ["similarity_distribution.png"]


def test_unknown_eval_and_unwritable_folder_are_clear_errors(seeded, tmp_path):
    wh, eval_id = seeded
    with pytest.raises(UnknownEval, match=f"no evaluation with id 99 .*known: {eval_id}"):
        write_retrieval_report(wh, 99)
    assert not (wh.root / "reports").exists()
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    with pytest.raises(ReportError, match="cannot write the report of eval"):
        write_retrieval_report(wh, eval_id, out_dir=blocker)


def _cli() -> typer.Typer:
    app = typer.Typer()
    register(app)
    app.command("noop", hidden=True)(lambda: None)  # keep `report` a named subcommand
    return app


def test_cli_prints_report_path_last(seeded, tmp_path):
    wh, eval_id = seeded
    wh.close()
    out = tmp_path / "cli out"
    args = ["report", str(wh.root), "--eval", str(eval_id), "--out", str(out), "--note", "hi *x*"]
    result = CliRunner().invoke(_cli(), args)
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert Path(last) == (out / "report.md").resolve()
    assert "hi *x*" in Path(last).read_text(encoding="utf-8")


def test_cli_unknown_eval_exits_with_a_message(seeded):
    wh, _ = seeded
    wh.close()
    result = CliRunner().invoke(_cli(), ["report", str(wh.root), "--eval", "42"])
    assert result.exit_code == 1
    assert "no evaluation with id 42" in result.output
    assert "Traceback" not in result.output


def test_cli_help():
    result = CliRunner().invoke(_cli(), ["report", "--help"])
    assert result.exit_code == 0
    assert "--eval" in result.output and "--out" in result.output


def test_markdown_helpers():
    assert md.escape("a|b\nc*d_`e`") == r"a\|b c\*d\_\`e\`"
    assert md.code_span("x `y` z") == "``x `y` z``"
    assert md.code_span("`") == "`` ` ``"
    assert md.code_block("a\n```\nb").startswith("````\n")
    assert md.number(None) == md.number(float("nan")) == "–"
    assert md.number(1.005, 1) == "1.0"
    assert md.image("a", "x y.png") == "![a](x%20y.png)"
    with pytest.raises(ValueError, match="2 cells"):
        md.table(["a"], [["1", "2"]])


def test_inline_params_quotes_strings_and_needs_every_value():
    assert inline_params("SELECT $eval_id, $eval_idx", {"eval_id": 3, "eval_idx": 4}) == (
        "SELECT 3, 4"
    )
    assert inline_params("SELECT $a", {"a": "1'; DROP TABLE evals"}) == (
        "SELECT '1''; DROP TABLE evals'"
    )
    with pytest.raises(ValueError, match="integer and string"):
        inline_params("SELECT $a", {"a": 1.5})
    with pytest.raises(ValueError, match=r"\['b'\]"):
        inline_params("SELECT $a, $b", {"a": 1})


def test_bootstrap_zero_leaves_the_overall_table_without_intervals(wh, tmp_path):
    eval_id = seed_eval(wh, with_scores=False)
    path = write_retrieval_report(wh, eval_id, out_dir=tmp_path / "r", bootstrap=0)
    text = path.read_text(encoding="utf-8")
    rows = table_after(text, "## Overall")
    assert rows[1][1] == f"{100 * 3 / 12:.2f}" and "[" not in "".join(rows[1])
    assert "bootstrap interval" not in text
    wh.close()
    out = tmp_path / "cli"
    args = ["report", str(wh.root), "--eval", str(eval_id), "--bootstrap", "50", "--out", str(out)]
    result = CliRunner().invoke(_cli(), [*args, "--cases", "0"])
    assert result.exit_code == 0, result.output
    cli_text = (out / "report.md").read_text(encoding="utf-8")
    assert "1000 resamples" not in cli_text and "50 resamples (seed 0)" in cli_text
