"""Exercise 01's probes: coordinate images through the student's crop and dihedral transform.

Every HR pixel stores its own (row, col), and LR pixel (i, j) stores the HR
corner (i*s, j*s), so any crop or transform shows where it came from. The
judges are in ``srlib.course.exercises.ex01_paired_crop_augment``. Taught in: notebook 01.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from srlib.course.exercises.probing import Probe

DRAWS = 400  # crops per probe: every corner of the test image is hit with near certainty


def coordinate_pair(h: int, w: int, scale: int):
    """(LR, HR) uint8 images whose pixels store their HR (row, col); channel 2 is zero."""
    rows, cols = np.mgrid[0: h * scale, 0: w * scale]
    img_hr = np.stack([rows, cols, np.zeros_like(rows)], axis=-1).astype(np.uint8)
    return img_hr[::scale, ::scale].copy(), img_hr


def crop_inputs(seed: int):
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(16, 22)), int(rng.integers(24, 31))  # LR size; HR up to 84 x 120
    patch, scale = int(rng.integers(6, 11)), int(rng.integers(2, 5))
    img_lr, img_hr = coordinate_pair(h, w, scale)
    return SimpleNamespace(img_lr=img_lr, img_hr=img_hr, patch=patch, scale=scale, seed=seed)


def crops(fn, i):
    draws = [fn(i.img_lr, i.img_hr, i.patch, i.scale, np.random.default_rng([i.seed, k])) for k in range(DRAWS)]
    return [[np.asarray(lr), np.asarray(hr)] for lr, hr in draws]


def augment_inputs(seed: int):
    rng = np.random.default_rng(seed)
    img_lr, img_hr = coordinate_pair(int(rng.integers(3, 7)), int(rng.integers(7, 11)), 2)
    return SimpleNamespace(img_lr=img_lr, img_hr=img_hr)


def transforms(fn, i):
    return [[np.asarray(a) for a in fn(i.img_lr.copy(), i.img_hr.copy(), k)] for k in range(8)]


PAIRED_CROP = Probe("paired_crop", "paired_random_crop", crop_inputs, (crops,))
AUGMENT_PAIR = Probe("augment_pair", "augment_pair", augment_inputs, (transforms,))
PROBES = (PAIRED_CROP, AUGMENT_PAIR)
