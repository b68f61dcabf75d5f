"""`instructblipvideo:PATH`: InstructBLIP-Video (transformers
`InstructBlipVideoForConditionalGeneration`), from a local folder or the local Hugging
Face cache (never downloaded). The BLIP-2 video Q-Former before an LLM, as in the vision
branch of Video-LLaMA.

Each frame goes through the vision tower, the Q-Former's `num_query_tokens` learned
queries read it (cross-attention, with the instruction `qformer.QFORMER_PROMPT` as the Q-Former's
text input), the language projection maps the query outputs to the LLM's width, and the
LLM runs over the frames' projected queries (the prompt is the video tokens alone).
Three stacks of layers can be tapped from that one forward pass:

* `V0..Vn`: the vision tower's `hidden_states[k]` per frame (class token first, then the
  patches; `V0` = the patch embeddings, `Vn` = the last block, before its layernorm);
* `Q0..Qm`: the Q-Former's `hidden_states[k]` at the query positions only (the
  instruction's tokens are dropped); `Qm` is the query output the language projection
  reads. The queries are learned, fixed in number and never padding: no mask applies;
* `L0` = the projected query tokens, the video tokens **before the LLM**
  (`get_video_features`); `Lk` = the LLM's hidden states after block k over them (**after
  the LLM**). A plain number in `--layers` is an `L` layer; `V-1`, `Q-1` count from the end.

Token poolings run per frame (each frame's tokens), then temporal pooling. Text: the same
LLM over the caption (like `lm:`), `L0..Ln`. There is no projected embedding of its own
(no `final/embed`); without `--layers`, the last LLM layer is written (video: `mean`, text:
`last`). Ranking is by cosine similarity, as for every family.
"""

from __future__ import annotations

from vtr.registry import BACKBONES


@BACKBONES.register(
    "instructblipvideo",
    help="InstructBLIP-Video (InstructBlipVideoForConditionalGeneration): per frame the "
    "vision tower (V0..Vn), the Q-Former's query outputs (Q0..Qm, no padding mask), "
    "L0 = projected queries before the LLM, Lk = LLM layer k; text = the LLM over the caption",
    towers=("video", "text"),
    spec="instructblipvideo:/path/to/model | instructblipvideo:ORG/NAME (local HF cache); "
    "--layers V-1,Q-1,0,-1 taps the vision tower, Q-Former, projected queries and LLM at once",
    example="instructblipvideo:Salesforce/instructblip-vicuna-7b",
)
def load(rest: str, device, seed: int):
    from vtr.ingest.backbones.qformer import InstructBlipVideo

    return InstructBlipVideo(rest, device)
