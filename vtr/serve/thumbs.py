"""Keyframe thumbnails: decoded once from the file the catalog records, cached as PNG in
the warehouse folder (`serve-cache/thumbs/`), named by a hash of (dataset, video id).

The request names a video, never a file: the path comes from the catalog, and the only
files served are the cache's own PNGs.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from pathlib import Path

from vtr.errors import VideoDecodeError

CACHE_DIR = Path("serve-cache") / "thumbs"
THUMB_HEIGHT = 96
_LOCK = threading.Lock()


def thumb_file(root: Path, dataset: str, video_id: str) -> Path:
    """Where the thumbnail of (dataset, video_id) is cached inside the warehouse `root`."""
    digest = hashlib.sha256(f"{dataset}\0{video_id}".encode()).hexdigest()[:32]
    return root / CACHE_DIR / f"{digest}.png"


def thumbnail(root: Path, dataset: str, video_id: str, video_path: str) -> bytes:
    """The PNG bytes of the video's middle frame, decoded on the first call and cached."""
    target = thumb_file(root, dataset, video_id)
    if target.is_file():
        return target.read_bytes()
    from PIL import Image

    from vtr.ingest.video import read_frames

    with _LOCK:
        if target.is_file():  # another request decoded it meanwhile
            return target.read_bytes()
        frames, _ = read_frames(video_path, 1)
        image = Image.fromarray(frames[0])
        width = max(1, round(image.width * THUMB_HEIGHT / max(1, image.height)))
        image = image.resize((width, THUMB_HEIGHT))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        data = buffer.getvalue()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(data)
            os.replace(partial, target)
        except OSError:  # a read-only warehouse folder: serve it without caching
            pass
    return data


__all__ = ["VideoDecodeError", "thumb_file", "thumbnail"]
