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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/notebooks/00_welcome.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # 00 · Welcome: GAN super-resolution, from SRGAN to ESRGAN
#
# This course builds, trains and evaluates the two landmark GAN super-resolution
# models, **SRGAN** (Ledig et al., CVPR 2017) and **ESRGAN** (Wang et al., ECCV
# Workshops 2018), from their parts: the data and its degradation, residual and
# RRDB generators, upsamplers, the VGG perceptual loss, three adversarial losses,
# PSNR pre-training, full GPU training, and honest evaluation.
#
# **Goals of this notebook**
# 1. See where the course ends: bicubic against the course's own trained models on a photo
#    they never saw, with the numbers that describe each.
# 2. Know the course map: which notebook teaches what, and which exercise goes with it.
# 3. Check your environment: versions, device and the *run profile*.
# 4. See the problem: a real photograph, its 4x-downscaled version, and how far
#    plain bicubic upscaling gets back.
#
# Prerequisites: Python and a little PyTorch. Runtime: seconds on any machine.

# %%
from srlib.course import LESSONS, PROFILES, setup

profile, device = setup(seed=0)

# %% [markdown]
# ## Results first: where this course ends up
#
# The course ships four small generators it trained itself (`srlib/pretrained/`, listed by
# `srlib pretrained`): `psnr`, trained for PSNR with an L1 loss (notebook 06), and `bce`,
# `wgan-gp` and `ragan`, each fine-tuned from it with a perceptual loss and one of the three
# adversarial losses of notebook 05. Here they upscale a photo none of them was trained on
# (the cat `chelsea`, one of the held-out photos of `srlib.data.samples.VAL_PHOTOS`) by 4,
# next to bicubic upscaling. Two numbers describe each output: **PSNR** on the Y channel
# (higher means closer, pixel by pixel, to the photo; notebook 01) and the **relative
# gradient energy**, the fine detail of the output divided by the photo's (1 means as much
# detail as the photo; `srlib.metrics.relative_gradient_energy`).

# %%
import matplotlib.pyplot as plt
import numpy as np

from srlib.data import imresize, load_photo, mod_crop
from srlib.data.samples import VAL_PHOTOS
from srlib.infer import upscale_array
from srlib.metrics import psnr, relative_gradient_energy
from srlib.models import load_generator

photo = mod_crop(load_photo(VAL_PHOTOS[0]), 4)  # "chelsea", (300, 448, 3) uint8, held out
photo_lr = imresize(photo, 1 / 4)  # MATLAB bicubic x1/4, the literature's degradation
results = {"bicubic": imresize(photo_lr, 4)}
for name in ("psnr", "bce", "wgan-gp", "ragan"):
    model = load_generator(name, device).eval()  # a shipped model, read from srlib/pretrained/
    results[name] = upscale_array(model, photo_lr, tile=None, device=device, out_dtype=np.uint8)
print(f"{VAL_PHOTOS[0]}: LR {photo_lr.shape[1]}x{photo_lr.shape[0]} -> x4 {photo.shape[1]}x{photo.shape[0]}")
print(f"{'method':<9}{'PSNR-Y (dB)':>12}{'vs bicubic':>11}{'relative gradient energy':>26}")
for name, img in results.items():
    gain = psnr(img, photo) - psnr(results["bicubic"], photo)
    print(f"{name:<9}{psnr(img, photo):12.2f}{gain:+11.2f}{relative_gradient_energy(img, photo):26.2f}")
parent = psnr(results["psnr"], photo)
print(f"psnr's lead over bicubic: {parent - psnr(results['bicubic'], photo):+.2f} dB; each GAN model against psnr: "
      + ", ".join(f"{name} {psnr(results[name], photo) - parent:+.2f} dB" for name in ("bce", "wgan-gp", "ragan")))

# %%
box = (slice(60, 160), slice(130, 230))  # a 100 x 100 crop around the cat's eye
shown = ["bicubic", "psnr", "ragan"]
fig, axes = plt.subplots(1, len(shown) + 1, figsize=(15, 4.4))
for ax, name in zip(axes, shown):
    ax.imshow(results[name][box])
    ax.set_title(f"{name}: {psnr(results[name], photo):.2f} dB, "
                 f"detail {relative_gradient_energy(results[name], photo):.2f}")
    ax.axis("off")
axes[-1].imshow(photo[box])
axes[-1].set_title("HR photo (ground truth)")
axes[-1].axis("off")
fig.suptitle("x4 on a held-out photo, same 100 x 100 crop: PSNR-Y of the whole photo; "
             "detail = gradient energy relative to the photo")
plt.tight_layout()
plt.show()

