"""`videoprism:PATH`: VideoPrism (transformers `VideoPrismClipModel` for the video-text
"LvT" checkpoints, `VideoPrismVisionModel` for the video-only ones), from a local folder or
the local Hugging Face cache (never downloaded).

VideoPrism is video-native: a factorised encoder (spatial blocks per frame, then temporal
blocks across the frames of each patch position) and, in the LvT model, an attention-pooling
head give one vector per video (`final/embed`, temporal field `native`, L2-normalised as
the library returns it). Its layers, all from the same forward pass:

* `S0..Sn`: the spatial encoder per frame (`S0` = the patch embeddings, no class token),
  pooled per frame, then over time like any per-frame tower;
* `L1..Lm`: the temporal blocks, every patch of every frame of the video (`Lm` = the
  encoder's output after its layernorm): one row per video, so `native` as well.

Frame counts and sizes other than the checkpoint's interpolate its position embeddings
(the library's `interpolate_pos_encoding`; unchanged when they match). Pixels are read in
[0, 1] unless the folder's processor config says otherwise. Text (LvT only): captions
padded to `max_length` as in the docs; VideoPrism appends a class token after them, which
`last` pools and `final/embed` projects (`get_text_features`). Whatever the training loss
(the library's is SigLIP's sigmoid form), retrieval ranks by cosine similarity.
"""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "videoprism",
    help="VideoPrism: get_video_features over the frame stack (video-native, temporal field "
    "native; S0..Sn spatial layers per frame, L1..Lm temporal layers per video), text = "
    "get_text_features (LvT checkpoints)",
    towers=("video", "text"),
    spec="videoprism:/path/to/model | videoprism:ORG/NAME (local HF cache); "
    "VideoPrismClipModel (video and text) or VideoPrismVisionModel (video only)",
    example="videoprism:google/videoprism-lvt-base-f16r288",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.videoprism import VideoPrism

    return VideoPrism(rest, device)
