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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/notebooks/03_pixel_shuffle_vs_upsampling.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # 03 · Pixel shuffle versus upsampling
#
# **Goals**
# 1. See that pixel shuffle is only a reshape, and why a conv before it is a
#    "sub-pixel convolution".
# 2. Compare the three upsamplers (pixel shuffle, nearest + conv, transposed conv) on
#    parameters and time.
# 3. Measure checkerboard artefacts on a natural photo at initialisation and after training,
#    with and without ICNR initialisation, and see them.
# 4. Run a controlled experiment (same trunk, same budget, same patches, three seeds) against
#    MATLAB bicubic and draw the conclusion from its own numbers.
#
# Prerequisites: notebooks 01-02. Runtime: under a minute on a CPU (`ci`), minutes (`cpu`).

# %%
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from srlib.course import setup, show
from srlib.models import (NearestConvUpsampler, PixelShuffleUpsampler, SRResNet,
                          TransposedConvUpsampler, count_parameters, icnr_)

profile, device = setup(seed=0)

# %% [markdown]
# ## 1. Pixel shuffle is a reshape
#
# A sub-pixel convolution (Shi et al. 2016, used by SRGAN) computes $r^2 C$ channels at
# LR resolution and rearranges them into a $C$-channel image $r$ times larger:
#
# $$\mathrm{PS}(T)_{c,\ hr + i,\ wr + j} = T_{c r^2 + i r + j,\ h,\ w}.$$
#
# Every multiply happens at LR resolution, which is cheap; the rearrangement is free.
#
# The rearrangement is a reshape and a permute. Here is its inverse, *pixel unshuffle*
# (space-to-depth): each $r \times r$ block of pixels becomes $r^2$ channels. Writing pixel
# shuffle itself the same way is exercise 03's first task.

# %%
def pixel_unshuffle_by_reshape(x, r):
    b, c, h_r, w_r = x.shape
    h, w = h_r // r, w_r // r
    x = x.reshape(b, c, h, r, w, r).permute(0, 1, 3, 5, 2, 4)  # (B, C, i, j, H, W)
    return x.reshape(b, c * r * r, h, w)  # channel c r^2 + i r + j


torch.manual_seed(0)
for shape, r in (((2, 3, 10, 14), 2), ((1, 3, 12, 12), 3)):
    x = torch.randn(shape)
    packed = pixel_unshuffle_by_reshape(x, r)
    same = torch.equal(packed, nn.PixelUnshuffle(r)(x))
    back = torch.equal(nn.PixelShuffle(r)(packed), x)
    print(f"input {shape}, r={r}: {tuple(packed.shape)}, equal to nn.PixelUnshuffle: {same}, "
          f"PixelShuffle undoes it: {back}")

# %% [markdown]
# Where does each output pixel come from? Fill each of $r^2 = 4$ LR channels with its own
# index and shuffle them with `nn.PixelShuffle(2)`: every 2x2 block of the output takes one
# pixel from each channel, always in the same order, so channel $k$ becomes sub-pixel
# position $(i, j) = (k \div r, k \bmod r)$. Four different convolution kernels produce the
# four sub-pixel positions; if they start unequal, the output repeats a 2-pixel pattern
# (section 3).

# %%
import matplotlib.pyplot as plt

r, h, w = 2, 3, 3
channel_index = torch.arange(r * r, dtype=torch.float32).view(1, r * r, 1, 1).expand(1, r * r, h, w)
shuffled = nn.PixelShuffle(r)(channel_index)[0, 0]  # (h*r, w*r): the source channel of each pixel
gap = torch.full((h, 1), float("nan"))
side_by_side = torch.cat([t for k in range(r * r) for t in (channel_index[0, k], gap)][:-1], dim=1)
fig, (ax_lr, ax_hr) = plt.subplots(1, 2, figsize=(11, 3.4), gridspec_kw={"width_ratios": [2.2, 1]})
for ax, grid, title in ((ax_lr, side_by_side, f"input: {r * r} channels of {h}x{w} (LR)"),
                        (ax_hr, shuffled, f"PixelShuffle({r}): 1 channel of {h * r}x{w * r}")):
    ax.imshow(grid, cmap="tab10", vmin=0, vmax=9)
    for (y, x), value in np.ndenumerate(grid.numpy()):
        if not np.isnan(value):
            ax.text(x, y, int(value), ha="center", va="center", fontsize=9)
    ax.set_title(title)
    ax.set_xlabel("column (pixels)")
    ax.set_ylabel("row (pixels)")
