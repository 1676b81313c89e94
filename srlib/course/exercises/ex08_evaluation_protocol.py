"""Exercise 08's judges: the evaluation protocol behind the published PSNR tables.

The SR literature (SRGAN Sec. 3.1, EDSR, ESRGAN; BasicSR's
``calculate_psnr``) measures x``scale`` results so:

1. the SR output is clipped to [0, 1] and rounded to 8 bits;
2. both images go to the Y channel of YCbCr, ITU-R BT.601 as MATLAB's
   ``rgb2ycbcr``: :math:`Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255`
   for RGB in [0, 1];
3. ``scale`` pixels are removed at every border;
4. PSNR with peak 1: :math:`10 \\log_{10}(1 / \\mathrm{MSE})`.

The judges compare the student's functions with ``srlib.metrics`` on fresh
seeded images (``srlib.course.exercises.probes.ex08_evaluation_protocol``) whose SR
has values outside [0, 1], errors concentrated at the borders, an 8-bit HR,
and scales 2, 3 and 4, so that each step of the protocol moves the number;
they name the step that was missed. The probes never import ``srlib.metrics``:
the grader keeps it out of the student's process. Taught in: notebook 08.
"""

from __future__ import annotations

import math

import numpy as np

from srlib.course.exercises.core import Exercise, Step, Task, expect_count
from srlib.course.exercises.probes import ex08_evaluation_protocol as probe
from srlib.metrics import psnr, rgb_to_y

FULL_RANGE = (0.299, 0.587, 0.114)  # BT.601 luma without the studio-swing offset (JPEG, PIL's "L")


# ------------------------------------------------------------ the Y channel
def _reference_y(img):
    return rgb_to_y(img)


def _judge_y(got, i):
    got, want = np.asarray(got, dtype=np.float64), _reference_y(i.img)
    if got.shape != want.shape:
        return f"expected a (H, W) array of shape {want.shape}, got shape {got.shape}"
    close = lambda other: np.allclose(got, other, atol=1e-6)  # noqa: E731
    if close(want):
        return None
    if close(want * 255):
        return "the result is in [16, 235]; divide by 255 so that Y lies in [16/255, 235/255]"
    if close(want - 16 / 255):
        return "the offset 16/255 is missing: MATLAB's rgb2ycbcr gives Y in [16/255, 235/255]"
    if close(i.img @ np.array(FULL_RANGE)):
        return ("these are the full-range weights (0.299, 0.587, 0.114); the SR tables use MATLAB's "
                "Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255")
    if close(_reference_y(i.img[..., ::-1])):
        return "the channels are read as BGR (OpenCV's order); the images here are RGB"
    if close(i.img.mean(axis=-1)):
        return "the channels are averaged; Y weighs them (65.481, 128.553, 24.966) / 255"
    return f"Y differs from (16 + 65.481 R + 128.553 G + 24.966 B) / 255 by up to {np.abs(got - want).max():.4f}"


# ------------------------------------------------------------ PSNR-Y
def _psnr_of(y_sr, y_hr, border: int, peak: float = 1.0) -> float:
    if border:
        y_sr, y_hr = y_sr[border:-border, border:-border], y_hr[border:-border, border:-border]
    return 10 * math.log10(peak**2 / np.mean((y_sr - y_hr) ** 2))


def _variant(sr, hr, scale, border=None, y="bt601", clip=True, round_8bit=True, hr_scaled=True, peak=1.0):
    """PSNR with one step of the protocol done differently (the defaults are the protocol)."""
    hr = hr / 255.0 if hr_scaled else hr.astype(np.float64)
    sr = np.clip(sr, 0, 1) if clip is True else sr
    if clip == "wrap":  # cast to uint8 without clipping: -1 becomes 255, 256 becomes 0
        sr = np.round(sr * 255).astype(np.int64) % 256 / 255
    if round_8bit == "floor":  # astype(np.uint8) truncates: every value loses up to one level
        sr = np.floor(sr * 255) / 255
    elif round_8bit:
        sr = np.round(sr * 255) / 255
    to_y = {"bt601": _reference_y, "full range": lambda img: img @ np.array(FULL_RANGE)}.get(y)
    y_sr, y_hr = (to_y(sr), to_y(hr)) if to_y else (sr, hr)
    return _psnr_of(y_sr, y_hr, scale if border is None else border, peak)


MISTAKES = (  # (what is done differently, the message)
    ({"y": "rgb"}, "measured on RGB; the tables measure the Y channel (BT.601) of both images"),
    ({"border": 0}, "no border was removed: crop `scale` pixels at every side of both images"),
    ({"border": 4}, "the border is always 4 here; it is `scale` pixels (2 for x2, 3 for x3, 4 for x4)"),
    ({"round_8bit": False}, "the SR image was not rounded to 8 bits: np.round(np.clip(sr, 0, 1) * 255) / 255"),
    ({"round_8bit": "floor"}, "the SR image was truncated to 8 bits (astype(np.uint8) floors): round it first"),
    ({"clip": False}, "the SR image was rounded without clipping to [0, 1] first"),
    ({"clip": "wrap"}, "the SR image was cast to uint8 without clipping to [0, 1] first: -1 wraps to 255"),
    ({"round_8bit": False, "clip": False}, "the SR image was neither clipped to [0, 1] nor rounded to 8 bits"),
    ({"y": "full range"}, "the Y channel uses the full-range weights (0.299, 0.587, 0.114); the tables use "
                          "MATLAB's rgb2ycbcr, (65.481, 128.553, 24.966) / 255"),
    ({"peak": 255.0}, "the peak is 255, but the images are in [0, 1]: use peak 1 (or 255 with 8-bit values)"),
    ({"hr_scaled": False}, "img_hr is uint8 in [0, 255] and was used as if it were in [0, 1]: divide it by 255"),
)


def reference_psnr(img_sr, img_hr, scale: int) -> float:
    """The protocol, as ``srlib.metrics.psnr`` computes it."""
    return psnr(img_sr, img_hr, crop_border=scale, y_channel=True, round_8bit=True)


def _judge_psnr(got, i):
    expect_count(got, len(i.cases), "PSNR values")
    got = [float(np.asarray(v, dtype=np.float64).reshape(-1)[0]) for v in got]
    want = [reference_psnr(*case) for case in i.cases]
    same = lambda values: all(abs(a - b) < 2e-3 for a, b in zip(got, values))  # noqa: E731 dB
    if same(want):
        return None
    for options, message in MISTAKES:
        if same([_variant(*case, **options) for case in i.cases]):
            return message
    k = max(range(len(got)), key=lambda n: abs(got[n] - want[n]))
    return f"for a x{i.cases[k][2]} pair expected {want[k]:.3f} dB, got {got[k]:.3f} dB"


EXERCISE = Exercise("ex08_evaluation_protocol", "08", "The evaluation protocol", (
    Task(probe.RGB_TO_Y, 2, (
        Step("BT.601 Y as MATLAB's rgb2ycbcr, in [16/255, 235/255]", probe.y_channel, _judge_y),
    ), ("srlib.metrics",)),
    Task(probe.PSNR_Y, 4, (
        Step("PSNR-Y: 8-bit SR, Y channel, border = scale, peak 1", probe.psnrs, _judge_psnr),
    ), ("srlib.metrics",)),
))
