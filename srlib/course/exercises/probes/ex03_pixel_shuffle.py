"""Exercise 03's probes: the student's pixel shuffle on random tensors, the stage count on scales.

Both draw from the seed: the tensors' values, and the scales beyond x2, x4
and x8 (two more powers of two up to x4096), so a table of answers for fixed
inputs scores nothing. The judges are in ``srlib.course.exercises.ex03_pixel_shuffle``.
Taught in: notebook 03.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch

from srlib.course.exercises.probing import Probe

SHAPES = (((1, 4, 3, 5), 2), ((2, 27, 4, 4), 3), ((3, 48, 2, 7), 4))
TAUGHT_SCALES = (2, 4, 8)  # the scales the notebook's messages name


def shuffle_inputs(seed: int):
    gen = torch.Generator().manual_seed(seed)
    return SimpleNamespace(cases=[(torch.randn(*shape, generator=gen), r) for shape, r in SHAPES])


def shuffled(fn, i):
    return [fn(x.clone(), r) for x, r in i.cases]


def stage_inputs(seed: int):
    rng = np.random.default_rng(seed)
    extra = sorted(2 ** int(k) for k in rng.choice(np.arange(4, 13), size=2, replace=False))  # x16 ... x4096
    return SimpleNamespace(scales=TAUGHT_SCALES + tuple(extra))


def stages(fn, i):
    return [fn(scale) for scale in i.scales]


PIXEL_SHUFFLE = Probe("pixel_shuffle", "pixel_shuffle", shuffle_inputs, (shuffled,),
                      forbidden=("pixel_shuffle", "PixelShuffle"))
NUM_UPSAMPLE_STAGES = Probe("num_upsample_stages", "num_upsample_stages", stage_inputs, (stages,))
PROBES = (PIXEL_SHUFFLE, NUM_UPSAMPLE_STAGES)
