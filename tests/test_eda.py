"""The dataset (EDA) report on a real warehouse seeded by hand, with awkward names."""

from __future__ import annotations

import pytest
import typer
from report_checks import assert_self_contained, assert_tables_have_rows
from typer.testing import CliRunner

from vtr.cli.report_cmds import register
from vtr.errors import UnknownDataset
from vtr.reports.eda import STOPWORDS, default_eda_dir, write_eda_report

DATASET = "dé mo 'x'"
CATEGORIES = {0: 'kids "&" family', 1: "news | politics"}
# video: (split, category, duration, captions)
VIDEOS = {
    "v0": ("train", 0, 3.0, ["A red ball rolls left.", "the red ball"]),
    "v1": ("train", 1, 12.5, ["A man's café, crowded."]),
    "v2": ("test", 0, 7.0, ["red café", "a ball", "Ball ball ball"]),
    "v3": ("test", None, None, []),
}


@pytest.fixture
def seeded(wh):
    con = wh.con
    con.execute("INSERT INTO datasets (dataset, format) VALUES (?, 'test')", [DATASET])
    con.executemany(
        "INSERT INTO categories VALUES (?, ?, ?)", [[DATASET, k, v] for k, v in CATEGORIES.items()]
    )
    for video, (split, category, duration, captions) in VIDEOS.items():
        con.execute(
            "INSERT INTO videos (dataset, video_id, category_id, split, duration) "
            "VALUES (?, ?, ?, ?, ?)",
            [DATASET, video, category, split, duration],
        )
        for i, text in enumerate(captions):
            con.execute(
                "INSERT INTO captions (dataset, caption_id, video_id, text, n_words, split) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [DATASET, f"{video}-{i}", video, text, len(text.split()), split],
            )
    # another dataset with the same ids must not leak in
    con.execute("INSERT INTO videos (dataset, video_id, split) VALUES ('other', 'v0', 'test')")
    return wh


def test_eda_report_numbers(seeded):
    path = write_eda_report(seeded, DATASET)
    assert path.parent == default_eda_dir(seeded, DATASET).resolve()
    assert_self_contained(path)
    assert_tables_have_rows(path)
    text = path.read_text(encoding="utf-8")
    # splits: test has 2 videos, 3 captions (0..3 per video), 7 words over 3 captions
    assert "| test | 2 | 3 | 0–1.50–3 | 2.3 | 0.00 | 7.0 |" in text
    assert "| train | 2 | 3 | 1–1.50–2 | 4.0 | 0.00 | 7.8 |" in text
    vocab = seeded.rows("reports/eda_vocabulary", {"dataset": DATASET})
    assert vocab[-1] == {"split": "all", "n_tokens": 19, "vocabulary": 9, "hapax": 5}
    top = seeded.rows(
        "reports/eda_top_words", {"dataset": DATASET, "stopwords": STOPWORDS, "limit": 3}
    )
    assert [(r["word"], r["n"]) for r in top] == [("ball", 6), ("red", 3), ("café", 2)]
    assert "man's" in {
        r["word"]
        for r in seeded.rows(
            "reports/eda_top_words", {"dataset": DATASET, "stopwords": [], "limit": 50}
        )
    }
    cats = seeded.rows("reports/eda_categories", {"dataset": DATASET})
    assert [(r["name"], r["split"], r["n_videos"]) for r in cats] == [
        ('kids "&" family', "test", 1),
        ('kids "&" family', "train", 1),
        ("news | politics", "train", 1),
        ("(no category)", "test", 1),
    ]
    assert "news \\| politics" in text  # escaped inside a table
    durations = seeded.rows("reports/eda_durations", {"dataset": DATASET, "bin_seconds": 5.0})
    assert [(r["split"], r["bin_start"], r["n_videos"]) for r in durations] == [
        ("test", 5.0, 1),
        ("train", 0.0, 1),
        ("train", 10.0, 1),
    ]


def test_eda_of_a_dataset_without_categories_or_durations(wh, tmp_path):
    wh.con.execute("INSERT INTO datasets (dataset, format) VALUES ('bare', 'test')")
    wh.con.execute("INSERT INTO videos (dataset, video_id, split) VALUES ('bare', 'a', 'test')")
    wh.con.execute(
        "INSERT INTO captions (dataset, caption_id, video_id, text, n_words, split) "
        "VALUES ('bare', 'c', 'a', 'one two', 2, 'test')"
    )
    path = write_eda_report(wh, "bare", out_dir=tmp_path / "out")
    text = path.read_text(encoding="utf-8")
    assert "no video categories" in text and "No durations yet" in text
    assert_self_contained(path)


def test_unknown_dataset_is_a_clear_error(seeded):
    with pytest.raises(UnknownDataset, match="unknown dataset 'nope'"):
        write_eda_report(seeded, "nope")


def test_cli_eda(seeded, tmp_path):
    root = seeded.root
    seeded.close()
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    out = tmp_path / "eda"
    result = runner.invoke(
        app, ["report", str(root), "--eda", "--dataset", DATASET, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str((out / "report.md").resolve())
    missing = runner.invoke(app, ["report", str(root), "--eda"])
    assert missing.exit_code != 0 and "--dataset" in missing.output
