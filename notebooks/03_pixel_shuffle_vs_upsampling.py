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
# Prerequisites: notebooks 01-02. Runtime: under a minute on a CPU (section 4 loads twelve
# networks the course trained); with `TRAIN_HERE = True` it trains them, about 25 minutes on
# one CPU core.

# %%
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from srlib.course import setup, show
from srlib.models import (NearestConvUpsampler, PixelShuffleUpsampler,
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
# The convolution runs at LR resolution. Compared with enlarging the image first and running
# every layer at HR size (SRCNN, VDSR), each earlier layer then touches $r^2$ times fewer
# positions (ESPCN's point); the last conv itself costs what a conv at HR would. The
# rearrangement does no arithmetic, only a memory copy.
#
# The rearrangement is a reshape and a permute. Here is its inverse, *pixel unshuffle*
# (space-to-depth): each $r \times r$ block of pixels becomes $r^2$ channels. Writing pixel
# shuffle itself the same way is the first task of [exercise 03](../exercises/ex03_pixel_shuffle.ipynb).

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
#   `F.interpolate(..., mode="nearest")` before each `upconv`. Resizing and then convolving is what
#   Odena, Dumoulin and Olah 2016, *Deconvolution and Checkerboard Artifacts* (Distill,
#   section "Better Upsampling") recommend. One way to see why: after a nearest copy, the conv's effective kernel
#   on the LR input has the same total weight at every sub-position, so a flat region stays
#   flat and no periodic pattern is stamped onto it (the kernels' shapes still differ by
#   sub-position). BasicSR names these convs `conv_up1`/`conv_up2`, the ESRGAN repository
#   `upconv1`/`upconv2`. Section 3 measures the claim.
# - **Transposed conv**: a stride-2 transposed 4x4 conv, the "learned upsampling" of early
#   GANs (4x4 in PyTorch's DCGAN example). With kernel 4 and stride 2 the overlap is even (every output pixel receives 2 x 2
#   taps), but the layer is a sub-pixel conv in disguise: each of the four sub-positions has
#   its own 2 x 2 sub-kernel, drawn independently. Odena et al.'s *uneven* overlap needs a
#   kernel that the stride does not divide (3 and 2, say).

# %%
show(PixelShuffleUpsampler)
show(NearestConvUpsampler)

# %% [markdown]
# Parameters per x4 upsampler at 64 features (two x2 stages; each class's default activation,
# PReLU for pixel shuffle and the transposed conv, LeakyReLU for nearest + conv):

# %%
kinds = {"pixel shuffle": lambda: PixelShuffleUpsampler(64, 4),
         "nearest + conv": lambda: NearestConvUpsampler(64, 4),
         "transposed conv": lambda: TransposedConvUpsampler(64, 4)}
for name, make in kinds.items():
    print(f"{name:<16} {count_parameters(make()):>8,d} parameters")

# %% [markdown]
# What each costs, counted from the layers' shapes (multiply-adds of the convolutions on one
# 32 x 32 map of 64 features), and timed (forward + backward on a batch of 16; machine
# dependent, so not compared by CI):

# %%
def multiplies(module, feat):
    """Multiply-adds of module's (transposed) convolutions on feat, counted from their shapes."""
    total = 0

    def count(layer, inputs, output):
        nonlocal total
        taps = layer.kernel_size[0] * layer.kernel_size[1] * layer.in_channels * layer.out_channels
        # a conv computes every output pixel; a transposed conv scatters every input pixel
        where = output if isinstance(layer, nn.Conv2d) else inputs[0]
        total += taps * where.shape[0] * where.shape[-2] * where.shape[-1]

    hooks = [m.register_forward_hook(count) for m in module.modules()
             if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    with torch.no_grad():
        module(feat)
    for hook in hooks:
        hook.remove()
    return total


one_map = torch.randn(1, 64, 32, 32)
for name, make in kinds.items():
    macs = multiplies(make(), one_map)
    per_pixel = macs / (64**2 * (32 * 32 + 64 * 64))  # the two x2 stages see 32^2 and 64^2 input pixels
    print(f"{name:<16} {macs / 1e6:5.0f} M multiply-adds: {per_pixel:.0f} C^2 per input pixel of each x2 stage")

# %% tags=["nbval-ignore-output"]
import copy


def clock():
    """Wall-clock time on a GPU; on a CPU, this process's CPU time, which other programs do not add to."""
    if device.type == "cuda":
        torch.cuda.synchronize()
        return time.perf_counter()
    return time.process_time()


def step_time(layer, x, reps=3):
    """Seconds of the fastest of reps forward + backward steps of layer on x, after a warm-up step."""
    layer(x).mean().backward()  # warm-up
    times = []
    for _ in range(reps):
        start = clock()
        layer(x).mean().backward()
        times.append(clock() - start)
    return min(times)


def time_by_layer(module, feat, reps=2):
    """Forward + backward time of each layer of module alone, on a tensor of the shape it sees there."""
    seen = []
    hooks = [m.register_forward_hook(lambda m, inputs, output: seen.append((m, inputs[0].shape)))
             for m in module.modules() if not list(m.children())]
    with torch.no_grad():
        module(feat)
    for hook in hooks:
        hook.remove()
    times = {}
    for layer, shape in seen:
        layer = copy.deepcopy(layer)
        if hasattr(layer, "inplace"):
            layer.inplace = False  # alone, an in-place activation would write into its leaf input
        kind = "convolutions" if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)) else type(layer).__name__
        x = torch.randn(shape, device=feat.device, requires_grad=True)
        times[kind] = times.get(kind, 0.0) + step_time(layer, x, reps)
    return times


