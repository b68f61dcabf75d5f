"""The synthetic retrieval corpus: deterministic, unique combinations, real decodable MP4s."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from vtr.cli import synth_cmds
from vtr.ingest.synthetic import (
    BACKGROUND_RGB,
    COLOUR_RGB,
    N_COMBINATIONS,
    build_annotations,
    combination,
    generate_retrieval_corpus,
    split_counts,
)
from vtr.ingest.synthetic_captions import (
    BACKGROUNDS,
    CAPTIONS_PER_VIDEO,
    COLOURS,
    MOTIONS,
    SHAPES,
    captions_for,
)

OFFICIAL_VIDEO_KEYS = {"category", "url", "video_id", "start time", "end time", "split", "id"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return generate_retrieval_corpus(tmp_path_factory.mktemp("synth"), n_videos=20, seed=7)


@pytest.fixture(scope="module")
def full() -> dict:
    """Annotations of all 1600 combinations (no videos written)."""
    return build_annotations(N_COMBINATIONS, seed=0)


def _bucket(n: int) -> str:
    return "1-10" if n <= 10 else "11-20" if n <= 20 else "21+"


def _attribute_mentions(text: str) -> int:
    """How many attributes a caption names (background phrases first: 'dark blue')."""
    found = 0
    for background in sorted(BACKGROUNDS, key=len, reverse=True):
        if f"{background} background" in text:
            text = text.replace(f"{background} background", "")
            found += 1
            break
    words = set(text.split())
    found += any(c in words for c in COLOURS) + any(s in words for s in SHAPES)
    return found + any(m[0] in text or m[1] in text or m[2] in text for m in MOTIONS)


def test_same_seed_gives_byte_identical_annotations(tmp_path):
    first = generate_retrieval_corpus(tmp_path / "a", n_videos=12, seed=5)
    second = generate_retrieval_corpus(tmp_path / "b", n_videos=12, seed=5)
    other = generate_retrieval_corpus(tmp_path / "c", n_videos=12, seed=6)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert first == tmp_path / "a" / "annotations.json"


def test_file_has_the_official_msrvtt_shape(corpus):
    data = json.loads(corpus.read_text())
    assert set(data) == {"info", "categories", "videos", "sentences"}
    assert all(set(v) >= OFFICIAL_VIDEO_KEYS for v in data["videos"])
    assert [v["video_id"] for v in data["videos"]] == [f"video{i}" for i in range(20)]
    assert all(v["end time"] - v["start time"] == 2.0 for v in data["videos"])
    sen_ids = [s["sen_id"] for s in data["sentences"]]
    assert len(sen_ids) == len(set(sen_ids)) == 20 * CAPTIONS_PER_VIDEO
    assert {s["video_id"] for s in data["sentences"]} == {v["video_id"] for v in data["videos"]}


def test_every_combination_is_unique_and_categories_are_shape_by_motion_group(full):
    picks = [v["attributes"]["combination"] for v in full["videos"]]
    assert sorted(picks) == list(range(N_COMBINATIONS))
    assert len({combination(i) for i in range(N_COMBINATIONS)}) == N_COMBINATIONS
    names = {c["id"]: c["name"] for c in full["categories"]}
    assert sorted(names) == list(range(20)) and len(set(names.values())) == 20
    for video in full["videos"]:
        shape, motion, _, _ = combination(video["attributes"]["combination"])
        assert video["category"] == shape * 4 + motion // 2
        assert names[video["category"]].startswith(video["attributes"]["shape"] + " / ")
    assert set(Counter(v["category"] for v in full["videos"]).values()) == {80}


def test_too_many_or_too_few_videos_and_bad_sizes_are_errors(tmp_path):
    with pytest.raises(ValueError, match="1600 distinct combinations"):
        generate_retrieval_corpus(tmp_path, n_videos=1601)
    with pytest.raises(ValueError, match="n_videos=0"):
        build_annotations(0)
    with pytest.raises(ValueError, match="size=33"):
        build_annotations(5, size=33)
    assert not (tmp_path / "annotations.json").exists()


@pytest.mark.parametrize("n", [10, 11, 16, 37, 300, 1600])
def test_splits_are_70_10_20_and_never_empty(n):
    counts = Counter(v["split"] for v in build_annotations(n, seed=n)["videos"])
    assert counts == Counter(split_counts(n))
    assert set(counts) == {"train", "val", "test"} and min(counts.values()) >= 1
    assert abs(counts["train"] - 0.7 * n) <= 1 and abs(counts["test"] - 0.2 * n) <= 1


def test_every_video_has_every_caption_length_bucket(full):
    by_video = defaultdict(list)
    for sentence in full["sentences"]:
        by_video[sentence["video_id"]].append(len(sentence["caption"].split()))
    assert len(by_video) == N_COMBINATIONS
    for lengths in by_video.values():
        assert len(lengths) >= 6
        assert {_bucket(n) for n in lengths} == {"1-10", "11-20", "21+"}
        assert any(3 <= n <= 6 for n in lengths)
    # Every template, for every combination, stays inside its length band.
    rng = np.random.default_rng(0)
    for index in range(N_COMBINATIONS):
        shape, motion, colour, background = combination(index)
        lengths = [len(c.split()) for c in captions_for(shape, colour, motion, background, rng)]
        assert all(3 <= n <= 6 for n in lengths[:2]) and 7 <= lengths[2] <= 10
        assert all(11 <= n <= 20 for n in lengths[3:5]) and all(n >= 21 for n in lengths[5:])


def test_short_captions_are_ambiguous_and_long_ones_identify_their_video(full):
    videos_of = defaultdict(set)
    for sentence in full["sentences"]:
        videos_of[sentence["caption"]].add(sentence["video_id"])
    attributes = {v["video_id"]: v["attributes"] for v in full["videos"]}
    for text, videos in videos_of.items():
        n = len(text.split())
        if n <= 6:
            assert _attribute_mentions(text) == 1, text
            assert len(videos) >= 10, text
        if n >= 21:
            assert len(videos) == 1, text
            attrs = attributes[next(iter(videos))]
            for key in ("shape", "colour", "background"):
                assert attrs[key] in text, (key, text)


def test_videos_decode_with_decord_with_the_expected_frames(corpus):
    import decord

    data = json.loads(corpus.read_text())
    for video in data["videos"]:
        reader = decord.VideoReader(str(corpus.parent / "videos" / f"{video['video_id']}.mp4"))
        assert len(reader) == 24 and reader.get_avg_fps() == pytest.approx(12)
        first = reader[0].asnumpy().astype(int)
        assert first.shape == (64, 64, 3)
        background = BACKGROUND_RGB[video["attributes"]["background"]]
        assert np.abs(first[1, 1] - background).max() <= 30, video
        colour = np.array(COLOUR_RGB[video["attributes"]["colour"]])
        assert np.abs(first - colour).max(axis=-1).min() <= 60, video


def test_frames_size_and_progress_options(tmp_path):
    import decord

    calls = []
    path = generate_retrieval_corpus(
        tmp_path, 3, frames=10, fps=5, size=32, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]
    reader = decord.VideoReader(str(tmp_path / "videos" / "video2.mp4"))
    assert len(reader) == 10 and reader[0].shape == (32, 32, 3)
    assert json.loads(path.read_text())["videos"][0]["end time"] == 2.0


def test_cli_synth_retrieval_prints_the_annotations_path_last(tmp_path):
    app = typer.Typer()
    synth_cmds.register(app)
    runner = CliRunner()
    result = runner.invoke(app, ["synth", "retrieval", str(tmp_path / "c ü"), "--videos", "10"])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path == tmp_path / "c ü" / "annotations.json" and path.is_file()
    assert len(list((path.parent / "videos").glob("*.mp4"))) == 10

    bad = runner.invoke(app, ["synth", "retrieval", str(tmp_path / "x"), "--videos", "2000"])
    assert bad.exit_code == 2 and "1600" in bad.output
    odd = runner.invoke(app, ["synth", "retrieval", str(tmp_path / "x"), "--size", "33"])
    assert odd.exit_code == 2 and "size=33" in odd.output
    assert "Examples" in runner.invoke(app, ["synth", "retrieval", "--help"]).output


def test_no_shape_colour_is_close_to_a_background():
    for colour, rgb in COLOUR_RGB.items():
        for background, bg in BACKGROUND_RGB.items():
            assert np.abs(np.subtract(rgb, bg)).max() >= 60, (colour, background)


def test_direction_twins_differ_only_in_the_order_of_their_frames():
    from vtr.ingest.synthetic import build_annotations, combination, render_video

    plain = build_annotations(60, seed=4)
    twins = build_annotations(60, seed=4, direction_twins=0.6)
    assert build_annotations(60, seed=4, direction_twins=0.0) == plain
    by_rest: dict[tuple, list[dict]] = {}
    for video in twins["videos"]:
        shape, motion, colour, background = combination(video["attributes"]["combination"])
        by_rest.setdefault((shape, colour, background, motion // 2), []).append(
            {"motion": motion, "split": video["split"]}
        )
    pairs = [v for v in by_rest.values() if len(v) == 2 and v[0]["motion"] < 4]
    assert len(pairs) >= 10
    assert all(a["split"] == b["split"] and a["motion"] ^ 1 == b["motion"] for a, b in pairs)
    assert len({v["attributes"]["combination"] for v in twins["videos"]}) == 60
    left = render_video(0, 0, 1, 2, frames=8, size=32)
    right = render_video(0, 1, 1, 2, frames=8, size=32)
    assert (left == right[::-1]).all() and not (left == right).all()
