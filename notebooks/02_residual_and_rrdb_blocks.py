# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
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
# 5. Reproduce, and catch, the generator bugs of the course's source documents.
#
# Prerequisites: notebooks 00-01. Runtime: under a minute on a CPU.
#
# Papers: SRGAN, Ledig et al. 2017, [arXiv:1609.04802](https://arxiv.org/abs/1609.04802) (SRResNet, Sec. 2.1);
# ESRGAN, Wang et al. 2018, [arXiv:1809.00219](https://arxiv.org/abs/1809.00219) (RRDB, Sec. 3.1);
# EDSR, Lim et al. 2017, [arXiv:1707.02921](https://arxiv.org/abs/1707.02921) (removing BatchNorm, Sec. 3.1).

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
# SRResNet (SRGAN Sec. 2.1, Fig. 4) stacks 16 blocks between a 9x9 head and the upsampler,
# with a global skip around them; everything runs at LR resolution until the two x2
# sub-pixel stages at the end (notebook 03):

# %%
import matplotlib.pyplot as plt

from srlib.course.diagrams import draw_rdb, draw_rrdb, draw_srresnet

draw_srresnet()
plt.show()

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
# it, the network is one function. ESRGAN therefore removes BN from the **generator**
# (Sec. 3.1, following EDSR Sec. 3.1), which also saves memory and lets it be deeper. Its
# **discriminator** keeps SRGAN's BatchNorm layers, and so does the course's `esrgan`
# recipe: the discriminator is only used in training mode, on batches of same-sized patches,
# so the train/eval gap measured here never reaches an output image (notebook 05 shows it).
#
# ## 3. The residual dense block (RDB) and RRDB
#
# In an RDB each conv sees the block input and *all* earlier outputs (dense connections,
# Huang et al. 2017); a fifth conv fuses them back to $C$ channels; the result is added to
# the input, scaled by $\beta = 0.2$:
#
# $$x_k = \mathrm{lrelu}\big(\mathrm{conv}_k([x, x_1, \dots, x_{k-1}])\big),\ k \le 4, \qquad \mathrm{RDB}(x) = x + \beta\, \mathrm{conv}_5([x, x_1, \dots, x_4]).$$
#
# The diagram reads its channel counts from `ResidualDenseBlock` itself: each arc is one
# tensor that a later conv concatenates to its input.

# %%
draw_rdb(num_feat=64, num_grow_ch=32)
plt.show()

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
# Two residuals nest (hence "residual in residual"), and RRDBNet stacks 23 RRDBs in its trunk
# with one more skip around them (ESRGAN Fig. 4):

# %%
draw_rrdb(num_block=23)
plt.show()

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
# ## 6. The generator bugs of the source documents
#
# The write-ups this course was commissioned from contain several generator bugs, all in
# document 004's listings. Each is reproduced below in a few lines (**the source's line**,
# marked as such), measured, and fixed; where a student could make the same mistake, a check
# from `srlib.checks` (the same checks that grade exercise 02) catches it. The demos are built
# from the library's own blocks, which a graded exercise may not hand in, so they pass
# `own_code_only=False`.
#
# **Bug 1 (document 004): natural log.** `int(math.log(scale))` x2 upsampling stages: for x4
# that is `int(1.386) = 1` stage, so the "x4" generator outputs x2 images.

# %%
from srlib.checks import run_check


def buggy_num_stages(scale):
    return int(math.log(scale))  # the source document's line


print("stages for x4: buggy", buggy_num_stages(4), "| correct", int(math.log2(4)))
print(run_check("num_upsample_stages", buggy_num_stages))

# %% [markdown]
# **Bug 2 (document 004): the dense block's channel arithmetic.** The source builds conv $k$
# with `channels*(k-1) + inc_channels` input channels (`channels*2 + inc_channels` for conv3),
# but conv $k$ receives the block input and $k-1$ outputs of `inc_channels` each:
# $C + (k-1)g$. The two agree only for conv1-2 (and for every conv when $g = C$), so at
# ESRGAN's $C = 64$, $g = 32$ the block fails at conv3 on its first input:

