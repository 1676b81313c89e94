"""Exercise 03's judges: pixel shuffle by reshape and permute, and the number of x2 stages.

Pixel shuffle (Shi et al. 2016, ESPCN, Sec. 2.2): (B, C r^2, H, W) -> (B, C, rH, rW),
output pixel (c, h r + i, w r + j) = input channel c r^2 + i r + j at (h, w).
The task forbids torch's built-in: the grader's student process has no working
``F.pixel_shuffle`` (``srlib.course.exercises.probing.ForbiddenBuiltins``), and a call
to it scores 0. Taught in: notebook 03.
"""

from __future__ import annotations

import math

import numpy as np
import torch.nn.functional as F

from srlib.course.exercises.core import Exercise, Step, Task, expect_count
from srlib.course.exercises.probes import ex03_pixel_shuffle as probe
from srlib.course.exercises.probes.ex03_pixel_shuffle import TAUGHT_SCALES


def _judge_shuffled(outs, i):
    expect_count(outs, len(i.cases), "outputs")
    for out, (x, r) in zip(outs, i.cases):
        out, want = np.asarray(out), F.pixel_shuffle(x, r).numpy()
        if out.shape != want.shape:
            return f"for input {tuple(x.shape)} and r={r} expected shape {want.shape}, got {out.shape}"
        if not np.array_equal(out, want):
            return f"values differ from nn.PixelShuffle for input {tuple(x.shape)}, r={r}: check the permute order"


def _judge_stages(counts, i):
    expect_count(counts, len(i.scales), "counts")
    if list(counts) == [int(math.log(scale)) for scale in i.scales]:
        taught = ", ".join(f"x{s}" for s in TAUGHT_SCALES)
        natural = ", ".join(str(int(math.log(s))) for s in TAUGHT_SCALES)
        return (f"{taught} give {natural} stages: that is the natural log of the scale; each stage "
                "doubles the size, so count how many doublings reach the scale")
    for scale, got in zip(i.scales, counts):
        if got != int(math.log2(scale)):
            return f"x{scale} needs {int(math.log2(scale))} x2 stages, got {got}"


EXERCISE = Exercise("ex03_pixel_shuffle", "03", "Pixel shuffle by hand", (
    Task(probe.PIXEL_SHUFFLE, 3, (
        Step("equals nn.PixelShuffle on random tensors", probe.shuffled, _judge_shuffled),
    ), library=("srlib.models.upsample",)),
    Task(probe.NUM_UPSAMPLE_STAGES, 1, (
        Step("x2 stages for x2, x4, x8", probe.stages, _judge_stages),
    ), library=("srlib.models.upsample", "srlib.models.srresnet")),
))
