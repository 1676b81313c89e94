# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["course-header"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/notebooks/02_residual_and_rrdb_blocks.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # 02 · Residual blocks, RRDB and RRDBNet
#
# **Goals**
# 1. See why residual learning lets SRResNet (SRGAN's generator) go deep.
# 2. Measure why ESRGAN removes BatchNorm.
# 3. Build the residual dense block (RDB) and RRDB, with their channel arithmetic.
# 4. Measure what residual scaling and small initialisation do to a 23-block trunk.
# 5. Reproduce, and catch, three generator bugs from the course's source documents.
#
# Prerequisites: notebooks 00-01. Runtime: under a minute on a CPU.

# %%
import math

import numpy as np
import torch
from torch import nn

from srlib.course import setup, show
from srlib.models import (RRDB, MSRResNet, ResidualBlock, ResidualDenseBlock, RRDBNet, SRResNet,
                          count_parameters, scaled_kaiming_)

profile, device = setup(seed=0)

# %% [markdown]
# ## 1. Residual learning
#
# A residual block computes $x_{l+1} = x_l + F(x_l)$ instead of $x_{l+1} = F(x_l)$. Its
# Jacobian is $I + \partial F / \partial x$, so the gradient reaching early layers is a
# sum that always contains the identity path, however deep the stack. SRGAN's block is
# conv-BN-PReLU-conv-BN plus the skip:

# %%
show(ResidualBlock)

# %% [markdown]
# A measurement: the gradient norm reaching the first conv of 32 stacked blocks at
# initialisation, with and without the skip connection.

# %%
class Plain(nn.Module):
    """The same block without its skip: x -> F(x)."""

    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, x):
        return self.block(x) - x  # ResidualBlock returns x + F(x)


def first_layer_grad(depth, skip):
    torch.manual_seed(0)
    blocks = [ResidualBlock(32, batch_norm=False) for _ in range(depth)]
    net = nn.Sequential(nn.Conv2d(3, 32, kernel_size=3, padding=1),
                        *[b if skip else Plain(b) for b in blocks])
    x = torch.rand(2, 3, 24, 24, generator=torch.Generator().manual_seed(1))
    net(x).pow(2).mean().backward()
    return net[0].weight.grad.norm().item()


for depth in (2, 8, 32):
    print(f"{depth:2d} blocks: first-layer gradient norm with skip {first_layer_grad(depth, True):.1e}, "
          f"without {first_layer_grad(depth, False):.1e}")

# %% [markdown]
# Without the skip the gradient shrinks geometrically with depth; with it, it does not.
# SRResNet stacks 16 blocks between a 9x9 head and the upsampler, with a global skip:

# %%
show(SRResNet.forward)
x = torch.rand(1, 3, 24, 24)
print("SRResNet x4:", tuple(x.shape), "->", tuple(SRResNet(num_block=2)(x).shape))

# %% [markdown]
# ## 2. Why ESRGAN removes BatchNorm
#
# BatchNorm normalises with the *batch's* mean and variance while training, and with
# running averages of the training batches at test time. When a test image's statistics
# differ from the training patches', the two modes give different outputs, and SR
# networks show this as artefacts and colour shifts (ESRGAN Sec. 3.1; EDSR). We fill the
# running statistics of a BN SRResNet with patches of one photo (the retina: bright,
# red) and then run it on a very different one (the Hubble deep field: almost black).

# %%
from srlib.data import imresize, load_photo
from srlib.data.datasets import to_tensor


def make_generator(batch_norm):
    torch.manual_seed(0)
    return SRResNet(num_feat=32, num_block=4, batch_norm=batch_norm)


retina_lr = to_tensor(imresize(load_photo("retina"), 1 / 8))[None]  # (1, 3, 176, 176)
patches = retina_lr.unfold(2, 24, 24).unfold(3, 24, 24).permute(0, 2, 3, 1, 4, 5).reshape(-1, 3, 24, 24)
hubble_lr = to_tensor(imresize(load_photo("hubble_deep_field")[:192, :192], 1 / 4))[None]
print(f"mean brightness: retina patches {patches.mean():.3f}, Hubble {hubble_lr.mean():.3f}")

for batch_norm in (True, False):
    net = make_generator(batch_norm)
    with torch.no_grad():
        net.train()
        for _ in range(20):  # running statistics learn the retina's statistics
            net(patches[:16])
        out_train = net(hubble_lr)  # normalised with the Hubble image's own statistics
        net.eval()
        out_eval = net(hubble_lr)  # normalised with the retina's running statistics
    gap = (out_train - out_eval).abs().mean().item()
    print(f"BatchNorm={str(batch_norm):<5}: mean |train-mode - eval-mode output| = {gap:.4f}")

