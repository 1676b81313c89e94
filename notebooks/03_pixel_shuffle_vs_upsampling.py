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
# 3. Measure checkerboard artefacts at initialisation and after training, with and
#    without ICNR initialisation.
# 4. Run a controlled experiment (same trunk, same budget, same patches) and draw the
#    conclusion from its own numbers.
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

# %%
def pixel_shuffle_by_reshape(x, r):
    b, c_r2, h, w = x.shape
    c = c_r2 // r**2
    x = x.reshape(b, c, r, r, h, w).permute(0, 1, 4, 2, 5, 3)  # (B, C, H, i, W, j)
    return x.reshape(b, c, h * r, w * r)


torch.manual_seed(0)
for shape, r in (((2, 12, 5, 7), 2), ((1, 27, 4, 4), 3)):
    x = torch.randn(shape)
    same = torch.equal(pixel_shuffle_by_reshape(x, r), nn.PixelShuffle(r)(x))
    print(f"input {shape}, r={r}: equal to nn.PixelShuffle: {same}")

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
# Feed a smooth input (a constant grey LR image) through a whole x4 generator. A perfect
# upsampler returns a smooth image; an uneven one stamps a pattern that repeats every 2 or
# 4 pixels (Odena et al. 2016). We measure the pattern as the energy of the output's
# spectrum at the periodic frequencies $k N / 4$ (periods 4 and 2), excluding the mean,
# in the centre of the output, reported as an RMS amplitude in 8-bit levels.

# %%
def checkerboard_rms(net, size=32):
    """RMS (8-bit levels) of the period-2/4 component of net(constant grey input).

    Only the central half of the output is measured: zero padding makes the borders
    differ from the centre whatever the upsampler.
    """
    with torch.no_grad():
        out = net(torch.full((1, 3, size, size), 0.5, device=device))[0].cpu().double()  # (3, 4s, 4s)
    q = out.shape[-1] // 4
    out = out[:, q:-q, q:-q]  # (3, 2s, 2s), the centre
    n = out.shape[-1]
    spectrum = torch.fft.fft2(out - out.mean(dim=(1, 2), keepdim=True))
    periodic = torch.zeros(n, n, dtype=torch.bool)
    periodic[:: n // 4, :: n // 4] = True
    periodic[0, 0] = False
    energy = (spectrum.abs() ** 2)[:, periodic].sum() / n**4  # Parseval: mean square per pixel
    return 255 * energy.sqrt().item()


def generator(kind, icnr=False, seed=0):
    torch.manual_seed(seed)
    return SRResNet(num_feat=profile.num_feat, num_block=profile.num_block, batch_norm=False,
                    upsampler=kind, icnr=icnr).to(device)


variants = {"pixel shuffle": ("pixelshuffle", False), "pixel shuffle + ICNR": ("pixelshuffle", True),
            "nearest + conv": ("nearest", False), "transposed conv": ("transposed", False)}
init_rms = {name: checkerboard_rms(generator(kind, icnr)) for name, (kind, icnr) in variants.items()}
print("checkerboard RMS at initialisation (8-bit levels):")
for name, rms in init_rms.items():
    print(f"  {name:<22} {rms:.2f}")

# %% [markdown]
# ICNR (Aitken et al. 2017) initialises the sub-pixel conv so that the $r^2$ sub-kernels
# of each output channel are equal: the layer starts as nearest-neighbour upsampling.
# Compare its row above with plain pixel shuffle's:

# %%
show(icnr_)

# %% [markdown]
# ## 4. A controlled experiment
#
# The same SRResNet trunk (no BN; the profile's width and depth) with each upsampler,
# trained for the same number of steps on the same patches in the same order (bundled
# training photos, L1 loss, Adam $2 \cdot 10^{-4}$), then evaluated on the held-out photos
# under the protocol of notebook 01. The `ci` profile trains for seconds, so only large
# differences mean anything there; run with `SRLIB_PROFILE=cpu` or on a GPU for more.

# %%
from tqdm.auto import tqdm

from srlib.data import make_train_loader, sample_dataset
from srlib.metrics import psnr

train_set = sample_dataset("train", scale=4, hr_patch=profile.hr_patch, repeat=10_000)
val_set = sample_dataset("val", scale=4)
n_val = profile.eval_images or len(val_set)


def validate(net):
    net.eval()
    values = []
    with torch.no_grad():
        for i in range(n_val):
            img_lr, img_hr = val_set[i]
            img_sr = net(img_lr[None].to(device)).clamp(0, 1).cpu()
            values.append(psnr(img_sr, img_hr[None]).item())
    net.train()
    return float(np.mean(values))


def train(kind, icnr):
    net = generator(kind, icnr)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-4)
    loader = make_train_loader(train_set, batch_size=profile.batch_size, num_workers=0, seed=0)
    batches = iter(loader)
    for _ in tqdm(range(profile.train_iters), desc=f"{kind}{' + ICNR' if icnr else ''}", leave=False):
        img_lr, img_hr = next(batches)
        loss = F.l1_loss(net(img_lr.to(device)), img_hr.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return net


bicubic_psnr = float(np.mean([psnr(F.interpolate(val_set[i][0][None], scale_factor=4, mode="bicubic"),
                                   val_set[i][1][None]).item() for i in range(n_val)]))

# %% tags=["nbval-ignore-output"]
results = {}
for name, (kind, icnr) in variants.items():
    net = train(kind, icnr)
    results[name] = (validate(net), checkerboard_rms(net), count_parameters(net))

# %%
print(f"{profile.train_iters} steps, batch {profile.batch_size}, HR patch {profile.hr_patch}, "
      f"width {profile.num_feat}, {profile.num_block} blocks; {n_val} validation photos")
print(f"{'upsampler':<22} {'val PSNR-Y':>11} {'checkerboard':>13} {'parameters':>11}")
for name, (value, rms, params) in results.items():
    print(f"{name:<22} {value:8.2f} dB {rms:10.2f} lv {params:>11,d}")
print(f"{'(torch bicubic, for scale)':<22} {bicubic_psnr:8.2f} dB")

# %%
import matplotlib.pyplot as plt

names = list(results)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.8))
ax1.barh(names, [results[n][0] for n in names], color="tab:blue")
ax1.set_xlabel("validation PSNR-Y (dB)")
ax1.set_xlim(min(r[0] for r in results.values()) - 1, max(r[0] for r in results.values()) + 0.5)
ax1.set_title(f"after {profile.train_iters} steps ({profile.name} profile)")
ax2.barh(names, [results[n][1] for n in names], color="tab:red")
ax2.set_xlabel("checkerboard RMS on a constant input (8-bit levels)")
ax2.set_title("periodic artefacts after training")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### What this run says
# The conclusion below is computed from the table above, not written in advance.