feat = torch.randn(16, 64, 32, 32, device=device)
split = {}
for name, make in kinds.items():
    module = make().to(device)
    whole = step_time(module, feat)
    parts = time_by_layer(module, feat)
    split[name] = parts["convolutions"], sum(parts.values()) - parts["convolutions"]
    print(f"{name:<16} {whole * 1e3:5.0f} ms per step; each layer alone: "
          + ", ".join(f"{kind} {t * 1e3:.0f}" for kind, t in parts.items()) + " ms")
(ps_conv, ps_rest), (nc_conv, nc_rest) = split["pixel shuffle"], split["nearest + conv"]
print(f"pixel shuffle / nearest + conv: convolutions {ps_conv / nc_conv:.2f}x, "
      f"the layers without multiplies {ps_rest / nc_rest:.2f}x")

# %% [markdown]
# Pixel shuffle convolves at LR resolution and makes 4x the channels. Nearest + conv
# convolves at twice the resolution with a quarter of the weights. The two come to the same
# number of multiply-adds (the count above); the transposed conv needs fewer than half as
# many. The timing splits each step by layer: on a CPU it counts this process's CPU time, the
# fastest of three steps, so that other programs on the machine do not add to it. Its last
# line compares pixel shuffle with nearest + conv. Their convolutions, which do the same
# multiply-adds, take similar times (a ratio near 1). The layers that do no multiplies, the
# activation and the shuffle or the nearest copy, take longer in pixel shuffle (a ratio above
# 1): PReLU, for one, also computes a gradient for its 64 slopes in the backward pass, which
# LeakyReLU does not have. That is where the totals part. Timings depend on the machine; the
# counts do not.
#
# ## 3. Checkerboard artefacts
#
# An x2 upsampler makes four output pixels from each LR pixel. If it computes them with
# different weights, it can stamp a pattern that repeats every 2 pixels (every 4 after two
# x2 stages). A sub-pixel conv whose four sub-kernels differ does this, and so does the 4x4
# transposed conv, which is one. A transposed conv whose kernel overlaps unevenly does it
# too (Odena et al. 2016, "Deconvolution and Checkerboard Artifacts",
# distill.pub/2016/deconv-checkerboard).
#
# We look for the pattern in what the network *adds* to bicubic. The networks of section 4
# learn a residual over MATLAB bicubic: their output is $\mathrm{bicubic}(x) + r(x)$, so a
# checkerboard, if there is one, is in $r$. A pattern that repeats every 2 or 4 pixels puts
# sharp peaks into the spectrum, exactly at the frequencies $kN/4$, where $N$ is the side of
# the square we measure. A natural image's spectrum is much smoother there.
#
# So we measure the **grid contrast**. For each of the 15 frequencies $(kN/4, lN/4)$ other
# than $(0, 0)$, the mean, we divide its power by the median power of the frequencies around
# it. The grid contrast is the average of these 15 ratios. Three details keep it fair:
# - we measure a central square of the image, because zero padding changes the borders
#   whatever the upsampler;
# - a Hann window keeps the square's edges from leaking power onto the axes of the spectrum;
# - a ratio does not depend on how strong the residual is, so untrained networks, whose
#   residuals are tiny and arbitrary, compare with trained ones.
#
# A checkerboard gives hundreds or more. The photo itself scores about 5 (printed below; the
# figure after it shows where that comes from), and so does the residual the networks should
# learn, HR minus bicubic: our reference. We call a contrast above 10, twice the photo's, a
# pattern. That threshold is our choice, not a law.

# %%
from srlib.data import imresize, sample_dataset
from srlib.models import UpsamplerTestbed
from srlib.pretrained.upsamplers import SEEDS, VARIANTS, build_testbed