plt.tight_layout()
plt.show()
print(f"channel of output pixel ({r}h+i, {r}w+j) is {r}i+j everywhere:",
      all(shuffled[r * y + i, r * x + j] == r * i + j for y in range(h) for x in range(w)
          for i in range(r) for j in range(r)))

# %% [markdown]
# ## 2. Three upsamplers
#
# - **Pixel shuffle** (SRGAN): conv $C \to 4C$, `PixelShuffle(2)`, activation.
# - **Nearest + conv** (ESRGAN's released code): repeat each pixel 2x2, then a 3x3 conv $C \to C$.
#   The ESRGAN paper (Sec. 3) does not name its upsampler; its reference code
#   (`RRDBNet_arch.py` in github.com/xinntao/ESRGAN, and BasicSR's `rrdbnet_arch.py`) calls
#   `F.interpolate(..., mode="nearest")` before each `upconv`. The argument for resizing and then
#   convolving is Odena, Dumoulin and Olah 2016, *Deconvolution and Checkerboard Artifacts*
#   (Distill, section "Better Upsampling"): the nearest copy gives every output pixel the same
#   kernel, so no periodic pattern is built in. Section 3 measures that claim.
# - **Transposed conv**: a stride-2 transposed 4x4 conv, the "learned upsampling" of early
#   GANs.

# %%
show(PixelShuffleUpsampler)
show(NearestConvUpsampler)

# %% [markdown]
# Parameters per x4 upsampler at 64 features (two x2 stages):

# %%
kinds = {"pixel shuffle": lambda: PixelShuffleUpsampler(64, 4),
         "nearest + conv": lambda: NearestConvUpsampler(64, 4),
         "transposed conv": lambda: TransposedConvUpsampler(64, 4)}
for name, make in kinds.items():
    print(f"{name:<16} {count_parameters(make()):>8,d} parameters")

# %% [markdown]
# Time per training step (forward + backward) of each upsampler alone on a batch of 16
# feature maps of 32 x 32 (machine dependent, so not compared by CI):

# %% tags=["nbval-ignore-output"]
feat = torch.randn(16, 64, 32, 32, device=device)
for name, make in kinds.items():
    module = make().to(device)
    for i in range(4):  # one warm-up step, then three timed
        if i == 1:
            start = time.perf_counter()
        module(feat).mean().backward()
    if device.type == "cuda":
        torch.cuda.synchronize()
    print(f"{name:<16} {(time.perf_counter() - start) / 3 * 1e3:7.1f} ms per step")

# %% [markdown]
# Pixel shuffle does its convolution at LR resolution with 4x the output channels;
# nearest + conv does an equally large convolution at 2x resolution. Their cost is similar;
# the transposed conv is the cheapest of the three.
#
# ## 3. Checkerboard artefacts
#
# An x2 upsampler can treat the four output pixels of each LR pixel differently: a
# transposed conv whose kernel overlaps unevenly, or a sub-pixel conv whose four sub-kernels
# differ, stamps a pattern that repeats every 2 pixels (every 4 after two x2 stages; Odena et
# al. 2016, "Deconvolution and Checkerboard Artifacts", distill.pub/2016/deconv-checkerboard).
# We measure it on a *natural* image: the share of the image's variation (its spectrum's
# energy without the mean) that sits at exactly the periodic frequencies $kN/4$ (periods 4
# and 2), in the centre of the image (zero padding changes the borders whatever the
# upsampler). A share makes untrained networks, whose outputs have arbitrary contrast,
# comparable with trained ones. A photo has a little energy there too, so the HR photo's own
# share is the baseline.