# %%
c, g = 64, 32
source_in = [c, c + g, c * 2 + g, c * 3 + g, c * 4 + g]  # the source document's conv1..conv5
dense_in = [c + k * g for k in range(5)]  # what the concatenations deliver
print("conv1..5 input channels, source:", source_in, "| dense connections:", dense_in)
conv3 = nn.Conv2d(c * 2 + g, g, kernel_size=3, padding=1)  # the source document's conv3
x, x1, x2 = torch.rand(1, c, 8, 8), torch.rand(1, g, 8, 8), torch.rand(1, g, 8, 8)
try:
    conv3(torch.cat((x2, x1, x), dim=1))  # (1, 128, 8, 8) into a conv built for 160
except RuntimeError as err:
    print(f"RuntimeError: conv3 expects {conv3.in_channels} channels, "
          f"the concatenation has {torch.cat((x2, x1, x), 1).shape[1]}")

# %% [markdown]
# **Bug 3 (document 004): `self.betas` and a LeakyReLU after conv5.** The source's dense
# block ends `out = self.lrelu(self.conv5(...))` and `return x + self.betas * out`, but its
# constructor sets `self.beta`: the first forward pass raises. With the typo fixed, the
# LeakyReLU after conv5 remains: ESRGAN's conv5 output goes into the residual *unactivated*
# (Sec. 3.1; `ResidualDenseBlock.forward` above), so the block can add and subtract alike.
# The extra activation shrinks every negative residual by 5:

# %%
class SourceDenseBlock(ResidualDenseBlock):
    """srlib's convs with the source's forward: LeakyReLU after conv5 and `self.betas`."""

    def forward(self, x):
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        out = self.lrelu(self.conv5(torch.cat((x, x1, x2, x3, x4), 1)))  # the source: activated
        return x + self.betas * out  # the source document's line: `betas` is never set


torch.manual_seed(0)
source_block = SourceDenseBlock(num_feat=16, num_grow_ch=8)
feat = torch.randn(1, 16, 12, 12, generator=torch.Generator().manual_seed(0))
try:
    source_block(feat)
except AttributeError as err:
    print("AttributeError:", str(err))
source_block.betas = 0.2  # fix the typo to see the second bug
fixed_block = ResidualDenseBlock(num_feat=16, num_grow_ch=8)
fixed_block.load_state_dict(source_block.state_dict())  # the very same weights
with torch.no_grad():
    for name, block in (("source (LeakyReLU after conv5)", source_block), ("ESRGAN (linear conv5)", fixed_block)):
        residual = (block(feat) - feat) / 0.2  # the term the block adds, before scaling
        print(f"{name:<31} residual: mean {residual.mean():+.4f}, "
              f"most negative {residual.min():+.4f}, most positive {residual.max():+.4f}")

# %% [markdown]
# **Bug 4 (document 004): one RDB reused three times.** Registering one module and calling
# it three times shares its weights: a third of the parameters and a different function.

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
# **Bug 5 (document 004): a product instead of a sum in the trunk.** The source's ESRGAN
# generator merges the trunk with `x1 = x * x1` where RRDBNet has
# `feat = feat + conv_body(body(feat))`. The product turns the long skip into a gate: each
# feature of `conv_first` reaches the upsampler only multiplied by the trunk's output at the
# same position, so where that output is near zero or negative the feature is erased or
# flipped, and the gradient loses its identity path. Measured on one small RRDBNet, the same
# weights merged both ways:

# %%
torch.manual_seed(0)
net = RRDBNet(num_feat=16, num_block=2, num_grow_ch=8).eval()
img_lr = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    feat = net.conv_first(img_lr)  # (1, 16, 16, 16)
    trunk = net.conv_body(net.body(feat))  # (1, 16, 16, 16), the source's x1
    for name, merged in (("ESRGAN  feat + trunk", feat + trunk), ("source  feat * trunk", feat * trunk)):
        corr = np.corrcoef(merged.flatten().numpy(), feat.flatten().numpy())[0, 1]
        print(f"{name}: std {merged.std():.4f} (conv_first features: {feat.std():.4f}), "
              f"correlation with them {corr:+.2f}")

