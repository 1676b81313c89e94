"""Exercise 08's probes: the student's Y channel and PSNR-Y on seeded images.

The SR images have values outside [0, 1] and errors concentrated at the
borders, the HR images are 8-bit, the scales 2, 3 and 4, so that each step of
the protocol moves the number. The probes never import ``srlib.metrics``: the
judges, in ``srlib.course.exercises.ex08_evaluation_protocol``, do. Taught in: notebook 08.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from srlib.course.exercises.probing import Probe

SIZES = (((24, 36), 2), ((27, 33), 3), ((32, 40), 4))  # (H, W) of HR, and its scale


def y_inputs(seed: int):
    rng = np.random.default_rng(seed)
    return SimpleNamespace(img=rng.random((9, 11, 3)))  # float64 RGB in [0, 1]


def y_channel(fn, i):
    return fn(i.img.copy())


def psnr_inputs(seed: int):
    rng = np.random.default_rng(seed)
    cases = []
    for (h, w), scale in SIZES:
        img_hr = rng.integers(0, 256, size=(h, w, 3))
        saturated = rng.random((h, w)) < 0.15  # highlights and shadows: SR overshoots there
        img_hr[saturated] = rng.choice([0, 255], size=(int(saturated.sum()), 1))
        img_hr = img_hr.astype(np.uint8)  # (H, W, 3) as read from a PNG
        noise = np.full((h, w, 1), 0.005)
        noise[:4], noise[-4:], noise[:, :4], noise[:, -4:] = 0.05, 0.05, 0.05, 0.05  # borders err most
        img_sr = img_hr / 255.0 + noise * rng.standard_normal((h, w, 3))  # float64, slightly outside [0, 1]
        cases.append((img_sr, img_hr, scale))
    return SimpleNamespace(cases=cases)


def psnrs(fn, i):
    return [fn(sr.copy(), hr.copy(), scale) for sr, hr, scale in i.cases]


# the conversion is the exercise: scikit-image's colour module (rgb2ycbcr, or rgb2yuv rescaled) is flagged
COLOUR_LIBRARY = ("color", "rgb2ycbcr", "rgb2yuv", "rgb2ypbpr", "rgb2ydbdr", "rgb2yiq", "rgb2gray",
                  "convert_colorspace")
RGB_TO_Y = Probe("rgb_to_y", "rgb_to_y", y_inputs, (y_channel,), forbidden=COLOUR_LIBRARY)
PSNR_Y = Probe("psnr_y", "psnr_y", psnr_inputs, (psnrs,),
               forbidden=COLOUR_LIBRARY + ("metrics", "peak_signal_noise_ratio"))
PROBES = (RGB_TO_Y, PSNR_Y)