def grid_spectrum(img):
    """The 4 x 4 grid frequencies (k N/4, l N/4) of the central square of img, (1, 3, H, W).

    Returns (ratios, amplitudes): each frequency's power over the median power of its
    neighbours (R, G and B summed; nan at (0, 0), the mean), and the amplitude of the
    frequency in the mean of R, G and B, in 8-bit levels (the Hann window's gain divided out).
    """
    img = img[0].detach().cpu().double()
    side = min(img.shape[-2:]) // 2 // 8 * 8  # a central square, a multiple of 8
    top, left = (img.shape[-2] - side) // 2, (img.shape[-1] - side) // 2
    centre = img[:, top:top + side, left:left + side]  # (3, side, side)
    hann = torch.hann_window(side, periodic=False, dtype=torch.float64)
    window = hann[:, None] * hann[None, :]  # (side, side)
    spectrum = torch.fft.fft2((centre - centre.mean(dim=(1, 2), keepdim=True)) * window)  # (3, side, side)
    power = (spectrum.abs() ** 2).sum(0)  # (side, side)
    grey = spectrum.mean(0).abs() / window.sum()  # (side, side): |F| of the mean of R, G, B, per unit amplitude
    step = side // 4
    ratios, amplitudes = np.full((4, 4), np.nan), np.full((4, 4), np.nan)
    for i, u in enumerate(range(0, side, step)):
        for j, v in enumerate(range(0, side, step)):
            if (u, v) == (0, 0):
                continue  # the mean, not a pattern
            # a cosine of amplitude a shows |F| = a/2 at +f and at -f; at 0 and N/2 the two coincide
            amplitudes[i, j] = 255 * grey[u, v] * (1 if {i, j} <= {0, 2} else 2)
            around = [power[(u + du) % side, (v + dv) % side] for du in range(-3, 4) for dv in range(-3, 4)
                      if max(abs(du), abs(dv)) >= 2]  # a ring: the peak's own window-smeared bins excluded
            ratios[i, j] = float(power[u, v] / torch.stack(around).median())
    return ratios, amplitudes


def grid_contrast(img):
    """The mean of the 15 ratios of grid_spectrum: about 1 to 5 for a photo, hundreds for a checkerboard."""
    return float(np.nanmean(grid_spectrum(img)[0]))


def residual(net, img_lr):
    """What net adds to MATLAB bicubic: (3, h, w) -> (1, 3, 4h, 4w)."""
    with torch.no_grad():
        img_lr = img_lr[None].to(device)
        return (net(img_lr) - imresize(img_lr, 4)).cpu()


CHECKERBOARD = 10  # about twice the photo's own grid contrast: our threshold for a pattern
val_set = sample_dataset("val", scale=4)
photo_lr, photo_hr = val_set[0]  # a held-out photo, (3, h, w) and (3, 4h, 4w)
photo_bic = imresize(photo_lr[None].double(), 4).float()  # (1, 3, 4h, 4w), MATLAB bicubic
target_contrast = grid_contrast(photo_hr[None] - photo_bic)  # the residual to learn
untrained = {name: [build_testbed(name, seed).to(device) for seed in SEEDS] for name in VARIANTS}
init_contrast = {name: [grid_contrast(residual(net, photo_lr)) for net in nets] for name, nets in untrained.items()}
print(f"grid contrast on {val_set.names[0]}: HR photo {grid_contrast(photo_hr[None]):.3g}; "
      f"the residual to learn, HR - MATLAB bicubic, {target_contrast:.3g}")
print("residuals of untrained networks (random weights), seeds 0/1/2:")
for name, values in init_contrast.items():
    print(f"  {name:<22}" + " / ".join(f"{v:8.3g}" for v in values))
print(f"above {CHECKERBOARD} with every seed (a checkerboard before any training): "
      + (", ".join(n for n, v in init_contrast.items() if min(v) > CHECKERBOARD) or "none"))

# %% [markdown]
# Why does the photo score 5 and not 1 or 2? The grid contrast is a mean of 15 ratios, so one
# large ratio can carry it. The map below shows all 15, for the photo and for the residual to
# learn, on a log colour scale; then the largest, and the same frequency in each colour
# channel alone.

# %%
def draw_ratio_maps(maps, title):
    """One 4 x 4 map of grid_spectrum's ratios per image, on one log colour scale."""
    fig, axes = plt.subplots(1, len(maps), figsize=(3.2 * len(maps) + 1.2, 3.6), constrained_layout=True)
    ticks = ["0", "N/4", "N/2", "3N/4"]
    for ax, (name, ratios) in zip(np.atleast_1d(axes), maps.items()):
        im = ax.imshow(np.log10(ratios), cmap="viridis", vmin=-1, vmax=3)
        for (i, j), ratio in np.ndenumerate(ratios):
            if not np.isnan(ratio):
                ax.text(j, i, f"{ratio:.3g}", ha="center", va="center", fontsize=8,
                        color="white" if ratio < 30 else "black")
        ax.set_xticks(range(4), ticks)
        ax.set_yticks(range(4), ticks)
        ax.set(xlabel="column frequency", ylabel="row frequency",
               title=f"{name}\nmean of the 15: {np.nanmean(ratios):.3g}")
    fig.colorbar(im, ax=axes, label="log10(power / median of neighbours)")
    fig.suptitle(title)
    plt.show()


photo_ratios, photo_amplitudes = grid_spectrum(photo_hr[None])
draw_ratio_maps({f"HR photo ({val_set.names[0]})": photo_ratios,
                 "target: HR - bicubic": grid_spectrum(photo_hr[None] - photo_bic)[0]},
                "Grid contrast, frequency by frequency (N/2: repeats every 2 pixels; N/4, 3N/4: every 4)")