# %%
from srlib.data import imresize, sample_dataset


def grid_share(img):
    """Percent of img's variation (1, 3, H, W) at the period-2 and period-4 frequencies."""
    img = img[0].detach().cpu().double()
    side = min(img.shape[-2:]) // 2 // 4 * 4  # a central square, a multiple of 4
    top, left = (img.shape[-2] - side) // 2, (img.shape[-1] - side) // 2
    centre = img[:, top:top + side, left:left + side]
    power = torch.fft.fft2(centre - centre.mean(dim=(1, 2), keepdim=True)).abs() ** 2  # (3, side, side)
    periodic = torch.zeros(side, side, dtype=torch.bool)
    periodic[:: side // 4, :: side // 4] = True
    periodic[0, 0] = False
    return 100 * (power[:, periodic].sum() / power.sum()).item()


def generator(kind, icnr=False, seed=0):
    torch.manual_seed(seed)
    return SRResNet(num_feat=profile.num_feat, num_block=profile.num_block, batch_norm=False,
                    upsampler=kind, icnr=icnr).to(device)


val_set = sample_dataset("val", scale=4)
photo_lr, photo_hr = val_set[0]  # a held-out photo, (3, h, w) and (3, 4h, 4w)
photo_bic = imresize(photo_lr[None].double(), 4).clamp(0, 1).float()
variants = {"pixel shuffle": ("pixelshuffle", False), "pixel shuffle + ICNR": ("pixelshuffle", True),
            "nearest + conv": ("nearest", False), "transposed conv": ("transposed", False)}
with torch.no_grad():
    init_share = {name: grid_share(generator(kind, icnr)(photo_lr[None].to(device)))
                for name, (kind, icnr) in variants.items()}
print(f"share of the variation on the 2/4-pixel grid, {val_set.names[0]} (%): HR photo "
      f"{grid_share(photo_hr[None]):.2f}, MATLAB bicubic {grid_share(photo_bic):.2f}")
print("untrained generators (random weights, same seed):")
for name, share in init_share.items():
    print(f"  {name:<22} {share:.2f}")
photo_share = grid_share(photo_hr[None])
print("more than 10 times the photo's share (a checkerboard before any training): "
      + (", ".join(n for n in init_share if init_share[n] > 10 * photo_share) or "none"))

# %%
h, w = photo_hr.shape[-2:]
box = (slice(h // 2 - 24, h // 2 + 24), slice(w // 2 - 24, w // 2 + 24))  # a 48 x 48 crop of the centre
fig, axes = plt.subplots(1, len(variants), figsize=(3.2 * len(variants), 3.8))
with torch.no_grad():
    for ax, (name, (kind, icnr)) in zip(axes, variants.items()):
        out = generator(kind, icnr)(photo_lr[None].to(device))[0].cpu()[:, box[0], box[1]]
        out = (out - out.min()) / (out.max() - out.min())  # stretched: untrained outputs have arbitrary contrast
        ax.imshow(out.permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_title(f"{name}\n{init_share[name]:.2f}% on the grid", fontsize=10)
        ax.axis("off")
fig.suptitle(f"untrained generators on {val_set.names[0]} (48 x 48 output crop, contrast stretched)")
plt.tight_layout(rect=(0, 0, 1, 0.92))
plt.show()

# %% [markdown]
# An upsampler whose four output positions per LR pixel are computed by different weights
# (the four sub-kernels of a sub-pixel conv, the uneven overlaps of a transposed conv) starts
# with such a pattern. ICNR (Aitken et al. 2017, arXiv:1707.02937) initialises the sub-pixel conv so that the $r^2$ sub-kernels
# of each output channel are equal: the layer starts as nearest-neighbour upsampling, whose
# only period-2 pattern is its 2 x 2 blocks. Compare its row with plain pixel shuffle's:

# %%
show(icnr_)

# %% [markdown]
# ## 4. A controlled experiment
#
# The same SRResNet trunk (no BN; the profile's width and depth) with each upsampler, trained
# for the same number of steps on the same patches in the same order (bundled training
# photos, L1 loss, Adam $10^{-3}$), three seeds each, then evaluated on the held-out photos
# under the protocol of notebook 01.
#
# To make a short budget informative, each network learns only the *residual* over bicubic
# upsampling (VDSR's global skip, Kim et al. 2016, as in the course's `ResidualESPCN`):
# MATLAB bicubic, the same baseline we score against; its last conv starts at a tenth of its
# usual scale, so every variant starts close to bicubic
# (EDSR's residual scaling idea, Lim et al. 2017), and the result is read as a gain in dB over
# bicubic, 0 being bicubic itself.

# %%
from tqdm.auto import tqdm

from srlib.data import make_train_loader
from srlib.metrics import psnr


class BicubicResidual(nn.Module):
    """net(x) + MATLAB bicubic(x), net's last conv scaled by 0.1: training starts close to bicubic."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        with torch.no_grad():
            net.tail.weight.mul_(0.1)  # small, not zero: every layer gets a gradient from step one
            net.tail.bias.zero_()

    def forward(self, x):
        return self.net(x) + imresize(x, 4)  # the baseline itself, so a gain over it is learned


train_set = sample_dataset("train", scale=4, hr_patch=profile.hr_patch, repeat=10_000)
steps = {"ci": 150, "cpu": 1000}.get(profile.name, 5000)
SEEDS = (0, 1, 2)


def mean_psnr(net, images):
    with torch.no_grad():
        return float(np.mean([psnr(net(lr[None].to(device)).clamp(0, 1).cpu(), hr[None]).item() for lr, hr in images]))


val_images = [val_set[i] for i in range(len(val_set))]
bicubic_psnr = float(np.mean([psnr(imresize(lr[None].double(), 4).clamp(0, 1).float(), hr[None]).item()
                              for lr, hr in val_images]))


def train(kind, icnr, seed):
    net = BicubicResidual(generator(kind, icnr, seed))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    batches = iter(make_train_loader(train_set, batch_size=profile.batch_size, num_workers=0, seed=seed))
    for _ in range(steps):
        img_lr, img_hr = next(batches)
        loss = F.l1_loss(net(img_lr.to(device)), img_hr.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return net.eval()

# %% tags=["nbval-ignore-output"]
gains, trained = {name: [] for name in variants}, {}
with tqdm(total=len(variants) * len(SEEDS), desc=f"{len(variants)} upsamplers x {len(SEEDS)} seeds") as bar:
    for name, (kind, icnr) in variants.items():
        for seed in SEEDS:
            net = train(kind, icnr, seed)
            gains[name].append(mean_psnr(net, val_images) - bicubic_psnr)
            trained.setdefault(name, net)  # keep seed 0 for the pictures below
            bar.update(1)

# %%
print(f"{steps} steps x batch {profile.batch_size}, HR patch {profile.hr_patch}, width {profile.num_feat}, "
      f"{profile.num_block} blocks; {len(val_images)} held-out photos; MATLAB bicubic {bicubic_psnr:.2f} dB")
print(f"{'upsampler':<22}{'gain over bicubic (dB), seeds 0/1/2':>38}{'mean':>8}{'std':>7}")
for name, values in gains.items():
    print(f"{name:<22}{' / '.join(f'{v:+.2f}' for v in values):>38}{np.mean(values):+8.2f}{np.std(values):7.2f}")

# %%
names = list(gains)
with torch.no_grad():
    trained_share = {name: grid_share(trained[name](photo_lr[None].to(device))) for name in names}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 3.8))
ax1.barh(names, [np.mean(gains[n]) for n in names], xerr=[np.std(gains[n]) for n in names],
         color="tab:blue", capsize=4)
for row, name in enumerate(names):
    ax1.scatter(gains[name], [row] * len(SEEDS), color="black", s=12, zorder=3)
ax1.axvline(0, color="gray", linestyle="--", label="MATLAB bicubic")
reach = max(0.1, max(abs(v) for values in gains.values() for v in values) * 1.2)
ax1.set_xlim(-reach, reach)  # at least +-0.1 dB, so that noise is not magnified into a ranking
ax1.set(xlabel="validation PSNR-Y gain over bicubic (dB); dots = seeds, bars = mean +- std",
        title=f"{steps} training steps, {len(SEEDS)} seeds")
ax1.legend(loc="lower right")
ax2.barh(names, [trained_share[n] for n in names], color="tab:red", label="trained (seed 0)")
ax2.axvline(grid_share(photo_hr[None]), color="gray", linestyle="--", label="HR photo")
ax2.set(xlabel="share of the variation on the 2/4-pixel grid (%)", title="grid pattern after training")
ax2.legend(loc="lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# A pattern is easiest to see where the photo is smooth. Below: the smoothest 48 x 48 region
# of the held-out photo (found by the code), as each trained network's output minus bicubic,
# amplified 8 times around mid-grey; a grid of 2 x 2 or 4 x 4 cells would be a checkerboard.
# These trained networks include the bicubic skip and a tail scaled by 0.1, so their shares
# are not comparable with section 3's untrained ones; compare them with the HR photo's.

# %%
hr_y = photo_hr.mean(0)
detail = (hr_y[1:, :-1] - hr_y[:-1, :-1]) ** 2 + (hr_y[:-1, 1:] - hr_y[:-1, :-1]) ** 2
window = F.avg_pool2d(detail[None, None], 48, stride=8)[0, 0]
top, left = divmod(int(window.argmin()), window.shape[1])
box = (slice(8 * top, 8 * top + 48), slice(8 * left, 8 * left + 48))
fig, axes = plt.subplots(2, len(names), figsize=(3.2 * len(names), 6.6))
with torch.no_grad():
    for col, name in enumerate(names):
        out = trained[name](photo_lr[None].to(device)).clamp(0, 1).cpu()
        axes[0, col].imshow(out[0].permute(1, 2, 0).numpy()[box], interpolation="nearest")
        axes[0, col].set_title(f"{name}\noutput", fontsize=10)
        residual = (0.5 + 8 * (out - photo_bic))[0].clamp(0, 1)
        axes[1, col].imshow(residual.permute(1, 2, 0).numpy()[box], interpolation="nearest")
        axes[1, col].set_title("(output - bicubic) x 8", fontsize=10)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle(f"{val_set.names[0]}: smoothest 48 x 48 HR region at ({8 * top}, {8 * left}), seed 0")
plt.tight_layout(rect=(0, 0, 1, 0.95))
plt.show()

# %% [markdown]
# ### What this run says
# The conclusion below is computed from the tables above, not written in advance.

# %%
means = {n: float(np.mean(gains[n])) for n in names}
spread = max(float(np.std(gains[n])) for n in names)
ranked = sorted(means, key=means.get, reverse=True)
print(f"highest mean gain: {ranked[0]} ({means[ranked[0]]:+.2f} dB); lowest: {ranked[-1]} "
      f"({means[ranked[-1]]:+.2f} dB); largest seed std {spread:.2f} dB")
if max(abs(m) for m in means.values()) < 0.05:
    print(f"after {steps} steps no variant is 0.05 dB from bicubic: this budget cannot rank the upsamplers "
          "(run SRLIB_PROFILE=cpu for 1000 steps); the grid measurements below do not need the budget")
else:
    beat = [n for n in names if min(gains[n]) > 0]
    print("above bicubic with every seed: " + (", ".join(beat) or "none"))
ps, near = means["pixel shuffle"], means["nearest + conv"]
print(f"pixel shuffle minus nearest + conv: {ps - near:+.2f} dB, "
      + ("within" if abs(ps - near) < 2 * spread else "beyond") + " twice the seed spread "
      "(the source document reports +0.78 dB, 25.78 vs 25.0 dB on DIV2K, from one run each)")
grid = sorted(trained_share, key=trained_share.get)
print(f"grid share after training: least {grid[0]} ({trained_share[grid[0]]:.2f}%), most {grid[-1]} "
      f"({trained_share[grid[-1]]:.2f}%; HR photo {grid_share(photo_hr[None]):.2f}%)")
print(f"ICNR at initialisation: {init_share['pixel shuffle + ICNR']:.2f}% instead of "
      f"{init_share['pixel shuffle']:.2f}% for plain pixel shuffle")

# %% [markdown]
# How to read it. The source document's table (pixel shuffle 25.78 dB versus UpSampling
# 25.0 dB on DIV2K) is one training run per upsampler, with no seeds or error bars, and its
# "UpSampling" baseline differs in more than the upsampler. Here the seeds give the noise
# level, so a gap smaller than the spread is not a ranking. Run with `SRLIB_PROFILE=cpu` (1000
# steps) or on a GPU for a longer budget. The grid measurements are the part that does not
# need a long run: an upsampler whose four sub-positions start different (plain pixel
# shuffle, transposed conv) starts with a pattern that training must remove. ESRGAN's released
# RRDBNet upsamples by nearest interpolation + conv (`upconv1`/`upconv2` in its code; the paper
# gives no reason); Odena et al. (2016) recommend exactly this "resize-convolution" against
# checkerboards.

# %% [markdown]
# ## Predict, then run
# 1. Before running section 3 with a third variant, predict: is a *transposed* conv initialised
#    so that its four sub-kernels are equal (the ICNR idea applied to it) free of checkerboards?
# 2. Predict the parameter count of a x3 pixel-shuffle stage at 64 features ($C \to 9C$, 3x3 conv),
#    then check it with `count_parameters(PixelShuffleUpsampler(64, 3))`.
# 3. In the figure of section 1, which channel lands at the bottom-right pixel of every block
#    for $r = 3$? Predict, then set `r = 3` and rerun the cell.
#
# ## References
# - W. Shi et al., *Real-Time Single Image and Video Super-Resolution Using an Efficient Sub-Pixel
#   Convolutional Neural Network* (ESPCN), CVPR 2016, [arXiv:1609.05158](https://arxiv.org/abs/1609.05158).
# - A. Odena, V. Dumoulin and C. Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016,
#   [distill.pub/2016/deconv-checkerboard](https://distill.pub/2016/deconv-checkerboard/).
# - A. Aitken et al., *Checkerboard artifact free sub-pixel convolution* (ICNR), 2017,
#   [arXiv:1707.02937](https://arxiv.org/abs/1707.02937).
# - C. Ledig et al. (SRGAN), [arXiv:1609.04802](https://arxiv.org/abs/1609.04802): Sec. 2.2 (sub-pixel layers).
# - X. Wang et al. (ESRGAN), [arXiv:1809.00219](https://arxiv.org/abs/1809.00219); reference code
#   github.com/xinntao/ESRGAN (`RRDBNet_arch.py`: nearest interpolation + conv).

# %% [markdown]
# ## What to remember
# - Pixel shuffle is a reshape + permute; the conv before it does the work at LR resolution.
# - Untrained, plain pixel shuffle and the transposed conv put most of an output's variation
#   on the 2/4-pixel grid (section 3); ICNR and nearest + conv do not, so training does not
#   have to remove a checkerboard first.
# - Compare upsamplers with the same trunk, data, order and budget, and more than one
#   seed, before drawing conclusions.
#
# **Exercise:** `exercises/ex03_pixel_shuffle.ipynb` (pixel shuffle by reshape/permute).
