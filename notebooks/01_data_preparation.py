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
# stretched by $s$ when shrinking (antialiasing: each LR pixel averages a $4s$-wide
# neighbourhood of HR pixels) and mirrored at the borders. `srlib.data.imresize` reproduces it:

# %%
from srlib.data import imresize
from srlib.data.imresize import contributions, cubic

show(contributions)

# %% [markdown]
# In the code, `scale` is the output size over the input size, so shrinking by 2 is
# `scale=0.5`. Shrinking by 2 stretches the kernel to $h(d) = \tfrac{1}{2} W(d/2)$: twice as wide,
# half as high, where $d$ is the distance, in input pixels, from an input pixel's centre to the
# point the output pixel samples. That point falls halfway between two input pixels, so the 8
# input pixels within reach sit at $d = \pm 0.5, \pm 1.5, \pm 2.5, \pm 3.5$ and get the weights
# $\tfrac{1}{2} W(\pm 0.25), \tfrac{1}{2} W(\pm 0.75), \dots$ Below, the weights `contributions`
# returns for output pixel 3, the stretched kernel computed from the formula, and, for
# contrast, the unstretched kernel at the same distances:

# %%
import numpy as np

indices, weights = contributions(in_len=16, out_len=8, scale=0.5)
d = np.array([3.5, 2.5, 1.5, 0.5, -0.5, -1.5, -2.5, -3.5])  # sample point minus input pixel 3..10
print("input pixels of output pixel 3:", indices[3].tolist())
print("contributions:   ", np.round(weights[3], 5).tolist(), " sum =", round(weights[3].sum(), 6))
print("1/2 W(d/2):      ", np.round(0.5 * cubic(d / 2), 5).tolist(), " sum =", round(0.5 * cubic(d / 2).sum(), 6))
print("1/2 W(d), unstretched:", np.round(0.5 * cubic(d), 5).tolist(),
      " sum =", round(0.5 * cubic(d).sum(), 6))

# %% [markdown]
# The stretched kernel matches `contributions` tap for tap, and its 8 weights already sum to 1.
# The unstretched one does not: it reaches only the 4 nearest pixels, and its weights sum to 1/2.
# At x4, the course's scale, the kernel is $\tfrac{1}{4} W(d/4)$: 16 input pixels, a quarter
# of the height.

# %%
import matplotlib.pyplot as plt

x = np.linspace(-8.5, 8.5, 1701)
taps = np.arange(-7.5, 8, 1.0)  # an output pixel of a x4 reduction samples between 16 input pixels
fig, ax = plt.subplots(figsize=(9, 3.6), constrained_layout=True)
ax.plot(x, cubic(x), color="tab:blue", label="Keys' kernel $W(d)$, $a = -0.5$ (enlarging)")
ax.plot(x, cubic(x / 4) / 4, color="tab:orange", label="stretched for x4 shrinking: $W(d/4)/4$")
ax.plot(taps, cubic(taps / 4) / 4, "o", color="tab:orange", markersize=4,
        label=f"the {len(taps)} taps of one LR pixel (sum {(cubic(taps / 4) / 4).sum():.3f})")
ax.axhline(0, color="gray", linewidth=0.8)
ax.set(xlabel="distance $d$ from the sampled point (input pixels)", ylabel="weight",
       title="The bicubic kernel and its x4 antialiasing stretch")
ax.legend(loc="upper right", fontsize=9)
plt.show()

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
img = photos["chelsea"]
lr_m = imresize(img, 1 / 4).astype(float)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), constrained_layout=True)
for ax, label in zip(axes, ["PIL", "torch", "torch antialias"]):
    diff = np.abs(makers[label](img).astype(float) - lr_m).mean(axis=2)
    im = ax.imshow(diff, cmap="magma", vmin=0, vmax=8)
    ax.set_title(f"LR made by {label}")
    ax.axis("off")
fig.colorbar(im, ax=axes, shrink=0.8, label="|LR - MATLAB's LR|, mean of R, G, B (8-bit levels)")
fig.suptitle("chelsea: how far each LR image is from MATLAB's, pixel by pixel")
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
fig, axes = plt.subplots(2, 8, figsize=(16, 4.8), constrained_layout=True)
for k in range(8):
    axes[0, k].imshow(dihedral(hr_patch, k))
    axes[0, k].set_title(f"k={k}", fontsize=11)
    axes[1, k].imshow(dihedral(lr_patch, k))
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_ylabel("HR, 96 x 96")
axes[1, 0].set_ylabel("LR, 24 x 24")
fig.suptitle("The 8 dihedral transforms of one aligned pair (bit 0 of k: left-right flip, bit 1: up-down flip, "
             "bit 2: transpose)")
plt.show()

# %% [markdown]
# ## 4. Why sub-images: the decode cost, measured
#
# DIV2K images are about 2040 x 1356 PNGs. Decoding one costs tens of milliseconds, but
# a training step needs sixteen 128 x 128 patches: decoding a whole image per patch
# starves a GPU. BasicSR therefore cuts DIV2K once into 480 x 480 sub-images (step 240),
# and `srlib.data.SRDataset` keeps decoded images in memory. We time the three options on
# a DIV2K-sized PNG made from a bundled photo. A crop from memory only slices arrays that are
# already decoded; we time the slicing alone and with a copy of the two crops, as a batch would
# copy them (the LR image is made once, beforehand). Timings vary by machine, so this cell is
# not compared by CI.

# %% tags=["nbval-ignore-output"]
import tempfile
import time
from pathlib import Path

from srlib.data import read_image_uint8, save_image