# %% [markdown]
# Read the table before the pictures. The PSNR-oriented model beats bicubic in PSNR (+0.64 dB
# on this photo) and still has far less fine detail than the photo (0.26 of its gradient
# energy). The three GAN models have more detail than the PSNR model (0.37 to 0.61) and lower
# PSNR: they are not trying to be close on average, they draw plausible texture, and drawn
# texture is never exactly where the photo's is. That is the perception-distortion trade-off
# (Blau and Michaeli 2018, [arXiv:1711.06077](https://arxiv.org/abs/1711.06077)), and why a
# GAN's PSNR below its PSNR-oriented parent is expected. Two of the three fall below bicubic
# here, `bce` by 0.08 dB and `ragan` by 0.84 dB, while `wgan-gp` stays 0.22 dB above it: the
# small parent leads bicubic by only 0.64 dB, and the GAN stage gives up 0.42 to 1.48 dB
# against it (the line under the table), so whichever gives up more than the lead ends below
# bicubic. Notebook 05, section 6, measures the same on all three held-out photos; notebook 08
# says when below bicubic is a warning sign instead. Gradient energy counts detail, not
# whether the detail is right: the vertical stripes in the `ragan` crop count as detail too.
# These are small models (133,968 parameters each, trained for minutes on a CPU: `srlib pretrained`
# lists both); ESRGAN's generator has 16,697,987 parameters (notebook 02 counts them) and its
# schedules are 1,400,000 iterations (notebook 07 prints, from the speed it measures on your
# machine, how many hours and Colab sessions they need). The course runs those
# recipes too.
#
# **What you will build.** Every piece of these models, in order: the degradation and the
# evaluation protocol (01), SRResNet's and ESRGAN's generators (02-03), the perceptual loss
# (04), the discriminator and three adversarial losses (05), and ESRGAN's two-stage pipeline
# with network interpolation at the end (06-08):

# %%
from srlib.course.diagrams import draw_esrgan_pipeline

draw_esrgan_pipeline()
plt.show()

# %% [markdown]
# ## Run profiles: one switch for the size of every experiment
#
# Every notebook reads its sizes (training steps, patch size, network width) from
# a *profile* defined in `srlib.course`:
#
# - `ci`: tiny and CPU-only; CI executes every notebook under it and compares the
#   stored outputs you are reading. Seconds per notebook.
# - `cpu`: a laptop. Minutes per notebook, and the models visibly learn.
# - `gpu`: a CUDA GPU (Colab T4 and up): the papers' recipes.
#
# The profile is chosen automatically (a GPU gives `gpu`, otherwise `cpu`); force
# one with the environment variable `SRLIB_PROFILE`, e.g. `SRLIB_PROFILE=cpu jupyter lab`.
# The outputs stored in these notebooks were produced under `ci`.

# %%
for p in PROFILES.values():
    print(f"{p.name:>4}: {p.train_iters:5d} steps, batch {p.batch_size:2d}, HR patch {p.hr_patch:3d}, "
          f"width {p.num_feat:2d}, blocks {p.num_block:2d}  - {p.description}")

# %% [markdown]
# ## The course map

# %%
for lesson in LESSONS:
    exercise = f"exercise: {lesson.exercise}" if lesson.exercise else ""
    print(f"{lesson.number}  {lesson.title:<40} {exercise}")
    print(f"    {lesson.summary}")

# %% [markdown]
# Each notebook imports its building blocks from the `srlib` package and shows
# their source with `srlib.course.show`, so what you read is exactly what the
# tests check. Exercises live in `exercises/` (your version) and `solutions/`.
#
# ## Check the environment
# Versions differ from machine to machine, so this cell's output is not compared by CI.

# %% tags=["nbval-ignore-output"]
import platform

import numpy as np
import PIL
import skimage
import torch

import srlib

print(f"python {platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}, "
      f"pillow {PIL.__version__}, scikit-image {skimage.__version__}, srlib {srlib.__version__}")
