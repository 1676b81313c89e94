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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/notebooks/01_data_preparation.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # 01 · Data preparation: degradation, patches, augmentation, and the evaluation protocol
#
# **Goals**
# 1. Make LR images the way the literature does (MATLAB bicubic) and see what PIL or
#    PyTorch bicubic would change.
# 2. Cut aligned LR/HR patches and augment them with the 8 dihedral transforms.
# 3. Understand why training reads sub-images, from a measured decode cost.
# 4. Compute PSNR/SSIM exactly as published tables do, and see what each shortcut costs.
#
# Prerequisites: notebook 00. Runtime: under a minute on a CPU.

# %%
from srlib.course import setup, show

profile, device = setup(seed=0)

# %% [markdown]
# ## 1. The degradation model
#
# A super-resolution data set is a set of HR photographs; the LR inputs are *made*
# from them. The SRGAN and ESRGAN papers, and every benchmark table, use
#
# $$I^{LR} = \mathrm{imresize}_{\text{MATLAB}}\big(\mathrm{modcrop}(I^{HR}, s),\ 1/s,\ \text{bicubic}\big),$$
#
# where `modcrop` trims H and W to multiples of the scale $s$. MATLAB's bicubic uses
# Keys' cubic kernel with $a=-0.5$,
#
# $$W(x) = \begin{cases} 1.5|x|^3 - 2.5|x|^2 + 1 & |x| \le 1 \\ -0.5|x|^3 + 2.5|x|^2 - 4|x| + 2 & 1 < |x| \le 2 \\ 0 & \text{otherwise,} \end{cases}$$
#
# stretched by $1/s$ when shrinking (antialiasing: each LR pixel averages a $4s$-wide
# neighbourhood) and mirrored at the borders. `srlib.data.imresize` reproduces it:

# %%
from srlib.data import imresize
from srlib.data.imresize import contributions

show(contributions)

# %% [markdown]
# For $s = 1/2$ each output pixel mixes 8 input pixels; the weights are the cubic kernel
# sampled at distances $\pm 0.5, \pm 1.5, \pm 2.5, \pm 3.5$, halved:

# %%
import numpy as np

indices, weights = contributions(in_len=16, out_len=8, scale=0.5)
print("input pixels of output pixel 3:", indices[3].tolist())
print("weights:", np.round(weights[3], 5).tolist(), " sum =", round(weights[3].sum(), 6))

# %% [markdown]
# ## 2. MATLAB versus PIL versus PyTorch bicubic
#
# Three "bicubic" functions, possibly three different LR images. Pillow's `resize`
# antialiases with a stretched kernel too (older versions and OpenCV do not);
# `torch.nn.functional.interpolate(mode="bicubic")` uses $a=-0.75$ and no antialiasing
# unless asked. We make LR images of the held-out photos each way, and
# measure how far they are from MATLAB's and how they change the *bicubic baseline* PSNR
# (LR upscaled back with MATLAB bicubic, measured under the protocol of section 5).

# %%
import torch
import torch.nn.functional as F
from PIL import Image

from srlib.data import mod_crop, sample_photos
from srlib.metrics import psnr


