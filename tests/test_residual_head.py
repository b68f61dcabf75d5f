"""The `residual-mlp` head: it starts as a linear map, trains in a few steps, and is
reachable by name from the registry (tests/test_training.py trains every registered head
through `vtr train`'s model builder)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from vtr.models.heads import build_head
from vtr.models.losses import build_loss
from vtr.registry import HEADS


def test_at_initialisation_it_is_its_linear_map():
    torch.manual_seed(0)
    head = build_head("residual-mlp", 12, 6, (16,), dropout=0.0)
    x = torch.randn(5, 12)
    torch.testing.assert_close(head(x), head.linear(x))
    sequence = torch.randn(5, 3, 12)  # a sequence is its mean over time
    torch.testing.assert_close(head(sequence), head(sequence.mean(dim=1)))


def test_a_few_steps_lower_the_loss_and_grow_the_branch():
    torch.manual_seed(0)
    n, in_dim, out_dim = 64, 16, 8
    video = F.normalize(torch.randn(n, out_dim), dim=-1)
    mix = torch.randn(out_dim, in_dim)
    text = torch.tanh(video @ mix) + 0.05 * torch.randn(n, in_dim)  # a non-linear view
    head = build_head("residual-mlp", in_dim, out_dim, (32,), dropout=0.0)
    loss_fn = build_loss("infonce", temperature=0.1)
    optimiser = torch.optim.AdamW(head.parameters(), lr=1e-2)
    index = torch.arange(n)
    losses = []
    for _ in range(40):
        loss = loss_fn(head(text), video, index)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert head.branch.net[-1].weight.abs().sum() > 0  # the branch took part
    with torch.no_grad():
        r1 = (F.normalize(head(text), dim=-1) @ video.T).argmax(dim=1).eq(index).float().mean()
    assert r1 > 0.5


def test_it_is_registered_as_a_vector_head():
    entry = HEADS.entry("residual-mlp")
    assert entry.meta["sequence"] is False and "proj" in entry.help