top = np.unravel_index(np.nanargmax(photo_ratios), photo_ratios.shape)
others = np.delete(photo_ratios[~np.isnan(photo_ratios)], np.nanargmax(photo_ratios) - 1)
print(f"largest ratio: {photo_ratios[top]:.1f} at (row, column) frequency ({top[0]}N/4, {top[1]}N/4), "
      f"amplitude {photo_amplitudes[top]:.2f} of 255 levels; the other 14 average {others.mean():.1f}, "
      f"and {int((others < 4).sum())} of them are below 4")
for c, colour in enumerate(("red", "green", "blue")):
    ratios, amplitudes = grid_spectrum(photo_hr[None, c:c + 1])
    print(f"  {colour:<5} channel alone: ratio {ratios[top]:5.1f}, amplitude {amplitudes[top]:.2f} levels")
print(f"largest amplitude at these 15 frequencies: MATLAB bicubic {np.nanmax(grid_spectrum(photo_bic)[1]):.4f}, "
      f"HR photo {np.nanmax(photo_amplitudes):.2f} levels")

# %% [markdown]
# One frequency carries the photo's score: the one that repeats every 2 columns (row
# frequency 0, column frequency $N/2$), at 33 times its neighbours. Without it, the other 14
# ratios average about 3. In pixels it is faint: an alternation of about a tenth of a level
# from one column to the next in the mean of R, G and B. It stands out most in blue and red
# and least in green. A colour camera's Bayer filter tends to leave such traces: it measures
# green at every other pixel but red and blue only on every other row and column, and
# interpolates the rest. The file cannot tell us its history, so take that as a likely cause,
# not a finding.
#
# The residual to learn scores the same as the photo, frequency by frequency, because
# bicubic adds almost nothing at these frequencies (last line: amplitudes of thousandths of
# a level). They are all above the highest frequency a x4 LR image holds ($N/8$), so in HR
# minus bicubic they come from the photo alone.
#
# Now the residuals themselves: the target, and the four upsamplers before any training.

