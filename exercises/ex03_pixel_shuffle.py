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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/exercises/ex03_pixel_shuffle.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # Exercise 03 · Pixel shuffle by hand
#
# Goes with notebook **03 · Pixel shuffle versus upsampling**. Fill in the code where it
# says `# YOUR CODE HERE` and run the check after each task.
# The grader runs the same checks on fresh random inputs, in a separate process. A task scores 0
# if it hands in or wraps `srlib`'s own implementation, or if the cells before it import modules
# that reach into the grader (`sys`, `os`, `gc`, `importlib`, ...): an exercise needs none of them.
# The Colab set-up cell at the top of this notebook is the one exception: it imports `sys` to
# detect Colab, and the grader leaves it out (a `course-header` tag in the cell's metadata marks
# it), so it does not count against you.
#
# | task | points |
# | --- | --- |
# | 1. `pixel_shuffle` | 3 |
# | 2. `num_upsample_stages` | 1 |

# %%
import math

import torch

from srlib.checks import check
from srlib.course import setup

profile, device = setup(seed=0)

# %% [markdown]
# ## Task 1 (3 points): pixel shuffle as reshape and permute
#
# `nn.PixelShuffle(r)` turns a tensor of shape $(B, C r^2, H, W)$ into $(B, C, rH, rW)$:
# output pixel $(c, h r + i, w r + j)$ is input channel $c r^2 + i r + j$ at $(h, w)$.
# Write it with `reshape` and `permute` only (no `torch.nn.functional.pixel_shuffle`).

# %%
def pixel_shuffle(x, r):
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
check("pixel_shuffle", pixel_shuffle)

# %% [markdown]
# ## Task 2 (1 point): how many x2 stages?
#
# A generator for scale 2, 4 or 8 chains x2 upsampling stages. Return how many it needs.
# (One of the course's *source documents*, the write-ups the course was commissioned from, which
# contain errors that the notebooks reproduce as pitfalls, used `int(math.log(scale))`: check
# what that gives.)

# %%
def num_upsample_stages(scale):
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
check("num_upsample_stages", num_upsample_stages)

# %% [markdown]
# ## See it work
# A 4-channel 2x2 tensor becomes one 4x4 channel: each input channel fills one position of
# every 2x2 output block.

# %% tags=["grader-skip"]
x = torch.arange(16.0).reshape(1, 4, 2, 2)
print(pixel_shuffle(x, 2)[0, 0])
