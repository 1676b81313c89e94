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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/solutions/ex02_rrdb.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # Exercise 02 · The residual dense block and RRDB
#
# Goes with notebook **02 · Residual and RRDB blocks**. Fill in the code where it says
# `# YOUR CODE HERE` and run the check after each task.
# The grader runs the same checks on fresh random inputs, in a separate process. A task scores 0
# if it hands in or wraps `srlib`'s own implementation, or if the cells before it import modules
# that reach into the grader (`sys`, `os`, `gc`, `importlib`, ...): an exercise needs none of them.
# The Colab set-up cell at the top of this notebook is the one exception: it imports `sys` to
# detect Colab, and the grader leaves it out (a `course-header` tag in the cell's metadata marks
# it), so it does not count against you.
#
# | task | points |
# | --- | --- |
# | 1. `ResidualDenseBlock` | 3 |
# | 2. `RRDB` | 3 |

# %%
import torch
from torch import nn

from srlib.checks import check
from srlib.course import setup

profile, device = setup(seed=0)

# %% [markdown]
# ## Task 1 (3 points): the residual dense block
#
# Five 3x3 convolutions (padding 1), created in the order `conv1` ... `conv5`. Conv $k$
# sees the block input concatenated with the outputs of all earlier convs:
#
# $$x_k = \mathrm{lrelu}_{0.2}\big(\mathrm{conv}_k([x, x_1, \dots, x_{k-1}])\big),\ k = 1..4,\qquad
# \mathrm{RDB}(x) = x + 0.2\ \mathrm{conv}_5([x, x_1, x_2, x_3, x_4]).$$
#
# Convs 1-4 output `num_grow_ch` channels; conv 5 outputs `num_feat`. Work out each
# conv's input channels. Use `torch.cat(..., dim=1)` and `nn.LeakyReLU(0.2)`.

# %%
class ResidualDenseBlock(nn.Module):
    def __init__(self, num_feat=64, num_grow_ch=32):
        super().__init__()
        ### BEGIN SOLUTION
        c, g = num_feat, num_grow_ch
        self.conv1 = nn.Conv2d(c, g, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(c + g, g, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(c + 2 * g, g, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(c + 3 * g, g, kernel_size=3, padding=1)
        self.conv5 = nn.Conv2d(c + 4 * g, c, kernel_size=3, padding=1)
        self.lrelu = nn.LeakyReLU(0.2)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x + 0.2 * x5
        ### END SOLUTION


# %%
check("rdb", ResidualDenseBlock)

# %% [markdown]
# ## Task 2 (3 points): RRDB
#
# Three **distinct** residual dense blocks in sequence inside an outer residual:
#
# $$\mathrm{RRDB}(x) = x + 0.2\ \mathrm{RDB}_3(\mathrm{RDB}_2(\mathrm{RDB}_1(x))).$$
#
# (One block called three times would share its weights: the check catches that.)

# %%
class RRDB(nn.Module):
    def __init__(self, num_feat=64, num_grow_ch=32):
        super().__init__()
        ### BEGIN SOLUTION
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return x + 0.2 * self.rdb3(self.rdb2(self.rdb1(x)))
        ### END SOLUTION


# %%
check("rrdb", RRDB)

# %% [markdown]
# ## Compare with the course library
#
# Your RRDB should have exactly as many parameters as `srlib.models.RRDB`:

# %% tags=["grader-skip"]
from srlib.models import RRDB as LibraryRRDB
from srlib.models import count_parameters

print(f"yours: {count_parameters(RRDB()):,d}   srlib: {count_parameters(LibraryRRDB()):,d}")
