"""Exercise 01: an aligned random LR/HR crop, and the same dihedral transform on both.

Probes feed *coordinate images*: every HR pixel stores its own (row, col), and
LR pixel (i, j) stores the HR corner (i*s, j*s), so any crop or transform shows
where it came from. Taught in: notebook 01, sections on patches and augmentation.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from srlib.course.exercises.core import Exercise, Step, Task, expect_count

DRAWS = 400  # crops per probe: every corner of the test image is hit with near certainty


def coordinate_pair(h: int, w: int, scale: int):
    """(LR, HR) uint8 images whose pixels store their HR (row, col); channel 2 is zero."""
    rows, cols = np.mgrid[0: h * scale, 0: w * scale]
    img_hr = np.stack([rows, cols, np.zeros_like(rows)], axis=-1).astype(np.uint8)
    return img_hr[::scale, ::scale].copy(), img_hr


# ---------------------------------------------------------------- paired crop
def crop_inputs(seed: int):
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(16, 22)), int(rng.integers(24, 31))  # LR size; HR up to 84 x 120
    img_lr, img_hr = coordinate_pair(h, w, 4)
    return SimpleNamespace(img_lr=img_lr, img_hr=img_hr, patch=8, scale=4, seed=seed)


def _crops(fn, i):
    draws = [fn(i.img_lr, i.img_hr, i.patch, i.scale, np.random.default_rng([i.seed, k])) for k in range(DRAWS)]
    return [[np.asarray(lr), np.asarray(hr)] for lr, hr in draws]


def _judge_shapes(crops, i):
    expect_count(crops, DRAWS, "crops")
    lr, hr = crops[0]
    want_lr, want_hr = (i.patch, i.patch, 3), (i.patch * i.scale, i.patch * i.scale, 3)
    if lr.shape != want_lr or hr.shape != want_hr:
        return f"expected LR {want_lr} and HR {want_hr}, got {lr.shape} and {hr.shape}"


def _judge_aligned(crops, i):
    expect_count(crops, DRAWS, "crops")
    for lr, hr in crops:
        if lr.shape != (i.patch, i.patch, 3) or hr.shape != (i.patch * i.scale,) * 2 + (3,):
            return f"a crop has shapes {lr.shape} and {hr.shape}"
        if not np.array_equal(hr[:: i.scale, :: i.scale], lr):
            return ("the HR crop does not start at the LR corner times the scale "
                    f"(LR corner {tuple(int(v) // i.scale for v in lr[0, 0, :2])} -> "
                    f"HR corner {tuple(int(v) for v in hr[0, 0, :2])})")


def _judge_random(crops, i):
    expect_count(crops, DRAWS, "crops")
    corners = {(int(lr[0, 0, 0]) // i.scale, int(lr[0, 0, 1]) // i.scale) for lr, _ in crops}
    if len(corners) < 20:
        return f"only {len(corners)} different crops in {DRAWS} draws: is the corner random?"
    last_top, last_left = i.img_lr.shape[0] - i.patch, i.img_lr.shape[1] - i.patch
    if max(c[0] for c in corners) != last_top or max(c[1] for c in corners) != last_left:
        return "crops never reach the bottom/right border: the corner range is one too short"


# --------------------------------------------------------------- dihedral pair
def augment_inputs(seed: int):
    rng = np.random.default_rng(seed)
    img_lr, img_hr = coordinate_pair(int(rng.integers(3, 7)), int(rng.integers(7, 11)), 2)
    return SimpleNamespace(img_lr=img_lr, img_hr=img_hr)


def _transforms(fn, i):
    return [[np.asarray(a) for a in fn(i.img_lr.copy(), i.img_hr.copy(), k)] for k in range(8)]


def _judge_identity(outs, i):
    expect_count(outs, 8, "transformed pairs")
    lr, hr = outs[0]
    if not (np.array_equal(lr, i.img_lr) and np.array_equal(hr, i.img_hr)):
        return "k = 0 should be the identity"


def _judge_distinct(outs, i):
    expect_count(outs, 8, "transformed pairs")
    seen = {lr.tobytes() + bytes(str(lr.shape), "ascii") for lr, _ in outs}
    if len(seen) != 8:
        return f"k = 0..7 should give 8 different transforms, got {len(seen)}"


SINGLE_BITS = {1: ("flip left-right (reverse the columns)", lambda im: im[:, ::-1]),
               2: ("flip up-down (reverse the rows)", lambda im: im[::-1, :]),
               4: ("transpose (swap H and W)", lambda im: im.transpose(1, 0, 2))}


def _judge_bits(outs, i):
    expect_count(outs, 8, "transformed pairs")
    for k, (meaning, transform) in SINGLE_BITS.items():
        got = outs[k][0]
        if got.shape == transform(i.img_lr).shape and np.array_equal(got, transform(i.img_lr)):
            continue
        does = [m for m, t in SINGLE_BITS.values()
                if got.shape == t(i.img_lr).shape and np.array_equal(got, t(i.img_lr))]
        return (f"k={k} (bit {k.bit_length() - 1} alone) should {meaning}"
                + (f", but it does: {does[0]}" if does else ""))


def _judge_same_on_both(outs, i):
    expect_count(outs, 8, "transformed pairs")
    for k, (lr, hr) in enumerate(outs):
        if lr.ndim != 3 or hr.shape != (lr.shape[0] * 2, lr.shape[1] * 2, 3):
            return f"k={k}: LR and HR were transformed differently (HR shape {hr.shape}, LR shape {lr.shape})"
        # a valid pair: each LR pixel equals one corner of its 2x2 HR block (which depends on the flip)
        blocks = hr.reshape(lr.shape[0], 2, lr.shape[1], 2, 3)
        if not (blocks == lr[:, None, :, None, :]).all(-1).any((1, 3)).all():
            return f"k={k}: LR and HR were transformed differently"


EXERCISE = Exercise("ex01_paired_crop_augment", "01", "Paired crop and augmentation", (
    Task("paired_crop", "paired_random_crop", 3, crop_inputs, (
        Step("shapes of LR and HR crops", _crops, _judge_shapes),
        Step("LR and HR crops aligned", _crops, _judge_aligned),
        Step("crops random over the whole image", _crops, _judge_random),
    ), library=("srlib.data.transforms",)),
    Task("augment_pair", "augment_pair", 2, augment_inputs, (
        Step("k = 0 is the identity", _transforms, _judge_identity),
        Step("8 distinct transforms", _transforms, _judge_distinct),
        Step("bit 0 flips left-right, bit 1 up-down, bit 2 transposes", _transforms, _judge_bits),
        Step("the same transform on LR and HR", _transforms, _judge_same_on_both),
    ), library=("srlib.data.transforms",)),
))
