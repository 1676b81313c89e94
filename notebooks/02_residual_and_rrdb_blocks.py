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
# 1. Measure what a skip connection, and the initialisation, do to the gradient of a deep stack,
#    and what He et al. found makes deep plain networks hard to train.
# 2. Measure why ESRGAN removes BatchNorm.
# 3. Build the residual dense block (RDB) and RRDB, with their channel arithmetic.
# 4. Measure what residual scaling and small initialisation do to a 23-block trunk.
# 5. Reproduce, and catch, the generator bugs of the course's source documents (section 6 says
#    what they are).
#
# Prerequisites: notebooks 00-01. Runtime: about a minute on a CPU.
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
# A measurement at initialisation: 32 blocks stacked, with and without their skips. We send a
# random gradient of norm 1 back from the top of the stack and measure the norm that reaches
# the input of each block below, so the number measures the backward pass alone. How large
# the convolutions' weights start matters as much as the skip, so we try two initialisations:
# PyTorch's default for `nn.Conv2d`, and He et al.'s (2015), which keeps the variance of the
# signal from layer to layer (conv1 feeds a PReLU of slope 0.25, conv2 feeds the sum).

# %%
def he_init_(block):
    """He et al. 2015: weight variance 2 / ((1 + a^2) fan_in) before a PReLU of slope a, 1 / fan_in before none."""
    nn.init.kaiming_normal_(block.conv1.weight, a=0.25, nonlinearity="leaky_relu")
    nn.init.kaiming_normal_(block.conv2.weight, nonlinearity="linear")
    nn.init.zeros_(block.conv1.bias)
    nn.init.zeros_(block.conv2.bias)


def residual_branch(block, x):
    """F(x): the block without its skip (conv-PReLU-conv; no BatchNorm here)."""
    return block.conv2(block.act(block.conv1(x)))


def backward_gradients(skip, init, depth=32):
    """The gradient reaching each block's input when a unit gradient is sent back from the top."""
    torch.manual_seed(0)
    blocks = [ResidualBlock(32, batch_norm=False) for _ in range(depth)]
    if init == "He":
        for block in blocks:
            he_init_(block)
    gen = torch.Generator().manual_seed(1)
    feats = [torch.randn(2, 32, 24, 24, generator=gen, requires_grad=True)]  # (B, C, H, W)
    for block in blocks:
        feats.append(block(feats[-1]) if skip else residual_branch(block, feats[-1]))
        feats[-1].retain_grad()
    top = torch.randn(feats[-1].shape, generator=gen)
    feats[-1].backward(top / top.norm())
    return [f.grad for f in reversed(feats)]  # [k]: after going back through k blocks


block = ResidualBlock(32, batch_norm=False)
fan_in = 32 * 3 * 3
default_var = block.conv1.weight.var().item() * fan_in
he_init_(block)
print(f"weight variance x fan_in: PyTorch default {default_var:.2f}; He: conv1 "
      f"{block.conv1.weight.var().item() * fan_in:.2f}, conv2 {block.conv2.weight.var().item() * fan_in:.2f}")
norms = {(skip, init): [g.double().norm().item() for g in backward_gradients(skip, init)]
         for init in ("default", "He") for skip in (True, False)}
print("gradient norm after k blocks      k = 2      k = 8     k = 32")
for (skip, init), values in norms.items():
    label = f"{'with skip' if skip else 'no skip'}, {init} init"
    print(f"  {label:<30}" + "".join(f"{values[k]:11.1e}" for k in (2, 8, 32)))

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 4), constrained_layout=True)
styles = {"default": "-", "He": "--"}
for (skip, init), values in norms.items():
    ax.semilogy(values, styles[init], color="tab:blue" if skip else "tab:red",
                label=f"{'with skip' if skip else 'no skip'}, {init} init")
ax.set(xlabel="blocks the gradient has gone back through", ylabel="gradient norm (1 at the top)",
       title="32 residual blocks at initialisation, no BatchNorm")
ax.legend()
plt.show()

