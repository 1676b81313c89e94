# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["course-header"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/solutions/ex08_evaluation_protocol.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # Exercise 08 · The evaluation protocol
#
# Goes with notebook **08 · Evaluation and network interpolation**. Fill in the code where it
# says `# YOUR CODE HERE` and run the check after each task. At the end your PSNR must reproduce
# a given table.
# The grader runs the same checks on fresh random inputs, in a separate process. A task scores 0
# if it hands in or wraps `srlib`'s own implementation, or if the cells before it import modules
# that reach into the grader (`sys`, `os`, `gc`, `importlib`, ...): an exercise needs none of them.
# The Colab set-up cell at the top of this notebook is the one exception: it imports `sys` to
# detect Colab, and the grader leaves it out (a `course-header` tag in the cell's metadata marks
# it), so it does not count against you.
#
# | task | points |
# | --- | --- |
# | 1. `rgb_to_y` | 2 |
# | 2. `psnr_y` | 4 |

# %%
import math

import numpy as np

from srlib.checks import check
from srlib.course import setup

profile, device = setup(seed=0)

# %% [markdown]
# A PSNR is comparable with the published tables (SRGAN Sec. 3.1, EDSR, ESRGAN, and
# BasicSR's `calculate_psnr`) only when it is measured the way they measure it:
#
# 1. the SR image is **clipped** to [0, 1] and **rounded to 8 bits**, as if saved as a PNG;
# 2. both images go to the **Y channel** of YCbCr (ITU-R BT.601, as MATLAB's `rgb2ycbcr`);
# 3. **`scale` pixels are removed at every border** (4 for x4, 2 for x2);
# 4. PSNR $= 10 \log_{10}(1 / \mathrm{MSE})$ for images in [0, 1].
#
# On the three photos at the end, measuring RGB instead of Y costs about 1.4 dB and skipping the
# border crop up to 0.09 dB; ESRGAN's two PSNR-oriented RRDB models, trained on DIV2K and on
# DF2K, differ by 0.13 dB on Set5 (32.60 and 32.73 dB on the Y channel: Wang et al., ESRGAN,
# [arXiv:1809.00219](https://arxiv.org/abs/1809.00219) v2, supplementary Table 2). Without the
# protocol, differences like these cannot be read.

# %% [markdown]
# ## Task 1 (2 points): the Y channel
#
# `rgb_to_y(img)` takes a float RGB image of shape (H, W, 3) in [0, 1] and returns its Y channel,
# shape (H, W), as MATLAB's `rgb2ycbcr` computes it, divided by 255:
#
# $$Y = \frac{16 + 65.481\,R + 128.553\,G + 24.966\,B}{255} \in \left[\tfrac{16}{255}, \tfrac{235}{255}\right]$$

# %%
def rgb_to_y(img):
    ### BEGIN SOLUTION
    weights = np.array([65.481, 128.553, 24.966])
    return (16.0 + img @ weights) / 255.0  # (H, W, 3) @ (3,) -> (H, W)
    ### END SOLUTION


# %%
check("rgb_to_y", rgb_to_y)

# %% [markdown]
# ## Task 2 (4 points): PSNR on the Y channel
#
# `psnr_y(img_sr, img_hr, scale)` takes the network's output `img_sr`, float (H, W, 3), roughly in
# [0, 1] but a little outside it where the network overshoots, and the ground truth `img_hr`,
# **uint8** (H, W, 3) as read from a PNG. Return the PSNR in dB after steps 1-4 above
# (use your `rgb_to_y`).

# %%
def psnr_y(img_sr, img_hr, scale):
    ### BEGIN SOLUTION
    img_sr = np.round(np.clip(img_sr, 0.0, 1.0) * 255.0) / 255.0  # 8-bit, as saved
    img_hr = img_hr.astype(np.float64) / 255.0  # uint8 -> [0, 1]
    y_sr = rgb_to_y(img_sr)[scale:-scale, scale:-scale]  # (H - 2 scale, W - 2 scale)
    y_hr = rgb_to_y(img_hr)[scale:-scale, scale:-scale]
    mse = np.mean((y_sr - y_hr) ** 2)
    return 10 * math.log10(1.0 / mse)
    ### END SOLUTION


# %%
check("psnr_y", psnr_y)

# %% [markdown]
# ## Reproduce the table
#
# Three photographs that ship with scikit-image, cropped to a multiple of 4, reduced x4 with
# MATLAB's bicubic `imresize` and enlarged again with it (the "bicubic" row of every SR paper).
# Under the protocol their PSNR-Y is:
#
# | photo (crop) | bicubic x4 PSNR-Y (dB) |
# | --- | --- |
# | astronaut `[0:256, 128:384]` | 27.70 |
# | coffee `[64:256, 128:384]` | 29.21 |
# | chelsea `[0:256, 0:256]` | 29.92 |
#
# Your `psnr_y` must give the same numbers to 0.01 dB. The same pairs measured on RGB, or
# without the border crop, give other numbers (the last two columns): a PSNR without its protocol
# cannot be compared with a table.

# %% tags=["grader-skip"]
from skimage import data as photos

from srlib.data import imresize

TABLE = {"astronaut": 27.70, "coffee": 29.21, "chelsea": 29.92}
CROPS = {"astronaut": np.s_[0:256, 128:384], "coffee": np.s_[64:256, 128:384], "chelsea": np.s_[0:256, 0:256]}


def psnr_of(a, b, border):
    if border:
        a, b = a[border:-border, border:-border], b[border:-border, border:-border]
    return 10 * math.log10(1 / np.mean((a - b) ** 2))


print(f"{'photo':10s} {'table':>6s} {'yours':>6s} {'RGB':>6s} {'no border':>9s}")
for name, crop in CROPS.items():
    img_hr = getattr(photos, name)()[crop]  # uint8 (H, W, 3)
    img_sr = imresize(imresize(img_hr / 255.0, 1 / 4), 4)  # float, a little outside [0, 1]
    sr_8bit, hr_01 = np.round(np.clip(img_sr, 0, 1) * 255) / 255, img_hr / 255.0
    print(f"{name:10s} {TABLE[name]:6.2f} {psnr_y(img_sr, img_hr, 4):6.2f} {psnr_of(sr_8bit, hr_01, 4):6.2f} "
          f"{psnr_of(rgb_to_y(sr_8bit), rgb_to_y(hr_01), 0):9.2f}")