# %%
h, w = photo_hr.shape[-2:]
box = (slice(h // 2 - 24, h // 2 + 24), slice(w // 2 - 24, w // 2 + 24))  # a 48 x 48 crop of the centre
crops = {"target: HR - bicubic": (photo_hr[None] - photo_bic, target_contrast)}
crops |= {name: (residual(nets[0], photo_lr), init_contrast[name][0]) for name, nets in untrained.items()}
fig, axes = plt.subplots(1, len(crops), figsize=(3.0 * len(crops), 3.8))
for ax, (name, (res, contrast)) in zip(axes, crops.items()):
    res = res[0].mean(0)[box]  # (48, 48), the mean of R, G and B
    res = res - res.mean()  # an untrained net's constant offset would hide its structure
    limit = float(res.abs().max())  # each panel its own scale: untrained residuals are tiny
    ax.imshow(res.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_title(f"{name}\ngrid contrast {contrast:.3g}", fontsize=10)
    ax.axis("off")
fig.suptitle(f"residual over bicubic on {val_set.names[0]}, 48 x 48 centre crop (the contrast is measured on the "
             "central square around it): the target, then four untrained networks\n(seed 0; mean removed; "
             "red +, blue -, each panel scaled to its own range)")
plt.tight_layout(rect=(0, 0, 1, 0.9))
plt.show()

# %% [markdown]
# An upsampler whose four output positions per LR pixel are computed by different weights
# (the four sub-kernels of a sub-pixel conv or of the 4x4 transposed conv) starts with such a
# pattern. ICNR (Aitken et al. 2017, arXiv:1707.02937) initialises the sub-pixel conv so that
# the $r^2$ sub-kernels of each output channel are equal: the layer starts as
# nearest-neighbour upsampling. Its panel and nearest + conv's show streaks and blocks whose
# values change from place to place, but nothing that repeats every 2 or 4 pixels, so the
# grid contrast stays at or below the photo's level. Compare ICNR's line in section 3's printout with
# plain pixel shuffle's. The initialisation:

# %%
show(icnr_)

# %% [markdown]
# ## 4. A controlled experiment
#
# One trunk, four upsamplers. `UpsamplerTestbed` fixes everything but the upsampler: a 3x3
# head, residual blocks without BN, the upsampler, a 3x3 conv to RGB. It learns only the
# *residual* over MATLAB bicubic (VDSR's global skip, Kim et al. 2016), the same baseline we
# score against, so a result reads as a gain in dB over bicubic and 0 *is* bicubic. Its last
# conv starts at a tenth of its usual scale, so that every variant starts near bicubic rather
# than at a random image (measured below, for seed 0: not equally near), and training refines
# bicubic instead of learning it.

# %%
show(UpsamplerTestbed)

# %% [markdown]
# Each network is scored on the three held-out images under the protocol of notebook 01
# (Y channel, border 4, 8-bit rounding), beside MATLAB bicubic. Untrained, seed 0:

# %%
from srlib.metrics import psnr

val_images = [val_set[i] for i in range(len(val_set))]


def mean_psnr_y(net):
    with torch.no_grad():
        return float(np.mean([psnr(net(lr[None].to(device)).clamp(0, 1).cpu(), hr[None]).item()
                              for lr, hr in val_images]))


bicubic_psnr = float(np.mean([psnr(imresize(lr[None].double(), 4).clamp(0, 1).float(), hr[None]).item()
                              for lr, hr in val_images]))
print(f"MATLAB bicubic: {bicubic_psnr:.2f} dB mean PSNR-Y on {len(val_images)} held-out images")
for name, nets in untrained.items():
    print(f"untrained {name:<22} {mean_psnr_y(nets[0]) - bicubic_psnr:+.3f} dB against bicubic")

# %% [markdown]
# For each of three seeds, the four variants start their trunk (`conv_first` and `body`)
# from the same random numbers and see the same patches in the same order; the upsampler,
# and the last conv, drawn after it, start from different numbers. So two variants can be
# compared *seed by seed* (a paired comparison), which removes the luck of the trunk and of
# the data that they share. Each run: L1 loss, Adam $10^{-3}$ divided by 4 after 60% and 85%
# of the iterations, on the bundled training photos:

# %%
from srlib.pretrained.upsamplers import UpsamplerRecipe, train_upsampler

show(train_upsampler)
show(UpsamplerRecipe.training_recipe)

# %% [markdown]
# Twelve such runs take about 25 minutes on one CPU core (recorded in the shipped file and
# printed two cells down), too long for this notebook under the `ci` and `cpu` profiles, so
# there we load the twelve networks the course ships (`srlib/pretrained/upsamplers/`, trained
# by the committed command `python tools/pretrain.py --only upsamplers` with this recipe). The
# function now runs the course's one training loop, `Trainer.fit`, which draws the patches in
# another order than the loop that made the shipped file, so networks trained here are others
# than those, not copies bit for bit. Set `TRAIN_HERE = True` (the default on the `gpu`
# profile) to train them here.

# %% tags=["nbval-ignore-output"]
from tqdm.auto import tqdm

from srlib.pretrained.upsamplers import UpsamplerRecipe, load_upsamplers

TRAIN_HERE = profile.name == "gpu"
if TRAIN_HERE:
    recipe, trained = UpsamplerRecipe(), {name: [] for name in VARIANTS}
    with tqdm(total=len(VARIANTS) * len(SEEDS), desc=f"{len(VARIANTS)} upsamplers x {len(SEEDS)} seeds") as bar:
        for name in VARIANTS:
            for seed in SEEDS:
                trained[name].append(train_upsampler(name, seed, recipe, device))
                bar.update(1)
else:
    trained, recipe, shipped = load_upsamplers(device=device)

# %%
print(recipe)
if TRAIN_HERE:
    print(f"trained here on {device}")
else:
    cpu_minutes = sum(run["training_seconds"] for runs in shipped["runs"].values() for run in runs) / 60
    print(f"loaded the {sum(map(len, trained.values()))} shipped networks, trained by `{shipped['command']}` "
          f"in {cpu_minutes:.0f} minutes on {shipped['device']}")

# %% [markdown]
# The trained networks, scored as above. `std` is the sample standard deviation over the
# three seeds (divided by $n - 1$).

# %%
gains = {name: [mean_psnr_y(net) - bicubic_psnr for net in nets] for name, nets in trained.items()}
print(f"{recipe.iters} iterations x batch {recipe.batch_size}, HR patch {recipe.hr_patch}, width "
      f"{recipe.num_feat}, {recipe.num_block} blocks; MATLAB bicubic {bicubic_psnr:.2f} dB")
print(f"{'upsampler':<22}{'parameters':>11}{'gain over bicubic (dB), seeds 0/1/2':>38}{'mean':>8}{'std':>7}")
for name, values in gains.items():
    print(f"{name:<22}{count_parameters(trained[name][0]):>11,d}{' / '.join(f'{v:+.3f}' for v in values):>38}"
          f"{np.mean(values):+8.3f}{np.std(values, ddof=1):7.3f}")

# %% [markdown]
# Seed by seed: each variant minus nearest + conv (ESRGAN's upsampler), with the same trunk
# initialisation and the same patches (from the unrounded gains). A difference with the same
# sign for every seed and a mean at least twice its standard deviation is what we call a
# ranking here; with three seeds that is a rule of thumb, not a significance test.

# %%
reference = "nearest + conv"
paired = {name: np.array(gains[name]) - np.array(gains[reference]) for name in gains if name != reference}


def separable(diff):
    return bool((np.all(diff > 0) or np.all(diff < 0)) and abs(diff.mean()) >= 2 * diff.std(ddof=1))


print(f"{'minus ' + reference:<22}{'per seed (dB)':>30}{'mean':>8}{'std':>7}  verdict")
for name, diff in paired.items():
    verdict = ("better" if diff.mean() > 0 else "worse") if separable(diff) else "not separable"
    print(f"{name:<22}{' / '.join(f'{d:+.3f}' for d in diff):>30}{diff.mean():+8.3f}{diff.std(ddof=1):7.3f}"
          f"  {verdict}")

SEED_MARKERS = ("o", "s", "^")  # seed 0, 1, 2
fig, ax = plt.subplots(figsize=(8, 2.6))
for row, (name, diff) in enumerate(paired.items()):
    for seed, d in zip(SEEDS, diff):
        ax.scatter(d, row, marker=SEED_MARKERS[seed], color="tab:blue", s=40, label=f"seed {seed}" if row == 0 else None)
    ax.plot([diff.mean()] * 2, [row - 0.25, row + 0.25], color="black")
ax.axvline(0, color="gray", linestyle="--")
ax.set_yticks(range(len(paired)), list(paired))
ax.set(xlabel=f"gain minus {reference}'s, same seed (dB); black tick = mean", title="paired differences")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
plt.tight_layout()
plt.show()

# %% [markdown]
# Did training remove the grid? The same measurement as section 3, on the residual each
# trained network adds to bicubic, seed by seed, beside its untrained value:

# %%
names = list(gains)
trained_contrast = {name: [grid_contrast(residual(net, photo_lr)) for net in trained[name]] for name in names}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.2), constrained_layout=True)
ax1.barh(names, [np.mean(gains[n]) for n in names], xerr=[np.std(gains[n], ddof=1) for n in names],
         color="tab:blue", capsize=4, label="mean gain \u00b1 std over the seeds")
for row, name in enumerate(names):
    ax1.scatter(gains[name], [row] * len(SEEDS), color="black", s=12, zorder=3,
                label="one seed" if row == 0 else None)
ax1.axvline(0, color="gray", linestyle="--", linewidth=2, label=f"MATLAB bicubic ({bicubic_psnr:.2f} dB)")
reach = max(max(v) for v in gains.values())
ax1.set_xlim(min(0, *[min(v) for v in gains.values()]) - 0.05 * reach, 1.1 * reach)
ax1.set(xlabel="held-out PSNR-Y gain over bicubic (dB)", title=f"PSNR after {recipe.iters} iterations")
ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=9)
for offset, values, style, label in ((0.15, init_contrast, dict(facecolors="none", edgecolors="tab:gray"), "untrained"),
                                     (-0.15, trained_contrast, dict(color="tab:blue"), "trained")):
    for row, name in enumerate(names):
        for seed, value in zip(SEEDS, values[name]):
            ax2.scatter(value, row + offset + 0.06 * (seed - 1), marker=SEED_MARKERS[seed], s=30, **style,
                        label=f"{label}, seed {seed}" if row == 0 else None)
