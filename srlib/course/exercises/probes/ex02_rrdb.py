"""Exercise 02's probes: the student's dense block and RRDB, built and run on seeded inputs.

The dense block is also run with weights drawn from the seed, loaded into its
five convolutions in the order they were created, so the judge can compare its
output with ESRGAN's block on the same weights; the RRDB likewise, its fifteen
convolutions with seeded weights, compared with a chain of three reference
blocks. The block's small size is drawn from the seed too. The judges are in ``srlib.course.exercises.ex02_rrdb``. Taught in:
notebook 02, sections 3-4.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from torch import nn

from srlib.course.exercises.probing import Probe

ESRGAN_SIZE = (64, 32)  # (num_feat, num_grow_ch) of ESRGAN's blocks


def dense_channels(c: int, g: int) -> list[tuple[int, int]]:
    """(in, out) channels of a dense block's five convolutions: each sees the input and every earlier output."""
    return [(c, g), (c + g, g), (c + 2 * g, g), (c + 3 * g, g), (c + 4 * g, c)]


def inputs(seed: int):
    rng = np.random.default_rng(seed)
    small = (int(rng.choice([8, 12, 16, 20, 24])), int(rng.choice([4, 6, 8, 10])))  # the block run with weights
    gen = torch.Generator().manual_seed(seed)
    weights = []
    for c_in, c_out in dense_channels(*small):
        w = torch.randn(c_out, c_in, 3, 3, generator=gen) / (9 * c_in) ** 0.5
        weights.append((w, 0.1 * torch.randn(c_out, generator=gen)))
    x, x_small = torch.randn(1, 64, 8, 8, generator=gen), torch.randn(2, small[0], 6, 6, generator=gen)
    chain = []  # the RRDB's three blocks' weights (15 convs), for the run with chosen weights
    for _ in range(3):
        for c_in, c_out in dense_channels(*small):
            w = torch.randn(c_out, c_in, 3, 3, generator=gen) / (9 * c_in) ** 0.5
            chain.append((w, 0.1 * torch.randn(c_out, generator=gen)))
    return SimpleNamespace(x=x, weights=weights, small=small, x_small=x_small, chain=chain)


def convs(module: nn.Module) -> list[nn.Conv2d]:
    return [m for m in module.modules() if isinstance(m, nn.Conv2d)]


def rdb_shape(cls, i):
    return list(cls(*ESRGAN_SIZE)(i.x).shape)


def rdb_channels(cls, i):
    return {f"{c},{g}": [[m.in_channels, m.out_channels] for m in convs(cls(c, g))] for c, g in (ESRGAN_SIZE, i.small)}


def rdb_output(cls, i):
    block = cls(*i.small)
    found = convs(block)
    if [tuple(c.weight.shape) for c in found] != [tuple(w.shape) for w, _ in i.weights] or any(
            c.bias is None for c in found):
        return {"out": None}
    with torch.no_grad():
        for conv, (w, b) in zip(found, i.weights):
            conv.weight.copy_(w)
            conv.bias.copy_(b)
        return {"out": block(i.x_small)}


def rrdb_structure(cls, i):
    block = cls(*ESRGAN_SIZE)
    params = list(block.parameters())
    return {"parameters": sum(p.numel() for p in params), "tensors": len({p.data_ptr() for p in params}),
            "shape": list(block(i.x).shape)}


def rrdb_output(cls, i):
    """The RRDB of the small size with the seeded weights of ``i.chain`` in its 15 convs (in creation order)."""
    block = cls(*i.small)
    found = convs(block)
    if [tuple(c.weight.shape) for c in found] != [tuple(w.shape) for w, _ in i.chain] or any(
            c.bias is None for c in found):
        return {"out": None}
    with torch.no_grad():
        for conv, (w, b) in zip(found, i.chain):
            conv.weight.copy_(w)
            conv.bias.copy_(b)
        return {"out": block(i.x_small)}


def rrdb_identity_blocks(cls, i):
    block = cls(*ESRGAN_SIZE)
    with torch.no_grad():
        for conv in convs(block):
            conv.weight.zero_()
            if conv.bias is not None:
                conv.bias.zero_()  # every dense block is now the identity
        return block(i.x)


RDB = Probe("rdb", "ResidualDenseBlock", inputs, (rdb_shape, rdb_channels, rdb_output))
RRDB = Probe("rrdb", "RRDB", inputs, (rrdb_structure, rrdb_identity_blocks, rrdb_output))
PROBES = (RDB, RRDB)
