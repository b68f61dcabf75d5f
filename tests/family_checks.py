"""Checks every backbone family's test makes: every variant of a plan from ONE forward pass,
and variant ids that parse back."""

from __future__ import annotations

import torch

from vtr.ingest.fanout import TapPlan, tapped_layers, video_variants, video_vectors
from vtr.warehouse.variants import Variant


def close(a: torch.Tensor, b: torch.Tensor) -> None:
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def video_fan_out(spec: str, encoder, plan: TapPlan, frames: torch.Tensor, modules: dict):
    """(variant fields after the spec, the forward, per-variant vectors) of one tapped
    forward over `frames`; asserts each of `modules` (name -> nn.Module) ran once, every
    variant got its vector and every id parses back."""
    variants = video_variants(spec, encoder, plan, frames.shape[1])
    assert all(Variant.parse(v.id) == v for v in variants)
    calls = dict.fromkeys(modules, 0)

    def count(name):
        return lambda *_: calls.__setitem__(name, calls[name] + 1)

    hooks = [module.register_forward_hook(count(name)) for name, module in modules.items()]
    try:
        with torch.inference_mode():
            out = encoder.forward_video(frames, tapped_layers(variants))
            vectors = video_vectors(out, frames.shape[0], frames.shape[1], variants)
    finally:
        for hook in hooks:
            hook.remove()
    assert calls == dict.fromkeys(modules, 1), calls
    assert set(vectors) == {v.id for v in variants}
    return [v.id[len(f"video/{spec}/") :] for v in variants], out, vectors


def ingest_family(wh, corpus, spec: str, **options):
    """Ingest the synthetic corpus with `spec` (both towers, 2 frames, batches of 8);
    returns {variant id: (rows written, dim)} from the summary and the catalog."""
    from vtr.ingest.datasets import register_dataset
    from vtr.ingest.pipeline import ingest
    from vtr.warehouse.variants import list_variants

    register_dataset(wh, "synth", corpus, corpus.parent / "videos")
    summary = ingest(wh, "synth", [spec], [spec], frames=2, batch_size=8, workers=0,
                     show_progress=False, **options)  # fmt: skip
    dims = {row["variant_id"]: row["dim"] for row in list_variants(wh)}
    return {r.variant_id: (r.written, dims[r.variant_id]) for r in summary.variants}