# %% [markdown]
# The same mistake inside a student's RRDB (`x * ...` for `x + ...`) is caught by the
# exercise's check:

# %%
class ProductRRDB(RRDB):
    def forward(self, x):
        return x * (0.2 * self.rdb3(self.rdb2(self.rdb1(x))))  # the bug, moved into the block


print(run_check("rrdb", ProductRRDB, own_code_only=False))  # a subclass of srlib's RRDB

# %% [markdown]
# **Bug 6 (document 004): a Tanh output.** Both of the source's generators end in
# `nn.Tanh()`, whose range is $(-1, 1)$, while its images (and this course's) are in
# $[0, 1]$. Half the range can never be a pixel, and bright pixels sit where Tanh saturates:
# the gradient $1 - \tanh^2$ at the pre-activation that gives each 8-bit level is

# %%
for level in (128, 200, 250, 254):
    target = torch.tensor(level / 255)
    pre = torch.atanh(target).requires_grad_()  # the pre-activation Tanh needs for it
    (grad,) = torch.autograd.grad(torch.tanh(pre), pre)
    print(f"pixel {level:3d}/255: pre-activation {pre.item():5.2f}, gradient of Tanh {grad.item():.4f}")
print("ESRGAN/BasicSR: conv_last is linear; outputs are clamped to [0, 1] only when saved")

# %% [markdown]
# ## Predict, then run
# 1. With $g = C$ (`num_grow_ch = num_feat = 64`), does the source's `channels*(k-1) + inc_channels`
#    arithmetic still fail? Predict from the two formulas, then set `g = 64` in the Bug 2 cell.
# 2. Section 4's steady factor was $1 + \beta = 1.2$ per RRDB. Predict the feature std after 23
#    blocks for $\beta = 0.1$ (with the 0.1-scaled initialisation), then run `feature_growth(0.1, 0.1)`.
# 3. Section 2 filled BatchNorm's running statistics with retina patches. Will the train/eval gap
#    on the Hubble image shrink or grow if you fill them with Hubble patches instead? Try it.
#
# ## References
# - C. Ledig et al., *Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial
#   Network* (SRGAN), CVPR 2017, [arXiv:1609.04802](https://arxiv.org/abs/1609.04802): Sec. 2.1, Fig. 4.
# - X. Wang et al., *ESRGAN: Enhanced Super-Resolution Generative Adversarial Networks*, ECCV
#   Workshops 2018, [arXiv:1809.00219](https://arxiv.org/abs/1809.00219): Sec. 3.1, Fig. 4.
# - B. Lim et al., *Enhanced Deep Residual Networks for Single Image Super-Resolution* (EDSR),
#   CVPRW 2017, [arXiv:1707.02921](https://arxiv.org/abs/1707.02921): Sec. 3.1 (no BatchNorm).
# - K. He et al., *Deep Residual Learning for Image Recognition*, CVPR 2016,
#   [arXiv:1512.03385](https://arxiv.org/abs/1512.03385).
# - G. Huang et al., *Densely Connected Convolutional Networks*, CVPR 2017,
#   [arXiv:1608.06993](https://arxiv.org/abs/1608.06993).

# %% [markdown]
# ## What to remember
# - Residual connections keep the gradient alive through deep stacks.
# - BatchNorm makes train-mode and eval-mode outputs differ on unfamiliar images; ESRGAN
#   removes it from the generator (its discriminator keeps it: notebook 05).
# - RDB input channels grow as $C + (k-1)g$; RRDB chains three **distinct** RDBs; conv5 has
#   no activation before the residual scaling.
# - Residual scaling ($\beta = 0.2$) and 0.1-scaled initialisation turn the sixteen orders of
#   magnitude of growth through a 23-block trunk into a steady factor of about 1.2 per block
#   (66x overall, measured in section 4); the trunk's skip is a sum, never a product.
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
