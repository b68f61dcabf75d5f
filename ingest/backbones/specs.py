"""Backbone spec forms and their checks, importable without torch or the model libraries.

A bad spec (an unknown family, a missing part, a family without the asked-for tower)
fails here, in well under a second, before anything heavy is imported.
"""

from __future__ import annotations

from vtr.errors import BackboneError

FAMILIES: dict[str, dict[str, str]] = {
    "open_clip": {
        "spec": "open_clip:ARCH:TAG | open_clip:ARCH:/path/to/checkpoint | open_clip:ARCH:random",
        "towers": "video, text",
        "example": "open_clip:ViT-B-32:laion2b_s34b_b79k",
    },
    "st": {
        "spec": "st:minilm | st:/path/to/model | st:ORG/NAME (local HF cache)",
        "towers": "text",
        "example": "st:minilm",
    },
    "hf_clip": {
        "spec": "hf_clip:/path/to/model | hf_clip:ORG/NAME (local HF cache); CLIPModel",
        "towers": "video, text",
        "example": "hf_clip:openai/clip-vit-base-patch32",
    },
    "xclip": {
        "spec": "xclip:/path/to/model | xclip:ORG/NAME (local HF cache); video-native XCLIPModel",
        "towers": "video, text",
        "example": "xclip:microsoft/xclip-base-patch32",
    },
    "hf_text": {
        "spec": "hf_text:/path/to/model | hf_text:ORG/NAME (local HF cache); AutoModel encoder",
        "towers": "text",
        "example": "hf_text:bert-base-uncased",
    },
    "lm": {
        "spec": "lm:/path/to/model | lm:ORG/NAME (local HF cache); AutoModelForCausalLM",
        "towers": "text",
        "example": "lm:Qwen/Qwen2.5-0.5B",
    },
    "vlm": {
        "spec": "vlm:/path/to/model | vlm:ORG/NAME (local HF cache); LLaVA-NeXT-Video, "
        "Video-LLaVA or Qwen2-VL (e.g. vlm:Qwen/Qwen2-VL-2B-Instruct), "
        "L0 = projector output (before the LLM), Lk = LLM layer k over the video tokens",
        "towers": "video, text",
        "example": "vlm:llava-hf/LLaVA-NeXT-Video-7B-hf",
    },
}


VIDEO_FAMILIES = ("open_clip", "hf_clip", "xclip", "vlm")
TEXT_FAMILIES = ("open_clip", "st", "hf_clip", "xclip", "hf_text", "lm", "vlm")


def list_backbone_families() -> dict[str, dict[str, str]]:
    """The spec forms vtr understands, with an example each."""
    return FAMILIES


def split_spec(spec: str) -> tuple[str, str]:
    """`FAMILY:REST` -> (family, rest); BackboneError naming the known forms otherwise."""
    family, _, rest = spec.partition(":") if isinstance(spec, str) else ("", "", "")
    if family not in FAMILIES or not rest:
        forms = "; ".join(f"{name}: {info['spec']}" for name, info in FAMILIES.items())
        raise BackboneError(f"cannot read backbone spec {spec!r}; known forms: {forms}")
    return family, rest


def open_clip_parts(rest: str) -> tuple[str, str]:
    """`ARCH:WEIGHTS` of an open_clip spec; BackboneError when the weights part is missing."""
    arch, sep, weights = rest.partition(":")
    if not arch or not sep or not weights:
        raise BackboneError(
            f"open_clip spec needs weights: open_clip:{arch or 'ARCH'}:TAG, a checkpoint "
            f"path, or open_clip:{arch or 'ARCH'}:random"
        )
    return arch, weights


def check_spec(spec: str, tower: str) -> tuple[str, str]:
    """Check a spec's form and that its family has the `tower` ("video" or "text");
    returns (family, rest). Nothing is loaded."""
    family, rest = split_spec(spec)
    families = VIDEO_FAMILIES if tower == "video" else TEXT_FAMILIES
    if family not in families:
        raise BackboneError(f"backbone family {family!r} has no {tower} tower (spec {spec!r})")
    if family == "open_clip":
        open_clip_parts(rest)
    return family, rest