# %%
ranked = sorted(results, key=lambda n: results[n][0], reverse=True)
best, worst = ranked[0], ranked[-1]
print(f"highest validation PSNR: {best} ({results[best][0]:.2f} dB); "
      f"lowest: {worst} ({results[worst][0]:.2f} dB); spread {results[best][0] - results[worst][0]:.2f} dB.")
if results[best][0] < bicubic_psnr:
    print(f"every variant is still below bicubic ({bicubic_psnr:.2f} dB): this budget is too small "
          "to rank upsamplers; the differences show how fast each starts to learn.")
ps, near = results["pixel shuffle"][0], results["nearest + conv"][0]
print(f"pixel shuffle minus nearest + conv: {ps - near:+.2f} dB "
      "(the source document reports +0.78 dB: 25.78 vs 25.0 dB on DIV2K).")
for label, values in (("at initialisation", init_rms), ("after training", {n: r[1] for n, r in results.items()})):
    order = sorted(values, key=values.get)
    print(f"checkerboard {label}: least {order[0]} ({values[order[0]]:.2f}), most {order[-1]} "
          f"({values[order[-1]]:.2f} levels)")
print(f"ICNR at initialisation: {init_rms['pixel shuffle + ICNR']:.2f} levels instead of "
      f"{init_rms['pixel shuffle']:.2f} for plain pixel shuffle.")

# %% [markdown]
# How to read it. The source document's table (pixel shuffle 25.78 dB versus UpSampling
# 25.0 dB on DIV2K) is one training run per upsampler, with no seeds or error bars, and its
# "UpSampling" baseline differs in more than the upsampler. With a few seconds of training
# (the `ci` profile) the ranking mostly shows how quickly each variant starts to learn;
# run this notebook with `SRLIB_PROFILE=cpu` or on a GPU, and with several seeds, before
# believing a gap of tenths of a dB. The checkerboard lines are the part to take away:
# an upsampler whose sub-kernels start unequal (plain pixel shuffle, transposed conv)
# starts with a periodic pattern that training has to remove, while nearest + conv and
# ICNR start without one. That, not PSNR, is why ESRGAN uses nearest + conv.

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
# - Transposed convolutions overlap unevenly and produce checkerboards; nearest + conv and
#   ICNR-initialised pixel shuffle start free of them.
# - Compare upsamplers with the same trunk, data, order and budget, and more than one
#   seed, before drawing conclusions.
#
# **Exercise:** `exercises/ex03_pixel_shuffle.ipynb` (pixel shuffle by reshape/permute).