ax2.axvline(target_contrast, color="tab:green", linestyle="--", label=f"target: HR - bicubic ({target_contrast:.1f})")
ax2.axvline(CHECKERBOARD, color="black", linestyle=":", label=f"checkerboard threshold ({CHECKERBOARD})")
ax2.set_yticks(range(len(names)), names)
ax2.set_xscale("log")
ax2.set(xlabel="grid contrast of the residual (log scale)", title=f"grid pattern in the residual, {val_set.names[0]}")
ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8)
plt.show()
for name in names:
    print(f"{name:<22} untrained " + " / ".join(f"{v:8.3g}" for v in init_contrast[name])
          + "   trained " + " / ".join(f"{v:5.3g}" for v in trained_contrast[name]))
print(f"target (HR - bicubic) {target_contrast:.3g}")

# %% [markdown]
# A pattern is easiest to see where the photo is smooth. Below: the smoothest 48 x 48 region
# of the central square that the grid contrast measures (found by the code), as each trained network's
# output, and its residual over bicubic, the four networks on one shared scale so that their
# amplitudes compare (the target on its own scale; the titles give each scale in 8-bit
# levels).

# %%
hr_mean = photo_hr.mean(0)  # (H, W): the mean of R, G and B
detail = (hr_mean[1:, 1:] - hr_mean[:-1, 1:]) ** 2 + (hr_mean[1:, 1:] - hr_mean[1:, :-1]) ** 2
side = min(h, w) // 2 // 8 * 8  # the central square that grid_contrast measures
square_top, square_left = (h - side) // 2, (w - side) // 2
inner = detail[square_top:square_top + side - 1, square_left:square_left + side - 1]
window = F.avg_pool2d(inner[None, None], 48, stride=8)[0, 0]
top, left = divmod(int(window.argmin()), window.shape[1])
top, left = square_top + 8 * top, square_left + 8 * left
box = (slice(top, top + 48), slice(left, left + 48))
panels = {"HR photo": (photo_hr[None], photo_hr[None] - photo_bic)}
with torch.no_grad():
    for name in names:
        out = trained[name][0](photo_lr[None].to(device)).cpu()
        panels[name] = (out, out - photo_bic)
