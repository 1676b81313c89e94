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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/exercises/ex01_paired_crop_augment.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # Exercise 01 · Paired random crop and dihedral augmentation
#
# Goes with notebook **01 · Data preparation**. Fill in the code where it says
# `# YOUR CODE HERE`, then run the check cell after each task: it tells you what is
# still wrong. The same checks grade your notebook.
# The grader runs the same checks on fresh random inputs, in a separate process. A task scores 0
# if it hands in or wraps `srlib`'s own implementation, or if the cells before it import modules
# that reach into the grader (`sys`, `os`, `gc`, `importlib`, ...): an exercise needs none of them.
# The Colab set-up cell at the top of this notebook is the one exception: it imports `sys` to
# detect Colab, and the grader leaves it out (a `course-header` tag in the cell's metadata marks
# it), so it does not count against you.
#
# | task | points |
# | --- | --- |
# | 1. `paired_random_crop` | 3 |
# | 2. `augment_pair` | 2 |

# %%
import numpy as np

from srlib.checks import check
from srlib.course import setup

profile, device = setup(seed=0)

# %% [markdown]
# ## Task 1 (3 points): an aligned random crop
#
# Given an LR image of shape (h, w, 3) and its HR image of shape (h·s, w·s, 3), return
# an LR crop of `lr_patch x lr_patch` pixels at a random corner (top, left), drawn
# uniformly with `rng.integers` so that *every* valid corner can occur, and the HR crop
# of `(lr_patch·s) x (lr_patch·s)` pixels whose corner is (top·s, left·s).

# %%
def paired_random_crop(img_lr, img_hr, lr_patch, scale, rng):
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
check("paired_crop", paired_random_crop)

# %% [markdown]
# ## Task 2 (2 points): the same dihedral transform on both images
#
# Return the `k`-th of the 8 symmetries of a square (k = 0..7) applied to both images:
# bit 0 of `k` flips left-right, bit 1 flips up-down, bit 2 transposes (swaps H and W).
# `k = 0` must return the images unchanged.

# %%
def augment_pair(img_lr, img_hr, k):
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
check("augment_pair", augment_pair)

# %% [markdown]
# ## See it on a photo
#
# One aligned crop, then your 8 transforms of it: the top row is the LR crop, the bottom row
# the HR crop. Each column should show the same view twice, and k = 1, 2 and 4 should be the
# left-right flip, the up-down flip and the transpose of column k = 0.

# %% tags=["grader-skip"]
import matplotlib.pyplot as plt

from srlib.data import imresize, load_photo, mod_crop

img_hr = mod_crop(load_photo("astronaut"), 4)
img_lr = imresize(img_hr, 1 / 4)
lr, hr = paired_random_crop(img_lr, img_hr, 32, 4, np.random.default_rng(1))  # one crop for all 8
fig, axes = plt.subplots(2, 8, figsize=(16, 4.6), constrained_layout=True)
for k in range(8):
    lr_k, hr_k = augment_pair(lr, hr, k)
    axes[0, k].imshow(lr_k)
    axes[0, k].set_title(f"k={k}")
    axes[1, k].imshow(hr_k)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_ylabel("LR, 32 x 32")
axes[1, 0].set_ylabel("HR, 128 x 128")
fig.suptitle("One aligned crop of astronaut under the 8 transforms of augment_pair")
plt.show()