# %% [markdown]
# Read the four lines. PyTorch's default starts the weights with a variance of about
# $1/(3\,\mathrm{fan_{in}})$, a sixth of He's for conv1 and a third for conv2 (first line of
# the printout). With it, the stack without skips loses a factor of about 4 per block, and
# after 32 blocks the gradient is 20 orders of magnitude smaller; with the skips it stays
# between 1 and 3. With He's initialisation the stack without skips keeps its gradient near 1
# through all 32 blocks, and it is the stack *with* skips whose gradient grows, by more than
# four orders of magnitude: each block adds its branch's output to its input, so the variances add
# up. So the vanishing gradient of the plain stack comes from the default initialisation
# more than from depth, and residual stacks need their branches kept small, which is what
# section 4 measures for ESRGAN.
#
# Nor is a vanishing gradient what makes deep plain networks fail in practice. He et al.
# (2016, Sec. 4.1) trained plain networks of 18 and 34 layers with BatchNorm, checked that
# their gradients had healthy norms, and still found the deeper one had the *higher training*
# error (the "degradation problem"); they concluded that the deeper plain network is harder
# to optimise, not that its gradient vanishes. A residual block makes the identity easy to
# reach (drive $F$ to 0), and their residual networks of 34 to 152 layers trained better the
# deeper they were.
#
# We compute the norms in float64. The plain stack's gradient entries after 32 blocks are
# around $10^{-22}$, and a norm squares them: in float32, squares below about
# $1.2 \times 10^{-38}$ keep only a few digits, and below about $1.4 \times 10^{-45}$ they
# become 0 (underflow). A norm of such a gradient taken in float32 can print `0.0e+00` though
# the gradient is not zero:

# %%
entry = backward_gradients(False, "default")[32].abs().max().item()
print(f"largest gradient entry after 32 plain blocks: {entry:.1e}")
for value in (1e-22, 1e-23):
    print(f"({value:.0e})^2 in float32: {(torch.tensor(value) ** 2).item():.2e}, "
          f"in float64: {(torch.tensor(value, dtype=torch.float64) ** 2).item():.2e}")

# %% [markdown]
# SRResNet (SRGAN Sec. 2.1, Fig. 4) stacks 16 blocks between a 9x9 head and the upsampler,
# with a global skip around them; everything runs at LR resolution until the two x2
# sub-pixel stages at the end (notebook 03):

# %%
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
# BatchNorm normalises each channel with the *batch's* mean and variance while training, and
# with running averages of the training batches at test time (eval mode). ESRGAN (Sec. 3.1,
# following EDSR) removes it from the generator: when a test image's statistics differ from
# the training data's, BatchNorm brings artefacts. To see what that means, we train two small
# SRResNets, with and without BatchNorm, for 150 iterations (seconds) on patches of four of
# the bundled training photos. Then we feed them a fifth, very different photo: the Hubble deep
# field, almost black. Eval mode normalises it with the averages over the training patches;
# train mode with the statistics of its batch, here this one image.

# %%
import torch.nn.functional as F

from srlib.data import imresize, load_photo, make_train_loader, sample_dataset
from srlib.data.datasets import SRDataset, to_tensor

photos = sample_dataset("train", scale=4)
keep = [i for i, name in enumerate(photos.names) if name != "hubble_deep_field"]
train_set = SRDataset([photos.hr[i] for i in keep], [photos.lr[i] for i in keep], scale=4, hr_patch=64,
                      repeat=100, names=[photos.names[i] for i in keep])
hubble_hr = to_tensor(load_photo("hubble_deep_field")[:192, :192])[None]  # (1, 3, 192, 192)
hubble_lr = imresize(hubble_hr.double(), 1 / 4).float()  # (1, 3, 48, 48)


def train_generator(batch_norm, iters=150):
    """A small SRResNet trained with L1 on 64 x 64 patches of the four photos, batch 8."""
    torch.manual_seed(0)
    net = SRResNet(num_feat=16, num_block=2, batch_norm=batch_norm)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)
    loader = make_train_loader(train_set, batch_size=8, num_workers=0, seed=0)
    for _, (img_lr, img_hr) in zip(range(iters), loader):
        loss = F.l1_loss(net(img_lr), img_hr)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return net


def brightness(img):
    """Mean of R, G and B over the image, on the [0, 1] scale."""
    return img.mean().item()


