"""Another system's text x video similarity matrix stored as an evaluation of a dataset.

`vtr metrics retrieval SIM.npy --into WAREHOUSE --dataset NAME --name LABEL` puts the
result beside vtr's own evaluations of the same queries (reports, leaderboard, SQL).
Rows and columns are named by id files, or follow the dataset's split order: captions
of the split's videos sorted by caption_id (rows), the split's videos sorted by
video_id (columns), as `sql/evals/split_captions.sql` and `split_videos.sql` list them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vtr.errors import EvalInputError
from vtr.warehouse.catalog import Warehouse


def read_ids(path: Path, what: str) -> list[str]:
    """Ids from a text file, one per line (blank lines are an error)."""
    if not path.is_file():
        raise EvalInputError(f"{what} file {path} does not exist")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise EvalInputError(f"{what} file {path} is not readable text: {err}") from None
    ids = [line.strip() for line in lines]
    if blank := [n for n, item in enumerate(ids, 1) if not item]:
        raise EvalInputError(f"{what} file {path}: line {blank[0]} is empty")
    return ids


def store_external_eval(
    wh: Warehouse,
    sim: np.ndarray,
    dataset: str,
    split: str | None,
    label: str,
    text_ids: Sequence[str] | None = None,
    video_ids: Sequence[str] | None = None,
    k: int = 10,
    ties: str = "pessimistic",
    protocol: str = "vtr",
    source: str | None = None,
) -> int:
    """Store `sim` (rows = captions, columns = videos of `dataset` / `split`) as an
    evaluation labelled `label`; return its eval_id. Coverage is recorded when the id
    files name only part of the split."""
    from vtr.warehouse.evals import _exact_meta, _split_items, _store
    from vtr.warehouse.search import check_protocol, search_similarity

    check_protocol(protocol)
    if not label.strip():
        raise EvalInputError("--name must not be empty: it is how reports show this result")
    taken = wh.con.execute(
        "SELECT eval_id FROM evals WHERE label = ? AND dataset = ? AND split IS NOT DISTINCT "
        "FROM ?",
        [label, dataset, split],
    ).fetchone()
    if taken:
        raise EvalInputError(
            f"eval {taken[0]} of {dataset!r} / {split or 'all'} is already labelled {label!r}; "
            "give this result another --name"
        )
    listed_videos, listed_captions, _ = _split_items(wh, dataset, split)
    caption_video = dict(
        wh.con.execute(
            "SELECT caption_id, video_id FROM captions WHERE dataset = ?", [dataset]
        ).fetchall()
    )
    videos = _named(video_ids, listed_videos, sim.shape[1], "video", "columns", dataset, split)
    captions = _named(text_ids, listed_captions, sim.shape[0], "caption", "rows", dataset, split)
    position = {video: j for j, video in enumerate(videos)}
    orphans = [c for c in captions if caption_video[c] not in position]
    if orphans:
        raise EvalInputError(
            f"{len(orphans)} caption row(s) belong to videos that are not columns of the "
            f"matrix, e.g. {orphans[:3]}: each caption's own video must be a column"
        )
    gt = np.array([position[caption_video[c]] for c in captions], dtype=np.int64)
    result = search_similarity(sim, gt, k=k, ties=ties)
    meta = _exact_meta(k, 0, "given matrix", dataset, split) | {"ties": ties}
    meta |= {"protocol": protocol, "label": label}
    meta |= {"n_videos_listed": len(listed_videos), "n_texts_listed": len(listed_captions)}
    meta["config"]["source"] = source
    return _store(wh, meta, result, captions, videos)


def _named(
    given: Sequence[str] | None,
    listed: list[str],
    size: int,
    what: str,
    axis: str,
    dataset: str,
    split: str | None,
) -> list[str]:
    where = f"{dataset!r} / {split or 'all'}"
    option = "--text-ids" if what == "caption" else "--video-ids"
    if given is None:
        if size != len(listed):
            raise EvalInputError(
                f"the matrix has {size} {axis} but {where} lists {len(listed)} {what}s; "
                f"give the {what} id of each of the {axis} with {option}"
            )
        return listed
    given = list(given)
    if len(given) != size:
        raise EvalInputError(f"{len(given)} {what} ids for the matrix's {size} {axis}")
    if len(set(given)) != len(given):
        seen: set[str] = set()
        dup = next(item for item in given if item in seen or seen.add(item))
        raise EvalInputError(f"{what} id {dup!r} names more than one of the matrix's {axis}")
    known = set(listed)
    unknown = [item for item in given if item not in known]
    if unknown:
        raise EvalInputError(f"{len(unknown)} {what} id(s) are not in {where}, e.g. {unknown[:3]}")
    return given