print(f"CUDA available: {torch.cuda.is_available()}"
      + (f" ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else ""))

# %% [markdown]
# ## A first look at 4x super-resolution
#
# Super-resolution (SR) inverts a *degradation*. The literature's degradation is
# MATLAB's bicubic downscaling by 4:
#
# $$I^{LR} = \mathrm{imresize}(I^{HR}, 1/4, \text{bicubic}),$$
#
# so the LR image keeps one value for every 4 x 4 = 16 HR pixels: 15 of every 16 pixel
# values are gone. Each LR pixel is not the average of its own 4 x 4 block, though: the
# bicubic kernel is stretched by the scale when shrinking (antialiasing), so along each axis it
# weighs 16 HR pixels, a 16 x 16 window (notebook 01 plots the kernel; the next cell reads its
# weights from `srlib.data.imresize.contributions`). The simplest inverse is bicubic *up*scaling; everything in this
# course is measured against it. We use the photographs that ship with
# scikit-image, so nothing needs downloading.

# %%
from srlib.data import imresize, load_photo, mod_crop
from srlib.data.imresize import contributions
from srlib.metrics import psnr

img_hr = mod_crop(load_photo("chelsea"), 4)  # (H, W, 3) uint8, H and W multiples of 4
img_lr = imresize(img_hr, 1 / 4)  # MATLAB bicubic, (H/4, W/4, 3)
img_bicubic = imresize(img_lr, 4)  # the baseline every SR model must beat
print("HR", img_hr.shape, "LR", img_lr.shape, "bicubic x4", img_bicubic.shape)
print(f"bicubic PSNR (Y channel, border 4): {psnr(img_bicubic, img_hr):.2f} dB")
_, weights = contributions(in_len=img_hr.shape[1], out_len=img_lr.shape[1], scale=1 / 4)  # (W/4, 16)
row = weights[10]  # LR column 10, away from the border
print(f"LR pixel <- {len(row)} HR pixels per axis ({len(row)} x {len(row)} in 2-D), weights {row.min():+.3f} "
      f"to {row.max():+.3f}; the central 4 carry {row[6:10].sum():.0%} of the weight, the other 12 the rest")

# %%
import matplotlib.pyplot as plt

box = (slice(40, 140), slice(120, 220))  # a 100 x 100 HR crop: the cat's eye
fig, axes = plt.subplots(1, 3, figsize=(12, 4.6), constrained_layout=True)
panels = [("HR (ground truth)", img_hr[box]),
          ("LR, 4x smaller (nearest for display)", np.kron(img_lr[10:35, 30:55], np.ones((4, 4, 1), np.uint8))),
          (f"bicubic x4: {psnr(img_bicubic, img_hr):.2f} dB", img_bicubic[box])]
for ax, (title, img) in zip(axes, panels):
    ax.imshow(img)
    ax.set_title(title)
    ax.axis("off")
fig.suptitle("The same 100 x 100 crop: what a 4x super-resolution model must recover")
plt.show()

# %% [markdown]
# Bicubic upscaling is smooth but blurry: fur and whiskers are gone. A
# PSNR-oriented network gains over bicubic (the course's small `psnr` 0.64 dB on this photo,
# the table at the top; ESRGAN's RRDB 4.3 dB on Set5, 32.73 against 28.42 dB in the ESRGAN paper's
# comparison); a GAN
# (SRGAN, ESRGAN) gives up some PSNR to draw plausible texture instead.
#
# ## Getting help
# - Each `srlib` function's docstring names the paper section it implements and the
#   notebook that teaches it: `help(srlib.data.imresize)`.
# - Errors from `srlib` say what was wrong and what to do; read the last line first.
# - Run the tests with `pytest` from the repository root (see README.md).
# - Found a mistake? Open an issue on the course repository.

# %% [markdown]
# ## Predict, then run
# 1. The table at the top ranks four models by PSNR and by detail. Predict where a network
#    interpolated halfway between `psnr` and `ragan` lands on both (notebook 08 computes it).
# 2. Predict whether bicubic's PSNR on the held-out `coffee` photo is higher or lower than on
#    `chelsea`, then change `VAL_PHOTOS[0]` to `VAL_PHOTOS[1]` and run the first cells again.
#
# ## References
# - C. Ledig et al., *Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial
#   Network* (SRGAN), CVPR 2017, [arXiv:1609.04802](https://arxiv.org/abs/1609.04802).
# - X. Wang et al., *ESRGAN: Enhanced Super-Resolution Generative Adversarial Networks*, ECCV
#   Workshops 2018, [arXiv:1809.00219](https://arxiv.org/abs/1809.00219).
# - Y. Blau and T. Michaeli, *The Perception-Distortion Tradeoff*, CVPR 2018,
#   [arXiv:1711.06077](https://arxiv.org/abs/1711.06077).
# - B. Lim et al. (EDSR), CVPRW 2017, [arXiv:1707.02921](https://arxiv.org/abs/1707.02921).
# - I. Gulrajani et al. (WGAN-GP), NeurIPS 2017, [arXiv:1704.00028](https://arxiv.org/abs/1704.00028);
#   A. Jolicoeur-Martineau (RaGAN), 2018, [arXiv:1807.00734](https://arxiv.org/abs/1807.00734).

# %% [markdown]
# ## What to remember
# - The profile (`ci`, `cpu`, `gpu`) sets the size of every experiment; it is printed
#   at the top of each notebook.
# - SR inverts MATLAB-bicubic downscaling; bicubic upscaling is the baseline.
# - A PSNR-oriented model beats bicubic in PSNR; a GAN trades some PSNR for detail (measured
#   at the top of this notebook).
# - PSNR in the SR literature is measured on the Y channel with a border of `scale`
#   pixels removed (notebook 01 explains why each detail matters).
#
# Next: **01 · Data preparation**.