shared = max(float(res[0].mean(0)[box].abs().max()) for name, (out, res) in panels.items() if name != "HR photo")
fig, axes = plt.subplots(2, len(panels), figsize=(3.0 * len(panels), 6.6))
for col, (name, (out, res)) in enumerate(panels.items()):
    axes[0, col].imshow(out[0].clamp(0, 1).permute(1, 2, 0).numpy()[box], interpolation="nearest")
    axes[0, col].set_title(name if col == 0 else f"{name}, seed 0\ngrid contrast {trained_contrast[name][0]:.1f}",
                           fontsize=10)
    res = res[0].mean(0)[box]
    limit = float(res.abs().max()) if col == 0 else shared
    axes[1, col].imshow(res.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    axes[1, col].set_title(f"{'HR' if col == 0 else 'output'} - bicubic\n(scale \u00b1{255 * limit:.1f} of 255 levels)",
                           fontsize=10)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle(f"{val_set.names[0]}: the smoothest 48 x 48 HR region of the measured central square, top-left "
             f"corner at row {top}, column {left} (HR pixels)")
plt.tight_layout(rect=(0, 0, 1, 0.95), h_pad=2.0)
plt.show()

# %% [markdown]
# Read the bottom row against section 3's figure, where the untrained pixel shuffle and
# transposed conv residuals were a regular 2/4-pixel grid from edge to edge. Here the four
# trained residuals look alike, yet pixel shuffle's grid contrast is 18.2 and nearest +
# conv's 2.9. The frequency maps show where the difference is, and the amplitude of the
# strongest grid frequency says why the eye cannot see it:

# %%
draw_ratio_maps({name: grid_spectrum(residual(trained[name][0], photo_lr))[0] for name in names},
                f"Trained residuals on {val_set.names[0]}, seed 0, frequency by frequency")
print("the grid frequency with the largest ratio, seeds 0/1/2: its ratio, the mean of the other 14, and its "
      "amplitude in 8-bit levels; the residual's own std for scale:")
for name in names:
    cells, spread = [], []
    for net in trained[name]:
        res = residual(net, photo_lr)  # (1, 3, H, W)
        ratios, amplitudes = grid_spectrum(res)
        peak = np.unravel_index(np.nanargmax(ratios), ratios.shape)
        rest = (np.nansum(ratios) - ratios[peak]) / 14
        cells.append(f"({peak[0]}, {peak[1]})N/4: {ratios[peak]:.3g}, {rest:.2g}, {amplitudes[peak]:.3f}")
        spread.append(255 * res.std().item())
    print(f"  {name:<22}" + " / ".join(cells) + f"   std {np.mean(spread):.1f}")

# %% [markdown]
# Most of pixel shuffle's 18.2 (seed 0) is one frequency: $(N/2, N/2)$, the 2 x 2
# checkerboard, at about 160 times its neighbours; its other 14 ratios average about 8. Its
# amplitude is thousandths of a level, where the residual itself varies by a few levels: far
# below what an 8-bit image can show, which is why the panels above look alike. The grid
# contrast finds it because, at the highest frequency, a trained residual has almost no other
# power to hide it. Every trained network has such a peak somewhere: its strongest grid
# frequency stands 14 to 160 times above its neighbours, nearest + conv's included, which never
# had a grid, with amplitudes of at most a few hundredths of a level. So after training a
# contrast above 10 marks a peak in the spectrum, not a visible artefact; untrained, plain
# pixel shuffle and the transposed conv had contrasts in the thousands and grids you could see
# (section 3).
#
# ### What this run says
# The conclusion below is computed from the tables above, not written in advance. Its last
# lines compare the run with a claim from the *source documents*: the five write-ups, numbered
# 000 to 004, that the course was commissioned from. They are not part of this repository,
# and they contain errors, which the notebooks reproduce as pitfalls. Document 001, a Keras
# SRGAN tutorial, reports that pixel shuffle beats `UpSampling2D` by 0.78 dB.

# %%
means = {n: float(np.mean(gains[n])) for n in names}
stds = {n: float(np.std(gains[n], ddof=1)) for n in names}
print(f"mean gains over bicubic from {min(means.values()):+.3f} to {max(means.values()):+.3f} dB, a range of "
      f"{max(means.values()) - min(means.values()):.3f} dB; seed std from {min(stds.values()):.3f} "
      f"({min(stds, key=stds.get)}) to {max(stds.values()):.3f} dB ({max(stds, key=stds.get)})")
print("above bicubic with every seed: " + (", ".join(n for n in names if min(gains[n]) > 0) or "none"))
for name, diff in paired.items():
    print(f"{name} vs {reference}: {diff.mean():+.3f} dB, ahead on {int((diff > 0).sum())} of {len(diff)} seeds, "
          + (("better" if diff.mean() > 0 else "worse") if separable(diff)
             else "not separable from it with three seeds"))
print(f"pixel shuffle minus nearest + conv here: {means['pixel shuffle'] - means[reference]:+.3f} dB "
      "(document 001's +0.78 dB had another baseline, data and protocol: not comparable)")
print(f"grid contrast on {val_set.names[0]} (target {target_contrast:.1f}), above {CHECKERBOARD} with every seed, "
      "untrained: " + (", ".join(n for n in names if min(init_contrast[n]) > CHECKERBOARD) or "none")
      + "; trained, with any seed: "
      + (", ".join(n for n in names if max(trained_contrast[n]) > CHECKERBOARD) or "none"))
for name in names:
    print(f"  {name:<22} untrained {np.mean(init_contrast[name]) / target_contrast:7.1f} x the target, trained "
          f"{np.mean(trained_contrast[name]) / target_contrast:4.1f} x (means over the seeds)")

# %% [markdown]
# How to read it. Document 001 trains its Keras SRGAN twice: once with pixel shuffle, once
# with `UpSampling2D(size=2)` in its place. It reports 25.78 against 25.0 dB on DIV2K after
# 500 epochs, from one run each. Its images were resized to 224 x 224 and scored without the
# Y-channel protocol (notebooks 04 and 08 reproduce those two errors). It does not say what
# else changed with the upsampler. One run per variant gives no noise level at all, and a
# baseline that differs in more than the upsampler could explain the gap by itself.
#
# Here the trunk, the data, their order and the budget are the same. Three seeds give the
# noise level, and each variant is compared with nearest + conv seed by seed. In the stored
# run no variant separates from nearest + conv. Whatever the upsampler changes at this size
# and budget is a few hundredths of a dB, too small to resolve with three seeds and three
# images (the conclusion counts how many seeds each variant was ahead). That does not refute
# a gap at full scale (64 features, DIV2K, hundreds of thousands of iterations); this
# experiment cannot test one. It shows what a claim from one run each would need before it
# counts. Pixel shuffle also has more parameters at the same width, because its convs make
# $4C$ channels, so an edge for it would not be the reshape's alone.
#
# The grid measurements say what the upsampler does to the *picture*, on one photo
# (chelsea). Plain pixel shuffle and the 4x4 transposed conv start with independent weights
# for their four sub-positions, and with a grid contrast hundreds of times the target's. L1
# training brought both close to the photo's own level. One seed of plain pixel shuffle
# stays above the threshold, with a checkerboard of thousandths of a level (the amplitudes
# above), no stronger than the peaks of the others. ICNR and nearest + conv start without a grid. ICNR's advantage is at
# initialisation; where training takes each of them is in the conclusion's last lines.
#
# ESRGAN's released RRDBNet upsamples by nearest interpolation + conv (`upconv1`/`upconv2`
# in its code); the paper gives no reason. Odena et al. (2016) recommend exactly this
# "resize-convolution" against checkerboards. They show checkerboards most clearly in images
# made by GAN generators, a setting this L1 experiment does not test.

# %% [markdown]
# ## Predict, then run
# 1. Before running section 3 with an extra variant, predict: is a *transposed* conv initialised
#    so that its four sub-kernels are equal (the ICNR idea applied to it) free of checkerboards?
# 2. Predict the parameter count of a x3 pixel-shuffle stage at 64 features ($C \to 9C$, 3x3 conv,
#    then a PReLU with 64 slopes), then check it with `count_parameters(PixelShuffleUpsampler(64, 3))`.
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
# - C. Ledig et al. (SRGAN), [arXiv:1609.04802](https://arxiv.org/abs/1609.04802): Sec. 2.1 (sub-pixel layers).
# - J. Kim, J. K. Lee and K. M. Lee, *Accurate Image Super-Resolution Using Very Deep
#   Convolutional Networks* (VDSR, the global residual skip), CVPR 2016,
#   [arXiv:1511.04587](https://arxiv.org/abs/1511.04587).
# - X. Wang et al. (ESRGAN), [arXiv:1809.00219](https://arxiv.org/abs/1809.00219); reference code
#   github.com/xinntao/ESRGAN (`RRDBNet_arch.py`: nearest interpolation + conv).

# %% [markdown]
# ## What to remember
# - Pixel shuffle is a reshape + permute; the conv before it does the work at LR resolution.
# - Pixel shuffle and nearest + conv cost the same multiplies, and their convolutions take
#   about the same time; their totals differ in the layers that do no multiplies. The 4x4
#   transposed conv is a sub-pixel conv in disguise.
# - Untrained, plain pixel shuffle and the 4x4 transposed conv stamp a 2/4-pixel checkerboard
#   on a natural photo (section 3); ICNR and nearest + conv start without one, so training does
#   not have to remove it. Here L1 training removed it: after training every upsampler's
#   grid frequencies hold at most a few hundredths of a level, peaks in the spectrum but
#   nothing the eye can see. ICNR's edge is at the start, not necessarily at the end.
# - A grid contrast is a mean of 15 ratios: read the frequency map behind it. The photo's 5
#   comes from one frequency that repeats every 2 columns.
# - Compare upsamplers with the same trunk, data, order and budget, several seeds, and
#   seed-by-seed differences before drawing conclusions: in the stored run no upsampler
#   separated from nearest + conv, and a table of one run each (document 001's) has no noise
#   level to compare its gap with.
#
# **Exercise:** [exercise 03](../exercises/ex03_pixel_shuffle.ipynb) (pixel shuffle by reshape/permute).