def lr_pil(img_hr, s=4):
    h, w = img_hr.shape[:2]
    return np.asarray(Image.fromarray(img_hr).resize((w // s, h // s), Image.BICUBIC))


def lr_torch(img_hr, s=4, antialias=False):
    x = torch.from_numpy(img_hr).permute(2, 0, 1)[None].float() / 255
    y = F.interpolate(x, scale_factor=1 / s, mode="bicubic", align_corners=False, antialias=antialias)
    return (y[0].permute(1, 2, 0).clamp(0, 1) * 255).round().byte().numpy()


makers = {"MATLAB (srlib)": lambda im: imresize(im, 1 / 4), "PIL": lr_pil,
          "torch": lr_torch, "torch antialias": lambda im: lr_torch(im, antialias=True)}
photos = {name: mod_crop(img, 4) for name, img in sample_photos("val").items()}
print(f"{'LR made by':<16} {'PSNR vs MATLAB LR':>18} {'bicubic baseline':>17} {'shift':>7}")
shifts = {}
reference = np.mean([psnr(imresize(imresize(im, 1 / 4), 4), im) for im in photos.values()])
for label, make in makers.items():
    vs_matlab = np.mean([psnr(make(im), imresize(im, 1 / 4), crop_border=0) for im in photos.values()])
    baseline = np.mean([psnr(imresize(make(im), 4), im) for im in photos.values()])
    vs_text = "identical" if np.isinf(vs_matlab) else f"{vs_matlab:.2f} dB"
    print(f"{label:<16} {vs_text:>18} {baseline:>14.2f} dB {baseline - reference:+7.2f}")
    shifts[label] = baseline - reference
worst = min(shifts, key=shifts.get)
print(f"largest shift of the bicubic baseline: {worst}, {shifts[worst]:+.2f} dB")

# %%
import matplotlib.pyplot as plt

img = photos["chelsea"]
lr_m = imresize(img, 1 / 4).astype(float)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
for ax, label in zip(axes, ["PIL", "torch", "torch antialias"]):
    diff = np.abs(makers[label](img).astype(float) - lr_m).mean(axis=2)
    im = ax.imshow(diff, cmap="magma", vmin=0, vmax=8)
    ax.set_title(f"|{label} - MATLAB| (8-bit levels)")
    ax.axis("off")
fig.colorbar(im, ax=axes, shrink=0.8, label="mean absolute difference, 8-bit levels")
plt.show()

# %% [markdown]
# Read the table: Pillow's antialiased bicubic lands within a fraction of a level of
# MATLAB's on these photos, but plain torch bicubic (no antialiasing) aliases, and its LR
# images move the bicubic baseline by about a dB: more than the gap between many
# published methods. A course whose LR came from such a function would compare itself
# unfairly with every paper, so `srlib` makes LR with its MATLAB-exact `imresize` and
# tests it against the kernel weights above.
#
# ## 3. Aligned crops and the 8 dihedral augmentations
#
# Training uses small patches: an LR patch of $p \times p$ and the HR patch of
# $sp \times sp$ that it came from. The HR corner is the LR corner times $s$:

# %%
from srlib.data import dihedral, paired_random_crop

# %%
img_hr = photos["chelsea"]
img_lr = imresize(img_hr, 1 / 4)
rng = np.random.default_rng(0)
lr_patch, hr_patch = paired_random_crop(img_lr, img_hr, lr_patch=24, scale=4, rng=rng)
print("LR patch", lr_patch.shape, "HR patch", hr_patch.shape)
top, left = 10, 40  # a crop whose HR corner is NOT the LR corner times 4
misaligned = img_hr[top * 4 + 2: top * 4 + 98, left * 4 + 2: left * 4 + 98]
for label, hr_crop, lr_crop in (("aligned", hr_patch, lr_patch),
                                ("HR shifted by 2 px", misaligned, img_lr[top: top + 24, left: left + 24])):
    err = np.abs(imresize(hr_crop, 1 / 4).astype(int) - lr_crop)[2:-2, 2:-2]
    print(f"{label:<20} downscaled HR crop vs LR crop: mean |difference| {err.mean():.2f} levels")

# %% [markdown]
# Flips and transposes (the 8 symmetries of a square) multiply the data by 8 for free,
# and must be applied *identically* to LR and HR or the pair no longer matches:

# %%
fig, axes = plt.subplots(2, 8, figsize=(16, 4.4))
for k in range(8):
    axes[0, k].imshow(dihedral(hr_patch, k))
    axes[0, k].set_title(f"k={k}: HR")
    axes[1, k].imshow(dihedral(lr_patch, k))
    axes[1, k].set_title(f"k={k}: LR")
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("The 8 dihedral transforms (bit 0: h-flip, bit 1: v-flip, bit 2: transpose)")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 4. Why sub-images: the decode cost, measured
#
# DIV2K images are about 2040 x 1356 PNGs. Decoding one costs tens of milliseconds, but
# a training step needs sixteen 128 x 128 patches: decoding a whole image per patch
# starves a GPU. BasicSR therefore cuts DIV2K once into 480 x 480 sub-images (step 240),
# and `srlib.data.SRDataset` keeps decoded images in memory. We time the three options on
# a DIV2K-sized PNG made from a bundled photo (timings vary by machine, so this cell is
# not compared by CI).

# %% tags=["nbval-ignore-output"]
import tempfile
import time
from pathlib import Path

from srlib.data import read_image_uint8, save_image

tmp = Path(tempfile.mkdtemp())
big = imresize(sample_photos("train")["retina"], size=(1356, 2040))  # DIV2K-sized
save_image(big, tmp / "0001.png")
save_image(big[:480, :480], tmp / "0001_s001.png")


def per_call(fn, n):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


t_full = per_call(lambda: read_image_uint8(tmp / "0001.png"), 5)
t_sub = per_call(lambda: read_image_uint8(tmp / "0001_s001.png"), 20)
t_mem = per_call(lambda: paired_random_crop(imresize(big[:128, :128], 1 / 4), big[:128, :128], 32, 4, rng), 20)
print(f"decode a 2040x1356 PNG: {t_full * 1e3:7.1f} ms per patch")
print(f"decode a 480x480 sub-image: {t_sub * 1e3:7.1f} ms per patch ({t_full / t_sub:.0f}x faster)")
print(f"crop from memory:           {t_mem * 1e3:7.2f} ms per patch ({t_full / t_mem:.0f}x faster)")

# %% [markdown]
# `srlib.data.extract_subimages` does the BasicSR cut once (with a progress bar) and
# skips images already done; `benchmarks/data_pipeline.py` measures the whole training
# loader against a naive one. Here is the loader the trainer uses:

# %%
from srlib.data import make_train_loader, sample_dataset

train_set = sample_dataset("train", scale=4, hr_patch=profile.hr_patch, repeat=100)
loader = make_train_loader(train_set, batch_size=profile.batch_size, num_workers=0, seed=0)
img_lr_batch, img_hr_batch = next(iter(loader))
print(f"{len(train_set.hr)} training photos, {len(train_set)} patches per epoch")
print("LR batch", tuple(img_lr_batch.shape), "HR batch", tuple(img_hr_batch.shape),
      f"values in [{img_hr_batch.min():.0f}, {img_hr_batch.max():.0f}]")

# %% [markdown]
# ## 5. The evaluation protocol, worked through on one image
#
# Published x4 numbers are computed (1) on SR output clipped to [0, 1] and **rounded to
# 8 bits**, (2) on the **Y channel** of YCbCr (ITU-R BT.601),
#
# $$Y = \frac{16 + 65.481 R + 128.553 G + 24.966 B}{255},$$
#
# (3) with **`scale` pixels removed at every border**, and (4) with
# $\mathrm{PSNR} = 10 \log_{10}(1 / \mathrm{MSE})$. SSIM uses an 11 x 11 Gaussian window
# ($\sigma = 1.5$). Each shortcut changes the number:

# %%
from srlib.metrics import rgb_to_y, ssim

hr = photos["chelsea"]
sr_float = imresize(imresize(hr.astype(np.float64) / 255, 1 / 4), 4)  # unrounded bicubic output
choices = {
    "protocol: Y, border 4, 8-bit": dict(),
    "RGB instead of Y": dict(y_channel=False),
    "no border crop": dict(crop_border=0),
    "no 8-bit rounding": dict(round_8bit=False),
    "RGB, no border, no rounding": dict(y_channel=False, crop_border=0, round_8bit=False),
}
base = psnr(sr_float, hr)
for label, kwargs in choices.items():
    value = psnr(sr_float, hr, **kwargs)
    print(f"{label:<30} PSNR {value:6.3f} dB ({value - base:+.3f})   SSIM {ssim(sr_float, hr, **kwargs):.4f}")

# %% [markdown]
# `srlib.metrics` is tested against scikit-image's independent
# `peak_signal_noise_ratio` and `structural_similarity`:

# %%
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

sr8 = np.round(np.clip(sr_float, 0, 1) * 255).astype(np.uint8)
y_sr, y_hr = rgb_to_y(sr8 / 255)[4:-4, 4:-4], rgb_to_y(hr / 255)[4:-4, 4:-4]
print(f"srlib PSNR {psnr(sr8, hr):.4f}  scikit-image {peak_signal_noise_ratio(y_hr, y_sr, data_range=1):.4f}")
ssim_sk = structural_similarity(y_hr, y_sr, data_range=1, gaussian_weights=True, sigma=1.5,
                                use_sample_covariance=False)
print(f"srlib SSIM {ssim(sr8, hr):.4f}  scikit-image {ssim_sk:.4f}")

# %% [markdown]
# ## 6. DIV2K and the test sets on Colab
#
# On Colab (the `gpu` profile) the cell below downloads DIV2K (HR and bicubic x4 LR,
# about 4 GB) into `data/DIV2K/`, resuming an interrupted download, and cuts sub-images;
# elsewhere it only says what it would do. `srlib.data.download_benchmarks` fetches
# Set5, Set14, B100 and Urban100 the same way. Offline, asking for a missing data set
# raises an error that says which files to put where:

# %%
from srlib.data import div2k_folders, download_div2k, extract_subimages

if profile.name == "gpu":
    download_div2k("data", splits=("train", "valid"), scale=4)
    hr_dir, lr_dir = div2k_folders("data", "train", 4)
    extract_subimages(hr_dir, "data/DIV2K/DIV2K_train_HR_sub", crop=480, step=240)
    extract_subimages(lr_dir, "data/DIV2K/DIV2K_train_LR_bicubic_X4_sub", crop=480, step=240, scale=4)
else:
    try:
        div2k_folders("no-such-folder", "train", 4)
    except FileNotFoundError as err:
        print(str(err).replace(". ", ".\n"))

# %% [markdown]
# ## Predict, then run
# 1. Section 2 measured torch's bicubic *without* antialiasing. Predict whether the shift of
#    the bicubic baseline grows or shrinks at scale 2 (`s=2` in `lr_torch` and `imresize(im, 1 / 2)`),
#    then run it.
# 2. Section 5 dropped the border crop and PSNR went *up*. Predict the sign of the change for a
#    network with visible border artefacts, then check with an image whose outer 4 pixels you set to 0.
# 3. How many 480x480 sub-images does `extract_subimages(crop=480, step=240)` cut from a
#    2040x1356 DIV2K photo? Compute it by hand, then with `srlib.data.div2k._starts`.
#
# ## References
# - R. Keys, *Cubic convolution interpolation for digital image processing*, IEEE TASSP 1981
#   (the cubic kernel; MATLAB's `imresize` uses $a = -0.5$).
# - E. Agustsson and R. Timofte, *NTIRE 2017 Challenge on Single Image Super-Resolution: Dataset
#   and Study* (DIV2K), CVPRW 2017.
# - C. Ledig et al. (SRGAN), [arXiv:1609.04802](https://arxiv.org/abs/1609.04802): Sec. 3.1 (data, Y-channel PSNR).
# - X. Wang et al. (ESRGAN), [arXiv:1809.00219](https://arxiv.org/abs/1809.00219): Sec. 4.1 (DIV2K, Flickr2K, augmentation).
# - B. Lim et al. (EDSR), [arXiv:1707.02921](https://arxiv.org/abs/1707.02921): Sec. 4 (evaluation protocol).

# %% [markdown]
# ## What to remember
# - LR images are made with **MATLAB bicubic** (antialiased, $a=-0.5$). Measured in section 2:
#   Pillow's antialiased bicubic lands within a fraction of an 8-bit level of it (baseline shift
#   -0.00 dB on these photos); torch's bicubic without antialiasing moves the baseline by about
#   a dB. Check any other resize against MATLAB's before comparing with published numbers.
# - Crop LR at a random corner and HR at the corner times the scale; augment both with
#   the same dihedral transform.
# - Decode once (sub-images or memory), not once per patch.
# - Report PSNR/SSIM on Y, border = scale, after 8-bit rounding; say so when you don't.
#
# **Exercise:** `exercises/ex01_paired_crop_augment.ipynb` (paired crop and augmentation).

# %% [markdown]
# ### After the exercise: the library's version
#
# Try the exercise first; then compare your code with the tested `srlib` source.

# %%
show(paired_random_crop)