tmp = Path(tempfile.mkdtemp())
big = imresize(sample_photos("train")["retina"], size=(1356, 2040))  # DIV2K-sized
save_image(big, tmp / "0001.png")
save_image(big[:480, :480], tmp / "0001_s001.png")
big_lr = imresize(big, 1 / 4)  # (339, 510, 3): made once, as DIV2K ships its LR images


def per_call(fn, n):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def crop_and_copy():
    lr, hr = paired_random_crop(big_lr, big, 32, 4, rng)  # views into the decoded arrays
    return lr.copy(), hr.copy()  # (32, 32, 3) and (128, 128, 3), as a batch would copy them


t_full = per_call(lambda: read_image_uint8(tmp / "0001.png"), 5)
t_sub = per_call(lambda: read_image_uint8(tmp / "0001_s001.png"), 20)
t_view = per_call(lambda: paired_random_crop(big_lr, big, 32, 4, rng), 2000)
t_mem = per_call(crop_and_copy, 2000)
t_resize = per_call(lambda: imresize(big[:128, :128], 1 / 4), 20)
print(f"decode a 2040x1356 PNG:     {t_full * 1e3:8.1f} ms per patch")
print(f"decode a 480x480 sub-image: {t_sub * 1e3:8.1f} ms per patch ({t_full / t_sub:.0f}x faster)")
print(f"crop from memory, views:    {t_view * 1e6:8.1f} us per patch")
print(f"crop from memory + copy:    {t_mem * 1e6:8.1f} us per patch ({t_full / t_mem:,.0f}x faster than the decode)")
print(f"for comparison, MATLAB-bicubic LR of one 128x128 patch: {t_resize * 1e3:.2f} ms "
      "(why LR images are made once, not per patch)")

# %% [markdown]
# Slicing a crop out of a decoded image costs microseconds; with the copy, tens to hundreds of
# microseconds. Either way it is hundreds of times cheaper than a decode, and the MATLAB
# bicubic of one patch alone costs more than the crop: LR images are made once. What limits
# cropping from memory is memory:

# %%
print(f"DIV2K's 800 HR images decoded (800 x 2040 x 1356 x 3 bytes): {800 * 2040 * 1356 * 3 / 1e9:.1f} GB")

# %% [markdown]
# That is why BasicSR reads sub-images from disk (or packs them in LMDB) instead of holding
# DIV2K in memory. `srlib.data.extract_subimages` does the BasicSR cut once (with a progress
# bar) and skips images already done. Crops start every `step` pixels. When that grid leaves
# a strip uncovered at the right or bottom border, BasicSR's
# `scripts/data_preparation/extract_subimages.py` adds one more crop flush with that border
# (when the strip is wider than its `thresh_size`, 0 for DIV2K), so that no pixel is lost;
# `srlib` does the same. The crop origins along a side of 1000 pixels, for example:

# %%
from srlib.data.div2k import _starts

print("crop origins along 1000 pixels (crop 480, step 240):", _starts(1000, 480, 240).tolist(),
      "| without the extra crop:", list(range(0, 1000 - 480 + 1, 240)))

# %% [markdown]
# The regular grid would stop at 720 and lose the last 40 pixels; the extra crop at 520
# covers them and overlaps its neighbour by 200 pixels instead of 240.
# `benchmarks/data_pipeline.py` measures the whole training loader against a naive one. Here is
# the loader the trainer uses:

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
shift = {}
for label, kwargs in choices.items():
    value = psnr(sr_float, hr, **kwargs)
    shift[label] = value - base
    print(f"{label:<30} PSNR {value:6.3f} dB ({value - base:+.3f})   SSIM {ssim(sr_float, hr, **kwargs):.4f}")
y_range = 20 * np.log10(255 / 219)  # Y spans 16..235: 219 of 255 levels
print(f"largest single shortcut: {min(shift, key=shift.get)}, {min(shift.values()):+.2f} dB; of it, "
      f"{-y_range:+.2f} dB is Y's narrower range, 20 log10(255/219), "
      f"and {shift['RGB instead of Y'] + y_range:+.2f} dB the rest")

# %% [markdown]
# Read the table from the smallest change to the largest. Skipping the 8-bit rounding moves
# the PSNR by a thousandth of a dB here. Skipping the border crop raises it by about a tenth:
# bicubic with mirrored borders does well at the border, so those pixels pull the mean up.
# Measuring RGB instead of Y costs 1.42 dB, more than ten times the border's effect: that is
# the shortcut that matters. Most of it is arithmetic. The Y formula's weights sum to
# 219/255, so the same error in R, G and B becomes an error 219/255 as large in Y, which
# alone is worth 1.32 dB; averaging the three channels' errors, which partly cancel, adds
# the rest. For scale, ESRGAN's RRDB (32.60 dB on Set5) and EDSR (32.46 dB) are 0.14 dB
# apart in the ESRGAN paper's supplementary Table 2, on the Y channel: an RGB number set
# beside such a table is off by ten times the gap it would be read against.

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
#    2040x1356 DIV2K photo, counting the extra crops at the border (section 4)? Compute it by
#    hand, then with `srlib.data.div2k._starts`.
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
# - Decode once (sub-images or memory), not once per patch: a crop from memory takes
#   microseconds, a 2K PNG decode tens of milliseconds (section 4).
# - Report PSNR/SSIM on Y, border = scale, after 8-bit rounding; say so when you don't. Of the
#   shortcuts, RGB instead of Y moves the number most (1.42 dB in section 5).
#
# **Exercise:** [exercise 01](../exercises/ex01_paired_crop_augment.ipynb) (paired crop and augmentation).

# %% [markdown]
# ### After the exercise: the library's version
#
# Try the exercise first; then compare your code with the tested `srlib` source.

# %%
show(paired_random_crop)
