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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/solutions/ex04_perceptual_loss.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # Exercise 04 · The perceptual loss
#
# Goes with notebook **04 · The VGG perceptual loss**. Fill in the code where it says
# `# YOUR CODE HERE` and run the check after each task. The checks build VGG19 with
# random weights, so they need no download.
# The grader runs the same checks on fresh random inputs, in a separate process. A task scores 0
# if it hands in or wraps `srlib`'s own implementation, or if the cells before it import modules
# that reach into the grader (`sys`, `os`, `gc`, `importlib`, ...): an exercise needs none of them.
# The Colab set-up cell at the top of this notebook is the one exception: it imports `sys` to
# detect Colab, and the grader leaves it out (a `course-header` tag in the cell's metadata marks
# it), so it does not count against you.
#
# | task | points |
# | --- | --- |
# | 1. `vgg_layer_index` | 2 |
# | 2. `VGGLoss` | 4 |

# %%
import torch
import torch.nn.functional as F
from torch import nn

from srlib.checks import check
from srlib.course import setup

profile, device = setup(seed=0)

# %% [markdown]
# ## Task 1 (2 points): layer names to indices
#
# torchvision's `vgg19().features` is one `nn.Sequential`: each block is some 3x3 convs,
# each followed by a ReLU, then a max-pool. VGG19's blocks have 2, 2, 4, 4 and 4 convs,
# VGG16's 2, 2, 3, 3 and 3. Return the index of `"convB_K"` (the K-th conv of block B) or
# `"reluB_K"` (the ReLU right after it) in a VGG whose blocks have `convs_per_block` convs.
# For example `conv1_1` is 0, `relu1_1` is 1, `pool1` is 4 in both. The check also asks about
# VGG16 and about a VGG of its own invention, so count; don't copy a table.

# %%
def vgg_layer_index(name, convs_per_block=(2, 2, 4, 4, 4)):
    ### BEGIN SOLUTION
    kind, numbers = name[:4], name[4:]
    block, k = (int(v) for v in numbers.split("_"))
    index = sum(2 * n + 1 for n in convs_per_block[: block - 1])  # convs, ReLUs and a pool per block
    index += 2 * (k - 1)
    return index if kind == "conv" else index + 1
    ### END SOLUTION


# %%
check("vgg_layer_index", vgg_layer_index)

# %% [markdown]
# ## Task 2 (4 points): the loss module
#
# `VGGLoss(features, layer_index)` receives torchvision's VGG19 `features` and keeps the
# layers up to and including `layer_index`. Its `forward(img_sr, img_hr)` takes images in
# [0, 1], normalises them with the ImageNet mean `(0.485, 0.456, 0.406)` and std
# `(0.229, 0.224, 0.225)`, and returns the L1 distance between their features. The VGG part
# must be frozen: eval mode and `requires_grad_(False)`; gradients still reach `img_sr`.
#
# Careful: torchvision's ReLUs are in-place (`nn.ReLU(inplace=True)`, which saves memory): each
# one writes its result into the tensor it receives, the output of the conv before it, instead
# of making a new tensor. If your code runs past conv5_4 and keeps conv5_4's output (in a list,
# a dict or a forward hook), the ReLU after it overwrites what you kept, and the loss silently
# compares features *after* the activation. On two numbers:

# %% tags=["grader-skip"]
conv_out = torch.tensor([-1.0, 2.0])  # what a conv returned
kept = conv_out  # keeping it (in a list, a dict, a hook) keeps this very tensor, not a copy
nn.ReLU(inplace=True)(conv_out)
print("kept 'before the activation':", kept.tolist())

# %%
class VGGLoss(nn.Module):
    def __init__(self, features, layer_index):
        super().__init__()
        ### BEGIN SOLUTION
        layers = features[: layer_index + 1]
        for i, m in enumerate(layers):
            if isinstance(m, nn.ReLU):
                layers[i] = nn.ReLU(inplace=False)
        self.features = layers.eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        ### END SOLUTION

    def forward(self, img_sr, img_hr):
        ### BEGIN SOLUTION
        feats_sr = self.features((img_sr - self.mean) / self.std)
        feats_hr = self.features((img_hr - self.mean) / self.std)
        return F.l1_loss(feats_sr, feats_hr)
        ### END SOLUTION


# %%
check("perceptual_loss", VGGLoss)

# %% [markdown]
# ## Compare with the course library
# With the same (random) VGG weights, your loss on conv5_4 equals `srlib`'s ESRGAN preset:

# %% tags=["grader-skip"]
import warnings

from srlib.losses import PerceptualLoss

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    library = PerceptualLoss.esrgan(weights="random")
yours = VGGLoss(library.vgg.features, vgg_layer_index("conv5_4"))
img_sr, img_hr = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
print(f"yours {yours(img_sr, img_hr).item():.5f}   srlib {library(img_sr, img_hr).item():.5f}")
