"""Exercise 03: pixel shuffle by reshape and permute, and the number of x2 stages.

Pixel shuffle (Shi et al. 2016, ESPCN, Sec. 2.2): (B, C r^2, H, W) -> (B, C, rH, rW),
output pixel (c, h r + i, w r + j) = input channel c r^2 + i r + j at (h, w).
The task forbids torch's built-in, so a call to it scores 0. Taught in: notebook 03.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F

from srlib.course.exercises.core import Exercise, Step, Task, expect_count

SHAPES = (((1, 4, 3, 5), 2), ((2, 27, 4, 4), 3), ((3, 48, 2, 7), 4))


def shuffle_inputs(seed: int):
    gen = torch.Generator().manual_seed(seed)
    return SimpleNamespace(cases=[(torch.randn(*shape, generator=gen), r) for shape, r in SHAPES])


def _shuffled(fn, i):
    return [fn(x.clone(), r) for x, r in i.cases]


def _judge_shuffled(outs, i):
    expect_count(outs, len(i.cases), "outputs")
    for out, (x, r) in zip(outs, i.cases):
        out, want = np.asarray(out), F.pixel_shuffle(x, r).numpy()
        if out.shape != want.shape:
            return f"for input {tuple(x.shape)} and r={r} expected shape {want.shape}, got {out.shape}"
        if not np.array_equal(out, want):
            return f"values differ from nn.PixelShuffle for input {tuple(x.shape)}, r={r}: check the permute order"


def stage_inputs(seed: int):
    return SimpleNamespace(scales=(2, 4, 8))


def _stages(fn, i):
    return [fn(scale) for scale in i.scales]


def _judge_stages(counts, i):
    expect_count(counts, len(i.scales), "counts")
    if list(counts) == [int(math.log(scale)) for scale in i.scales]:
        return ("x2, x4, x8 give 0, 1, 2 stages: that is the natural log of the scale; each stage "
                "doubles the size, so count how many doublings reach the scale")
    for scale, got in zip(i.scales, counts):
        if got != int(math.log2(scale)):
            return f"x{scale} needs {int(math.log2(scale))} x2 stages, got {got}"


EXERCISE = Exercise("ex03_pixel_shuffle", "03", "Pixel shuffle by hand", (
    Task("pixel_shuffle", "pixel_shuffle", 3, shuffle_inputs, (
        Step("equals nn.PixelShuffle on random tensors", _shuffled, _judge_shuffled),
    ), library=("srlib.models.upsample",), forbidden=("pixel_shuffle", "PixelShuffle")),
    Task("num_upsample_stages", "num_upsample_stages", 1, stage_inputs, (
        Step("x2 stages for x2, x4, x8", _stages, _judge_stages),
    ), library=("srlib.models.upsample", "srlib.models.srresnet")),
))
