"""`pe_video:PATH`: Perception Encoder video (transformers `PeVideoModel`, model type
`pe_video`), from a local folder or the local Hugging Face cache (never downloaded). A
`pe_audio_video` checkpoint (facebook/pe-av-large) is another model type and is refused.

PE video is video-native: each frame goes through PE's image tower (a timm model, pooled
to one vector a frame), a temporal transformer runs over a class token and the frames,
and the video head projects the class token: one vector per video (`final/embed`,
temporal field `native`), exactly `PeVideoModel.forward`'s `video_embeds`. Its layers, from
the same forward pass, are one row per video (`native` too):

* `L0` = the temporal transformer's input (class token, then one token per frame);
* `Lk` = its block k; `Ln` = its output after the final norm and output projection
  (the library's `pooler_output` and `last_hidden_state`, class token first).

The per-frame image tower (timm) offers no layer taps. Any frame count works (rotary
positions). Text: the text model (ModernBERT) over the caption, `L0..Ln` its
`hidden_states`, and `final/embed` = `text_video_embeds` (the text head on the first token
of the last hidden state), as `PeVideoModel.forward` computes it. PE was trained with a
sigmoid loss; retrieval ranks by cosine similarity.
"""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "pe_video",
    help="Perception Encoder video (PeVideoModel): video_embeds over the frame stack "
    "(video-native, temporal field native; L0..Ln the temporal transformer per video), "
    "text = text_video_embeds",
    towers=("video", "text"),
    spec="pe_video:/path/to/model | pe_video:ORG/NAME (local HF cache); PeVideoModel",
    example="pe_video:/models/pe-video",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.pe_video import PeVideo

    return PeVideo(rest, device)