# %% [markdown]
# With BatchNorm the same weights give two different images depending on the mode; without
# it, the network is one function. ESRGAN drops BN everywhere, which also saves memory
# and lets the network be deeper.
#
# ## 3. The residual dense block (RDB) and RRDB
#
# In an RDB each conv sees the block input and *all* earlier outputs (dense connections,
# Huang et al. 2017); a fifth conv fuses them back to $C$ channels; the result is added to
# the input, scaled by $\beta = 0.2$:
#
# $$x_k = \mathrm{lrelu}\big(\mathrm{conv}_k([x, x_1, \dots, x_{k-1}])\big),\ k \le 4, \qquad \mathrm{RDB}(x) = x + \beta\, \mathrm{conv}_5([x, x_1, \dots, x_4]).$$

# %%
rdb = ResidualDenseBlock(num_feat=64, num_grow_ch=32)
for name, conv in rdb.named_children():
    if isinstance(conv, nn.Conv2d):
        print(f"{name}: {conv.in_channels:3d} -> {conv.out_channels:2d} channels, "
              f"{count_parameters(conv):6,d} parameters")
print(f"one RDB: {count_parameters(rdb):,d} parameters")

# %% [markdown]
# The input channels grow by the growth rate $g = 32$ per conv: $C, C+g, C+2g, C+3g, C+4g$
# = 64, 96, 128, 160, 192. An RRDB chains three *distinct* RDBs inside another residual:
# $\mathrm{RRDB}(x) = x + \beta\, \mathrm{RDB}_3(\mathrm{RDB}_2(\mathrm{RDB}_1(x)))$.

# %%
print(f"one RRDB: {count_parameters(RRDB(64, 32)):,d} parameters")

# %% [markdown]
# ## 4. Residual scaling and small initialisation
#
# A trunk of 23 RRDBs adds 69 dense-block residuals to the signal. ESRGAN keeps the sum
# in check twice: residuals are scaled by $\beta = 0.2$, and the RDB convs start from
# Kaiming initialisation multiplied by 0.1. We push one random LR feature map through 23
# RRDBs and print the standard deviation of the features after some blocks, for the four
# combinations (Kaiming x 1 is the usual He initialisation).

# %%
def feature_growth(res_scale, init_scale, probes=(1, 6, 12, 23)):
    torch.manual_seed(0)
    trunk = [RRDB(64, 32, res_scale=res_scale, init_scale=init_scale) for _ in range(23)]
    feat = torch.randn(1, 64, 12, 12, generator=torch.Generator().manual_seed(0))
    stds = {}
    with torch.no_grad():
        for i, block in enumerate(trunk, start=1):
            feat = block(feat)
            if i in probes:
                stds[i] = feat.std().item()
    return stds


print("feature std after block:   1        6        12       23")
for res_scale in (1.0, 0.2):
    for init_scale in (1.0, 0.1):
        stds = feature_growth(res_scale, init_scale)
        row = "  ".join(f"{v:7.2e}" for v in stds.values())
        print(f"beta={res_scale:<3}, init x{init_scale:<3}:  {row}")

# %% [markdown]
# Read the rows from the top. With $\beta = 1$ and He initialisation the features grow by
# sixteen orders of magnitude through the trunk: the regime in which training of very deep
# SR networks diverges. The 0.1-scaled initialisation alone removes nine of them. With
# $\beta = 0.2$ the growth is tamed to a steady factor per block whichever the
# initialisation: each RRDB's inner chain of three RDBs starts close to the identity, so
# $\mathrm{RRDB}(x) \approx x + 0.2x = 1.2x$, and $1.2^{23} \approx 66$, the last column.
# In RRDBNet the trunk ends in `conv_body` and a skip connection, and training then learns
# how much of this to keep.
#
# ## 5. RRDBNet and a parameter table

# %%
show(RRDBNet.forward)

# %%
table = {
    "SRResNet (SRGAN paper, 16 blocks, BN)": SRResNet(),
    "MSRResNet (BasicSR, no BN)": MSRResNet(),
    "RRDBNet (ESRGAN, 23 RRDB)": RRDBNet(),
}
for name, net in table.items():
    print(f"{name:<40} {count_parameters(net):>12,d} parameters")
