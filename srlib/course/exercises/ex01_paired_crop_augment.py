"""Exercise 01's judges: an aligned random LR/HR crop, and the same dihedral transform on both.

The probes (``srlib.course.exercises.probes.ex01_paired_crop_augment``) feed
*coordinate images*: every HR pixel stores its own (row, col), and LR pixel
(i, j) stores the HR corner (i*s, j*s), so any crop or transform shows where it
came from. Taught in: notebook 01, sections on patches and augmentation.
"""

from __future__ import annotations

import itertools

import numpy as np

from srlib.course.exercises.core import Exercise, Step, Task, expect_count
from srlib.course.exercises.probes import ex01_paired_crop_augment as probe
from srlib.course.exercises.probes.ex01_paired_crop_augment import DRAWS


# ---------------------------------------------------------------- paired crop
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
    if min(c[0] for c in corners) != 0 or min(c[1] for c in corners) != 0:
        return "crops never start at the top/left border (row or column 0): the corner range should start at 0"


# --------------------------------------------------------------- dihedral pair
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


def _composed(k: int, img, order):
    """``img`` with the transforms of ``k``'s set bits applied in ``order`` (bits 1, 2, 4 in some order)."""
    for bit in order:
        img = SINGLE_BITS[bit][1](img) if k & bit else img
    return img


def _judge_every_k(outs, i):
    """Every k, not only the single bits: the composition of its bits' transforms, on LR and on HR."""
    expect_count(outs, 8, "transformed pairs")
    orders = list(itertools.permutations(SINGLE_BITS))
    for k, (lr, hr) in enumerate(outs):
        single = SINGLE_BITS.get(k, (None, None))[1]
        if single is not None and not (lr.shape == single(i.img_lr).shape and np.array_equal(lr, single(i.img_lr))):
            continue  # a single bit done wrong is named by the step before
        if not any(all(got.shape == want.shape and np.array_equal(got, want) for got, want in
                       ((lr, _composed(k, i.img_lr, order)), (hr, _composed(k, i.img_hr, order))))
                   for order in orders):
            bits = " + ".join(SINGLE_BITS[b][0].split(" (")[0] for b in SINGLE_BITS if k & b) or "the identity"
            return f"k={k} should apply its bits' transforms together ({bits}) to LR and to HR"


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
    Task(probe.PAIRED_CROP, 3, (
        Step("shapes of LR and HR crops", probe.crops, _judge_shapes),
        Step("LR and HR crops aligned", probe.crops, _judge_aligned),
        Step("crops random over the whole image", probe.crops, _judge_random),
    ), library=("srlib.data.transforms",)),
    Task(probe.AUGMENT_PAIR, 2, (
        Step("k = 0 is the identity", probe.transforms, _judge_identity),
        Step("8 distinct transforms", probe.transforms, _judge_distinct),
        Step("bit 0 flips left-right, bit 1 up-down, bit 2 transposes", probe.transforms, _judge_bits),
        Step("the same transform on LR and HR", probe.transforms, _judge_same_on_both),
        Step("every k combines its bits' transforms", probe.transforms, _judge_every_k),
    ), library=("srlib.data.transforms",)),
))
