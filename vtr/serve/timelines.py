"""The moments and steps pages: a query's timeline and a video's step x chunk heat map,
drawn as inline SVG (no image files, no plotting library in the request path)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from html import escape
from typing import Any

from markupsafe import Markup

from vtr.errors import UnknownDataset, UnknownItem, UnknownVariant
from vtr.warehouse.catalog import Warehouse

CLIP_LEN = 2.0  # seconds per saliency clip (QVHighlights)
SHOWN_WINDOWS = 5
QUERIES_PER_PAGE = 50
WIDTH = 760


def moments(wh: Warehouse, form: dict[str, Any]) -> dict[str, Any]:
    """Datasets with moment queries; for one, its prediction sets and queries; for one
    query, its timeline: ground-truth and predicted windows and both saliency curves."""
    datasets = wh.rows("serve/moment_datasets")
    names = [d["dataset"] for d in datasets]
    dataset = form["dataset"] or (names[0] if names else None)
    page: dict[str, Any] = {"datasets": datasets, "dataset": dataset, "sets": [], "queries": []}
    if dataset is None:
        if form["pred"] is not None or form["qid"] is not None:
            raise UnknownItem("this warehouse has no moment queries")
        return page
    if dataset not in names:
        raise UnknownDataset(f"no moment queries in dataset {dataset!r}")
    sets = wh.rows("serve/moment_sets", {"dataset": dataset})
    pred = form["pred"] or (sets[0]["pred_id"] if sets else None)
    if form["pred"] and form["pred"] not in {s["pred_id"] for s in sets}:
        raise UnknownItem(f"no prediction set {form['pred']} for dataset {dataset!r}")
    params = {"dataset": dataset, "pred_id": pred, "limit": QUERIES_PER_PAGE}
    params["offset"] = form["offset"]
    queries = wh.rows("serve/moment_queries", params)
    page |= {"sets": sets, "pred": pred, "queries": queries, "offset": form["offset"]}
    page["n_queries"] = queries[0]["n_total"] if queries else 0
    qid = form["qid"] if form["qid"] is not None else (queries[0]["qid"] if queries else None)
    if qid is None:
        return page
    rows = wh.rows("serve/moment_query", {"dataset": dataset, "qid": qid})
    if not rows:
        raise UnknownItem(f"no moment query {qid} in dataset {dataset!r}")
    one = {"dataset": dataset, "qid": qid}
    focus = rows[0] | {
        "windows": wh.rows("serve/moment_windows", one),
        "predicted": wh.rows(
            "serve/moment_pred_windows", {"qid": qid, "pred_id": pred, "n": SHOWN_WINDOWS}
        ),
        "saliency": wh.rows(
            "reports/moment_saliency_curve", {**one, "pred_id": pred, "clip_len": CLIP_LEN}
        ),
    }
    page["focus"] = focus
    page["svg"] = timeline_svg(focus)
    return page


def timeline_svg(focus: dict[str, Any]) -> Markup:
    """Ground-truth windows (green), predicted windows by rank (blue), and the annotated
    (red, 0-4) and predicted (blue, scaled to its own range) saliency curves."""
    duration = max(float(focus["duration"]), 1e-6)
    x = lambda t: 40 + (WIDTH - 60) * float(t) / duration  # noqa: E731
    parts = [_text(4, 26, "truth"), _text(4, 50 + 14 * 0, "pred")]
    for w in focus["windows"]:
        parts.append(_rect(x(w["start_s"]), 14, x(w["end_s"]) - x(w["start_s"]), 16, "#2a9d4a"))
    for i, w in enumerate(focus["predicted"]):
        width = x(w["end_s"]) - x(w["start_s"])
        parts.append(
            _rect(x(w["start_s"]), 40 + 12 * i, width, 9, "#3465a4", 1.0 - 0.15 * i, w["rank"])
        )
    top, height = 110, 90
    curve = focus["saliency"]
    if curve:
        mid = lambda c: x((c["clip_idx"] + 0.5) * CLIP_LEN)  # noqa: E731
        annotated = [(mid(c), top + height - height * c["annotated"] / 4) for c in curve]
        parts.append(_line(annotated, "#c44e52", "annotated"))
        scores = [c["predicted"] for c in curve if c["predicted"] is not None]
        if scores:
            lo, hi = min(scores), max(scores)
            span = (hi - lo) or 1.0
            predicted = [
                (mid(c), top + height - height * ((c["predicted"] or lo) - lo) / span)
                for c in curve
            ]
            parts.append(_line(predicted, "#4c72b0", "predicted"))
    parts.append(_text(4, top + 10, "saliency"))
    for second in range(0, int(duration) + 1, max(1, int(duration) // 10 or 1)):
        parts.append(_text(x(second) - 4, top + height + 16, f"{second}s"))
    total = top + height + 24
    return _svg(WIDTH, total, parts, f"timeline of query {focus['qid']}")


def steps(
    catalog: Callable[[], AbstractContextManager[Warehouse]], form: dict[str, Any]
) -> dict[str, Any]:
    """Datasets with steps; for one video, its step x chunk similarity with the annotated,
    monotonic DP and per-step top-1 windows."""
    from vtr.models.step_data import load_step_videos
    from vtr.models.step_predict import predict_video, similarity

    with catalog() as wh:
        datasets = wh.rows("serve/step_datasets")
        names = [d["dataset"] for d in datasets]
        dataset = form["dataset"] or (names[0] if names else None)
        page: dict[str, Any] = {"datasets": datasets, "dataset": dataset, "videos": []}
        if dataset is None:
            if form["video_id"] or form["text"] or form["clips"]:
                raise UnknownItem("this warehouse has no step annotations")
            return page
        if dataset not in names:
            raise UnknownDataset(f"no step annotations in dataset {dataset!r}")
        variants = wh.rows("serve/step_variants")
        texts = [v["variant_id"] for v in variants if v["modality"] == "text"]
        clips = [v["variant_id"] for v in variants if v["modality"] == "video"]
        text = _pick(texts, form["text"], "text")
        clip = _pick(clips, form["clips"], "clip-level video")
        page |= {"text_variants": texts, "clip_variants": clips, "text": text, "clips": clip}
        page["videos"] = wh.rows("serve/step_videos", {"dataset": dataset})
        video_id = form["video_id"] or (page["videos"][0]["video_id"] if page["videos"] else "")
        split = wh.rows("serve/step_video", {"dataset": dataset, "video_id": video_id})
        if not split:
            raise UnknownItem(f"no step video {video_id!r} in dataset {dataset!r}")
        if text is None or clip is None:
            page["message"] = "this warehouse has no text and clip-level video variant pair"
            return page
        loaded = load_step_videos(wh, dataset, split[0]["split"], text, clip)
    shown = next((v for v in loaded if v.video_id == video_id), None)
    if shown is None:
        raise UnknownItem(f"step video {video_id!r} has no chunks under {clip!r}")
    sim = similarity(shown)
    predicted = {m: predict_video(shown, m) for m in ("dp", "top1")}
    page["video_id"] = video_id
    page["focus"] = {
        "steps": [
            {
                "qid": qid,
                "query": query,
                "window": [float(w) for w in shown.windows[i]],
                "dp": predicted["dp"][i]["pred_windows"][0][:2],
                "top1": predicted["top1"][i]["pred_windows"][0][:2],
            }
            for i, (qid, query) in enumerate(zip(shown.qids, shown.queries, strict=True))
        ],
        "chunk_start": [float(s) for s in shown.chunk_start],
        "chunk_end": [float(e) for e in shown.chunk_end],
        "similarity": [[round(float(v), 4) for v in row] for row in sim],
    }
    page["svg"] = heatmap_svg(page["focus"])
    return page


def heatmap_svg(focus: dict[str, Any]) -> Markup:
    """Cells coloured by similarity (dark blue low, yellow high, per step), the annotated window of
    each step boxed in white, the DP window as a red bar, the top-1 window as orange."""
    start, end = focus["chunk_start"], focus["chunk_end"]
    t0, t1 = start[0], max(end[-1], start[0] + 1e-6)
    left, row_h, width = 220, 22, WIDTH - 230
    x = lambda t: left + width * (float(t) - t0) / (t1 - t0)  # noqa: E731
    parts = []
    for i, (step, row) in enumerate(zip(focus["steps"], focus["similarity"], strict=True)):
        lo, hi = min(row), max(row)  # each step on its own scale: where it peaks in time
        y = 4 + i * row_h
        parts.append(_text(4, y + 15, step["query"][:32]))
        for j, value in enumerate(row):
            colour = _colour((value - lo) / ((hi - lo) or 1.0))
            cell = x(end[j]) - x(start[j])
            title = f"step {i + 1}, {start[j]:.0f}-{end[j]:.0f}s: {value:.3f}"
            parts.append(_rect(x(start[j]), y, cell, row_h - 2, colour, 1.0, title))
        s, e = step["window"]
        parts.append(
            f'<rect x="{x(s):.1f}" y="{y:.1f}" width="{x(e) - x(s):.1f}" height="{row_h - 2}" '
            'fill="none" stroke="#ffffff" stroke-width="2"/>'
        )
        for key, colour, dash in (("dp", "#e03131", ""), ("top1", "#f59f00", "4 3")):
            s, e = step[key]
            parts.append(
                f'<line x1="{x(s):.1f}" x2="{x(e):.1f}" y1="{y + 15:.1f}" y2="{y + 15:.1f}" '
                f'stroke="{colour}" stroke-width="3" stroke-dasharray="{dash}"/>'
            )
    height = 4 + len(focus["steps"]) * row_h + 20
    parts.append(_text(left, height - 4, f"{t0:.0f}s"))
    parts.append(_text(left + width - 24, height - 4, f"{t1:.0f}s"))
    return _svg(WIDTH, height, parts, "step by chunk similarity")


def _pick(options: list[str], wanted: str, what: str) -> str | None:
    if not wanted:
        return options[0] if options else None
    if wanted not in options:
        raise UnknownVariant(f"no {what} variant {wanted!r} in this warehouse")
    return wanted


def _colour(t: float) -> str:
    low, high = (32, 42, 110), (250, 220, 40)
    rgb = [round(a + (b - a) * min(max(t, 0.0), 1.0)) for a, b in zip(low, high, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _svg(width: int, height: int, parts: list[str], label: str) -> Markup:
    body = "".join(parts)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">{body}</svg>'
    )


def _rect(x, y, w, h, fill, opacity=1.0, title=None) -> str:
    tip = f"<title>{escape(str(title))}</title>" if title is not None else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 1):.1f}" height="{h}" fill="{fill}" '
        f'fill-opacity="{opacity:.2f}">{tip}</rect>'
    )


def _line(points: list[tuple[float, float]], colour: str, label: str) -> str:
    coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    return (
        f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2">'
        f"<title>{escape(label)}</title></polyline>"
    )


def _text(x: float, y: float, text: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="11">{escape(text)}</text>'
