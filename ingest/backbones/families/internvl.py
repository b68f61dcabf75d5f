"""`internvl:PATH`: InternVL 2/2.5/3 `-hf` checkpoints (`InternVLForConditionalGeneration`,
see frame_llms.py).

Before the LLM (`L0`): each frame's InternViT tokens after pixel shuffle and the MLP
projector (`get_image_features`), the tokens the LLM reads. After the LLM (`Lk`): the
LLM's hidden states after block k at those tokens, from the model's own forward over
`<img>` + the frame's tokens + `</img>` per frame. Text: the same LLM over the caption.
"""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "internvl",
    help="InternVL -hf checkpoints (InternVLForConditionalGeneration); L0 = each frame's "
    "projector output (pixel-shuffled InternViT tokens), before the LLM; Lk = LLM block k "
    "at them; text = the LLM over the caption",
    towers=("video", "text"),
    spec="internvl:/path/to/model | internvl:ORG/NAME (local HF cache), "
    "L0 = projector output (before the LLM), Lk = LLM layer k over the frame tokens",
    example="internvl:OpenGVLab/InternVL3-1B-hf",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.frame_llms import InternVL

    return InternVL(rest, device)