# After 150 Adam steps the outputs' later digits differ from one CPU to another: one decimal here
outputs = {}
print(f"trained on: {', '.join(train_set.names)}; mean brightness of the Hubble HR crop {brightness(hubble_hr):.1f}")
for batch_norm in (True, False):
    net = train_generator(batch_norm)
    with torch.no_grad():
        net.train()
        out_train = net(hubble_lr)  # normalised with the Hubble image's own statistics
        net.eval()
        out_eval = net(hubble_lr)  # normalised with the running averages of the training patches
    outputs[batch_norm] = out_train, out_eval
    gap = (out_train - out_eval).abs().mean().item()
    print(f"BatchNorm={str(batch_norm):<5}: mean brightness train mode {brightness(out_train):.1f}, "
          f"eval mode {brightness(out_eval):.1f}; mean |train - eval| {gap:.1f}")

# %%
panels = {"Hubble HR": hubble_hr, "BatchNorm, eval mode": outputs[True][1],
          "BatchNorm, train mode": outputs[True][0], "no BatchNorm (both modes)": outputs[False][1]}
fig, axes = plt.subplots(1, 4, figsize=(14, 4.2), constrained_layout=True)
for ax, (name, img) in zip(axes, panels.items()):
    shown = img[0].clamp(0, 1)  # (3, H, W), as displayed
    ax.imshow(shown.permute(1, 2, 0).numpy())
    mean_levels = ", ".join(f"{255 * v:.0f}" for v in shown.mean(dim=(1, 2)))
    ax.set_title(f"{name}\nmean R, G, B = {mean_levels} (8-bit, clipped)", fontsize=10)
    ax.axis("off")
fig.suptitle("Hubble deep field, x4: the two BatchNorm panels are one network on one input; "
             "only the statistics BatchNorm normalises with differ")
plt.show()

# %% [markdown]
# The BatchNorm network gives two different pictures of the same input. In eval mode, with the
# averages of the training patches, its output is a dark sky like the photo: blurred and too
# blue after only 150 iterations, as is the network without BatchNorm. In train mode it
# normalises the Hubble image with its own mean and variance, which removes what makes the
# image dark, and paints a bright reddish-brown glow around the galaxies: a colour shift of
# about a fifth of the whole range on average (the last number of the printout; the titles
# give each channel's mean). Which of the two is "right" depends on statistics, not on the
# image: training ran in train mode on batches of varied patches, testing runs in eval mode
# on averages, and ESRGAN reports artefacts when test images are unlike the training data.
# Without BatchNorm the network is one function in both modes. ESRGAN therefore removes BN
# from the **generator** (Sec. 3.1, following EDSR Sec. 3.1), which also saves memory and
# lets it be deeper. Its
# **discriminator** keeps SRGAN's BatchNorm layers, and so does the course's `esrgan` recipe:
# the discriminator is only used in training mode, on batches of same-sized patches, so the
# train/eval gap measured here never reaches an output image (notebook 05 shows it).
#
# ## 3. The residual dense block (RDB) and RRDB
#
# In an RDB each conv sees the block input and *all* earlier outputs (dense connections,
# Huang et al. 2017); a fifth conv fuses them back to $C$ channels; the result is added to
# the input, scaled by $\beta = 0.2$:
#
# $$x_k = \mathrm{lrelu}\big(\mathrm{conv}_k([x, x_1, \dots, x_{k-1}])\big),\ k \le 4, \qquad \mathrm{RDB}(x) = x + \beta\, \mathrm{conv}_5([x, x_1, \dots, x_4]).$$
#
# Here $[\cdot]$ concatenates along the channels; convs 1-4 output $g$ channels each (the
# *growth rate*, 32 in ESRGAN) and conv 5 outputs $C$ (64). An RRDB chains three *distinct*
# RDBs inside another residual:
#
# $$\mathrm{RRDB}(x) = x + \beta\, \mathrm{RDB}_3(\mathrm{RDB}_2(\mathrm{RDB}_1(x))).$$
#
# Two residuals nest (hence "residual in residual"), and RRDBNet stacks 23 RRDBs in its trunk
# with one more skip around them (ESRGAN Fig. 4).
#
# **Your turn: [exercise 02](../exercises/ex02_rrdb.ipynb).** Build the RDB and the RRDB from
# these two equations before reading on: the exercise asks you to work out each conv's input
# channels, and the rest of this section shows them, with the library's code.
#
# ### After the exercise: the library's RDB and RRDB
#
# The diagram reads its channel counts from `ResidualDenseBlock` itself: each arc is one
# tensor that a later conv concatenates to its input.