keys = list(RRDBNet().state_dict())
print("RRDBNet state-dict keys:", keys[:3], "...", keys[-4:])

# %% [markdown]
# The key names are those of the public ESRGAN weights, so
# `srlib.models.load_esrgan_weights` loads them with `strict=True`, whichever of the three
# public namings a file uses (BasicSR, the original `RRDB_trunk` / `trunk_conv` / `HRconv`,
# or the oldest `model.N`). Here a small network is saved in the original naming and
# loaded back; on Colab `srlib.models.download_esrgan_weights()` fetches the real x4 model.

# %%
import tempfile
from pathlib import Path

from srlib.models import load_esrgan_weights

small = RRDBNet(num_feat=16, num_block=2, num_grow_ch=8).eval()
renames = [("conv_body", "trunk_conv"), ("body.", "RRDB_trunk."), (".rdb", ".RDB"),
           ("conv_up", "upconv"), ("conv_hr", "HRconv")]
original_naming = {}
for key, value in small.state_dict().items():
    for a, b in renames:
        key = key.replace(a, b)
    original_naming[key] = value
path = Path(tempfile.mkdtemp()) / "RRDB_original_naming.pth"
torch.save(original_naming, path)
loaded = load_esrgan_weights(RRDBNet(num_feat=16, num_block=2, num_grow_ch=8), path).eval()
x = torch.rand(1, 3, 8, 8)
print("a key in the file:", [k for k in original_naming if "RDB1.conv1.weight" in k][0])
print("same outputs after loading:", torch.equal(small(x), loaded(x)))

# %% [markdown]
# ## 6. Three generator bugs from the source documents
#
# The write-ups this course was commissioned from contain three generator bugs. Each is
# reproduced in a few lines and caught by a check from `srlib.checks` (the same checks
# that grade exercise 02). The demos below are built from the library's own blocks, which
# a graded exercise may not hand in, so they pass `own_code_only=False`.
#
# **Bug 1: natural log.** `int(math.log(scale))` x2 upsampling stages: for x4 that is
# `int(1.386) = 1` stage, so the "x4" generator outputs x2 images.

# %%
from srlib.checks import run_check


def buggy_num_stages(scale):
    return int(math.log(scale))  # the source document's line


print("stages for x4: buggy", buggy_num_stages(4), "| correct", int(math.log2(4)))
print(run_check("num_upsample_stages", buggy_num_stages))

# %% [markdown]
# **Bug 2: one RDB reused three times.** Registering one module and calling it three
# times shares its weights: a third of the parameters and a different function.

# %%
class SharedRRDB(nn.Module):
    def __init__(self, num_feat=64, num_grow_ch=32):
        super().__init__()
        self.rdb = ResidualDenseBlock(num_feat, num_grow_ch)  # one module ...

    def forward(self, x):
        return x + 0.2 * self.rdb(self.rdb(self.rdb(x)))  # ... applied three times


print(f"parameters: shared {count_parameters(SharedRRDB()):,d} vs distinct {count_parameters(RRDB()):,d}")
print(run_check("rrdb", SharedRRDB, own_code_only=False))  # built from srlib's own dense block

# %% [markdown]
# **Bug 3: a product instead of a sum.** Merging the trunk with `x * x1` instead of
# `x + x1` turns the skip connection into a gate: where the features are near zero, the
# product is near zero too, and the identity path is gone.

# %%
class ProductRRDB(RRDB):
    def forward(self, x):
        return x * (0.2 * self.rdb3(self.rdb2(self.rdb1(x))))  # the bug


print(run_check("rrdb", ProductRRDB, own_code_only=False))  # a subclass of srlib's RRDB

# %% [markdown]
# ## What to remember
# - Residual connections keep the gradient alive through deep stacks.
# - BatchNorm makes train-mode and eval-mode outputs differ on unfamiliar images; ESRGAN
#   removes it.
# - RDB input channels grow as $C + (k-1)g$; RRDB chains three **distinct** RDBs.
# - Residual scaling ($\beta = 0.2$) and 0.1-scaled initialisation keep a 23-block trunk
#   near the identity at the start.
# - RRDBNet at the paper's size has 16,697,987 parameters and the public weights' key names.
#
# **Exercise:** `exercises/ex02_rrdb.ipynb` (the residual dense block and RRDB).

# %% [markdown]
# ### After the exercise: the library's version
#
# Try the exercise first; then compare your code with the tested `srlib` source.

# %%
show(ResidualDenseBlock.forward)
show(RRDB)
