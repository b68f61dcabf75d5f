"""The search page: pick a text and a video variant, type a query, see the nearest videos.

`target=videos` ranks the videos of the video variant by cosine similarity with the
embedded query (text-to-video retrieval); `target=captions` ranks the captions of the
text variant (text-to-text), each video by its best caption, which finds the video whose
caption says the same thing even when the two towers are not aligned. The catalog is
read before and after the embedding, never held during it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from vtr.errors import EvalInputError, UnknownDataset, UnknownVariant
from vtr.serve.embed import embed_text, nearest, why_not
from vtr.warehouse.catalog import Warehouse

TARGETS = ("videos", "captions")


def search(
    catalog: Callable[[], AbstractContextManager[Warehouse]],
    lance: Path,
    query: str,
    form: dict[str, Any],
) -> dict[str, Any]:
    """The page's data: the variants to choose from, the chosen ones, and the hits."""
    with catalog() as wh:
        variants = wh.rows("serve/search_variants")
        pair = wh.rows("serve/search_pair")
        datasets = [row["dataset"] for row in wh.rows("serve/datasets")]
    texts = [v for v in variants if v["modality"] == "text"]
    videos = [v for v in variants if v["modality"] == "video"]
    default = pair[0] if pair else {}
    text = _pick(texts, form["text"] or default.get("text_variant"), "text")
    video = _pick(videos, form["video"] or default.get("video_variant"), "video")
    dataset = form["dataset"] or default.get("dataset") or (datasets[0] if datasets else None)
    if form["dataset"] and form["dataset"] not in datasets:
        raise UnknownDataset(f"no dataset {form['dataset']!r} in this warehouse")
    page: dict[str, Any] = {
        "query": query,
        "target": form["target"],
        "k": form["k"],
        "dataset": dataset,
        "datasets": datasets,
        "text_variants": [_choice(v) for v in texts],
        "video_variants": [_choice(v, False) for v in videos],
        "text_variant": text["variant_id"] if text else None,
        "video_variant": video["variant_id"] if video else None,
        "message": None,
        "hits": [],
    }
    if not query.strip():
        return page
    if text is None or dataset is None:
        page["message"] = "this warehouse has no text variant to embed the query with"
        return page
    reason = why_not(text)
    if reason:
        page["message"] = f"cannot embed new text with this variant: {reason}"
        return page
    vector = embed_text(text, query)
    if form["target"] == "videos":
        if video is None:
            page["message"] = "this warehouse has no video variant to search"
            return page
        try:
            hits = nearest(lance, video["lance_table"], dataset, vector, form["k"])
        except EvalInputError as err:  # not one space, or the table is not there
            page["message"] = str(err)
            return page
        page["hits"] = [
            {"position": i + 1, "video_id": h.item_id, "score": h.score, "caption": None}
            for i, h in enumerate(hits)
        ]
        return page
    hits = nearest(lance, text["lance_table"], dataset, vector, form["k"] * 20)
    with catalog() as wh:
        params = {"dataset": dataset, "caption_ids": [h.item_id for h in hits]}
        captions = {row["caption_id"]: row for row in wh.rows("serve/caption_videos", params)}
    seen: set[str] = set()
    for hit in hits:
        row = captions.get(hit.item_id)
        if row is None or row["video_id"] in seen:
            continue
        seen.add(row["video_id"])
        page["hits"].append(
            {
                "position": len(seen),
                "video_id": row["video_id"],
                "score": hit.score,
                "caption": row["text"],
            }
        )
        if len(seen) == form["k"]:
            break
    return page


def _pick(rows: list[dict], wanted: str | None, modality: str) -> dict | None:
    if not wanted:
        return rows[0] if rows else None
    for row in rows:
        if row["variant_id"] == wanted:
            return row
    raise UnknownVariant(f"no {modality} variant {wanted!r} in this warehouse")


def _choice(row: dict[str, Any], text: bool = True) -> dict[str, Any]:
    reason = why_not(row) if text else None
    return {"variant_id": row["variant_id"], "dim": row["dim"], "why_not": reason}