# %%
draw_rdb(num_feat=64, num_grow_ch=32)
plt.show()

# %%
show(ResidualDenseBlock.forward)
rdb = ResidualDenseBlock(num_feat=64, num_grow_ch=32)
for name, conv in rdb.named_children():
    if isinstance(conv, nn.Conv2d):
        print(f"{name}: {conv.in_channels:3d} -> {conv.out_channels:2d} channels, "
              f"{count_parameters(conv):6,d} parameters")
print(f"one RDB: {count_parameters(rdb):,d} parameters")

# %% [markdown]
# The input channels grow by the growth rate $g = 32$ per conv: $C, C+g, C+2g, C+3g, C+4g$
# = 64, 96, 128, 160, 192. The RRDB holds three separate RDB modules:

# %%
show(RRDB)
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
# The course was commissioned from five write-ups, numbered 000 to 004; we call them the
# *source documents*. They are not part of this repository. They say what the course must
# cover, and they contain errors, which the notebooks reproduce as pitfalls. Document 004, a
# PyTorch study comparing SRGAN and ESRGAN generators, has several generator bugs. Each is
# reproduced below in a few lines (**the source's line**, marked as such), measured, and
# fixed. Where a student could make the same mistake, a check from `srlib.checks` catches it:
# the checks that grade [exercise 02](../exercises/ex02_rrdb.ipynb) and
# [exercise 03](../exercises/ex03_pixel_shuffle.ipynb). The demos are built from the library's
# own blocks, which a graded exercise may not hand in, so they pass `own_code_only=False`.
#
# **Bug 1 (document 004): natural log.** `int(math.log(scale))` x2 upsampling stages: for x4
# that is `int(1.386) = 1` stage, so the "x4" generator outputs x2 images.

# %%
from srlib.checks import run_check


def buggy_num_stages(scale):
    return int(math.log(scale))  # the source document's line


print("stages for x4: buggy", buggy_num_stages(4), "| needed 2 (x2, then x2 again)")
print(run_check("num_upsample_stages", buggy_num_stages))

# %% [markdown]
# **Bug 2 (document 004): the dense block's channel arithmetic.** The source builds conv $k$
# with `channels*(k-1) + inc_channels` input channels (`channels*2 + inc_channels` for conv3),
# but conv $k$ receives the block input and $k-1$ outputs of `inc_channels` each:
# $C + (k-1)g$. At ESRGAN's $C = 64$, $g = 32$ the two agree for conv1-2 only, and the block
# fails at conv3 on its first input:

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
# 3. Section 2 ran the Hubble image through the BatchNorm network alone, in train mode. Predict
#    whether the train-mode output moves towards the eval-mode one if the Hubble image shares its
#    batch with a 48 x 48 LR crop of each training photo, then try it: `torch.cat` `hubble_lr`
#    with `torch.stack([to_tensor(photos.lr[i][:48, :48]) for i in keep])`.
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
# - A residual block's Jacobian is $I + \partial F/\partial x$: the gradient always has an identity
#   path. At initialisation, whether it vanishes or grows through a deep stack depends on the
#   weights' initial scale as much as on the skip (section 1); He et al. (2016) found deep plain
#   networks hard to optimise even with healthy gradients, and residual ones easy.
# - BatchNorm makes train-mode and eval-mode outputs differ on unfamiliar images (a dark sky
#   turned reddish-brown in section 2); ESRGAN removes it from the generator (its
#   discriminator keeps it: notebook 05).
# - RDB input channels grow as $C + (k-1)g$; RRDB chains three **distinct** RDBs; conv5 has
#   no activation before the residual scaling.
# - Residual scaling ($\beta = 0.2$) and 0.1-scaled initialisation turn the sixteen orders of
#   magnitude of growth through a 23-block trunk into a steady factor of about 1.2 per block
#   (66x overall, measured in section 4); the trunk's skip is a sum, never a product.
# - RRDBNet at the paper's size has 16,697,987 parameters and the public weights' key names.
#
# **Exercise:** [exercise 02](../exercises/ex02_rrdb.ipynb) (the residual dense block and RRDB),
# if you skipped it in section 3.
