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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/notebooks/06_psnr_pretraining.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # 06 · PSNR-oriented pre-training
#
# **Goals**
# 1. Know why SRGAN and ESRGAN first train the generator with a pixel loss alone.
# 2. Compare L1 and MSE as that pixel loss, on the same network, data and budget.
# 3. Read training curves and validation PSNR against bicubic.
# 4. See the learned result on a held-out photo, and use the course trainer.
#
# Prerequisites: notebooks 01-03. Runtime: a minute (`ci`), a few minutes on a laptop
# (`cpu`: the model passes bicubic), longer with the papers' networks on a GPU.

# %%
import time

import numpy as np
import torch

from srlib.course import setup, show

profile, device = setup(seed=0)

# %% [markdown]
# ## 1. Why pre-train?
#
# ESRGAN (Sec. 4.1) trains its generator in two stages: first with the L1 loss alone (the
# "PSNR-oriented" model), then with perceptual and adversarial losses starting from it.
# Two reasons:
#
# 1. A GAN started from random weights can fall into poor local optima; starting from a
#    network that already reconstructs the image makes the adversarial stage stable.
# 2. The discriminator then sees good super-resolved images from step one, so it learns
#    to judge *texture*, which is what the adversarial loss is for.
#
# The PSNR-oriented model is also useful on its own (it is the distortion end of ESRGAN's
# network interpolation, notebook 08).
#
# ## 2. The trainer
#
# `srlib.train.Trainer` runs both stages. A recipe (a dataclass with the paper's values)
# says what to optimise; the profile says how big. (One iteration, `Trainer.step`, is what
# exercise 07 asks you to write; the exercise shows the library's at its end.)

# %%
from srlib.train import Trainer, get_recipe, scaled

print(get_recipe("esrgan_psnr"))

# %% [markdown]
# For a run that learns within minutes on a CPU we use the course's small `demo` network, a
# `ResidualESPCN` of about 134k parameters: residual blocks (no BatchNorm) at LR resolution,
# a sub-pixel tail, and a bicubic skip, so it learns the residual over bicubic upsampling.
# The skip is PyTorch's bicubic (`F.interpolate`, cheap and differentiable), not the MATLAB
# bicubic of notebook 01 that we score against, so the untrained network is not exactly the
# baseline: the comparison below is always with MATLAB's.
# Its budget comes from the profile.

# %%
from srlib.data import sample_dataset
from srlib.models import count_parameters

base = get_recipe("demo")
train_set = sample_dataset("train", scale=4, hr_patch=base.hr_patch, repeat=10_000)
val_set = sample_dataset("val", scale=4)
iterations = {"ci": 300, "cpu": 1800}.get(profile.name, 5000)
print(f"{len(train_set.hr)} training photos, {len(val_set)} held-out photos; "
      f"{iterations} iterations of batch {base.batch_size}, HR patch {base.hr_patch}")
print(f"generator: {count_parameters(Trainer(base, train_set).generator):,d} parameters")

# %% [markdown]
# ## 3. L1 versus MSE
#
# $\mathcal{L}_1 = \mathbb{E}|G(I^{LR}) - I^{HR}|$ versus
# $\mathcal{L}_{MSE} = \mathbb{E}(G(I^{LR}) - I^{HR})^2$. MSE is what PSNR measures, yet
# EDSR and ESRGAN train with L1: its gradient does not shrink for small errors, and it is
# less dominated by a few large errors at edges. We train the same network from the same
# initialisation on the same patches in the same order with each, validating as we go.

# %%
from dataclasses import replace

from tqdm.auto import tqdm

from srlib.data import imresize
from srlib.metrics import psnr

bicubic = float(np.mean([psnr(imresize(val_set[i][0][None].double(), 4).clamp(0, 1).float(),
                              val_set[i][1][None]).item() for i in range(len(val_set))]))
checkpoints = sorted({int(iterations * f) for f in (0.25, 0.5, 0.75, 1.0)})


def run(criterion):
    recipe = replace(base, pixel_criterion=criterion, total_iters=iterations,
                     milestones=(int(iterations * 0.75),), gamma=0.25)
    trainer = Trainer(recipe, train_set, val_set, device=device)
    curve, losses, start = [], [], time.perf_counter()

    def record(tr, logs):
        losses.append(float(logs["pixel"]))
        if tr.iteration in checkpoints:
            curve.append((tr.iteration, tr.validate()["psnr"]))

    trainer.fit(iterations, callback=record)
    return trainer, curve, losses, time.perf_counter() - start

# %% tags=["nbval-ignore-output"]
runs = {criterion: run(criterion) for criterion in ("l1", "mse")}
for criterion, (_, _, _, seconds) in runs.items():
    print(f"{criterion}: {iterations} iterations in {seconds:.0f} s on {device.type}")

# %%
print(f"bicubic (MATLAB) on the held-out photos: {bicubic:.2f} dB")
for criterion, (_, curve, _, _) in runs.items():
    points = ", ".join(f"{it}: {value:.2f}" for it, value in curve)
    print(f"{criterion:>3}: validation PSNR-Y by iteration  {points}  "
          f"({curve[-1][1] - bicubic:+.2f} dB vs bicubic)")

# %%
import matplotlib.pyplot as plt

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
for criterion, (_, curve, losses, _) in runs.items():
    smooth = np.convolve(losses, np.ones(10) / 10, mode="valid")
    ax1.plot(smooth, label=f"{criterion} loss (10-step mean)")
    ax2.plot(*zip(*curve), marker="o", label=criterion)
ax1.set(xlabel="iteration", ylabel="training loss", yscale="log", title="training loss")
ax2.axhline(bicubic, color="gray", linestyle="--", label="bicubic")
ax2.set(xlabel="iteration", ylabel="validation PSNR-Y (dB)", title="held-out photos")
ax1.legend()
ax2.legend()
plt.tight_layout()
plt.show()

# %%
winner = max(runs, key=lambda c: runs[c][1][-1][1])
gap = runs["l1"][1][-1][1] - runs["mse"][1][-1][1]
print(f"in this run {winner} ends higher; L1 - MSE = {gap:+.2f} dB after {iterations} iterations")
best = runs[winner][1][-1][1]
print("the model " + ("passes" if best > bicubic else "has not yet passed") + f" bicubic ({best - bicubic:+.2f} dB)")

# %% [markdown]
# One run per loss and a short budget: small gaps are noise, and the order can change with
# the budget (L1's advantage in the literature is measured over hundreds of thousands of
# iterations). Run with `SRLIB_PROFILE=cpu` (1,800 iterations, a few minutes per run on a
# laptop) to see the curves over a longer budget.
#
# ## 4. The learned result on a held-out photo
#
# Beside this run's model we show the course's shipped `psnr` model: the same network and
# recipe trained for 5,000 iterations by `python tools/pretrain.py` (`srlib pretrained`).

# %%
from srlib.models import load_generator
from srlib.pretrained.recipes import course_recipe

shipped = load_generator("psnr", device)
trainer = runs[winner][0]
img_lr, img_hr = val_set[0]
with torch.no_grad():
    img_sr = trainer.eval_model(img_lr[None].to(device)).clamp(0, 1)[0].cpu()
    img_shipped = shipped(img_lr[None].to(device)).clamp(0, 1)[0].cpu()
img_bic = imresize(img_lr[None].double(), 4).clamp(0, 1).float()[0]
box = (slice(60, 156), slice(140, 236))
panels = [("bicubic", img_bic), (f"{winner}, {iterations} iterations (this run)", img_sr),
          (f"shipped psnr, {course_recipe('psnr').total_iters:,} iterations", img_shipped)]
fig, axes = plt.subplots(1, 4, figsize=(16, 4.6))
for ax, (title, img) in zip(axes, panels + [("HR", img_hr)]):
    ax.imshow(img.permute(1, 2, 0).numpy()[box])
    ax.set_title(title if title == "HR" else f"{title}\n{psnr(img[None], img_hr[None]).item():.2f} dB", fontsize=10)
    ax.axis("off")
fig.suptitle(f"{val_set.names[0]} (held out), 96 x 96 HR crop; PSNR-Y of the whole photo")
plt.tight_layout()
plt.show()

# %% [markdown]
# A PSNR-oriented model is sharper than bicubic at edges but still smooth in textures:
# notebook 04 explained why (the mean of plausible answers). The GAN models of notebook 05
# start from the shipped `psnr` model; notebook 07's ESRGAN starts from its own
# PSNR-oriented stage, an RRDBNet trained the same way.
#
# ## 5. The same from the command line
#
# `srlib demo` is this notebook's experiment as one command (about 4 minutes on 2 cores; it
# prints its gain over bicubic and writes it to `metrics.json`); `srlib train` runs any recipe
# with checkpoints:
#
# ```bash
# srlib demo --out runs/demo
# srlib train --recipe esrgan_psnr --data samples --out runs/esrgan_psnr
# ```

# %% [markdown]
# ## Predict, then run
# 1. PSNR is a function of the mean squared error. Predict which of the two losses of section 3,
#    L1 or MSE, gives the higher validation PSNR at a budget ten times larger, then run the
#    notebook with `SRLIB_PROFILE=cpu`.
# 2. The shipped `psnr` model trained for 5,000 iterations. Predict its held-out PSNR gain over
#    bicubic before reading it from `srlib pretrained` (notebook 00 measures it on one photo).
# 3. Predict what a GAN fine-tuned from a *randomly initialised* generator produces in its first
#    hundred iterations, then try it with `srlib train --recipe esrgan` without `--init`.
#
# ## References
# - C. Ledig et al. (SRGAN), [arXiv:1609.04802](https://arxiv.org/abs/1609.04802): Sec. 3.2 (SRResNet
#   trained with MSE, then used to initialise the GAN).
# - X. Wang et al. (ESRGAN), [arXiv:1809.00219](https://arxiv.org/abs/1809.00219): Sec. 4.1 (PSNR-oriented
#   pre-training with L1, then GAN fine-tuning).
# - B. Lim et al. (EDSR), [arXiv:1707.02921](https://arxiv.org/abs/1707.02921) (trained with L1).
# - H. Zhao et al., *Loss Functions for Image Restoration with Neural Networks*, IEEE TCI 2017,
#   [arXiv:1511.08861](https://arxiv.org/abs/1511.08861) (L1 against L2).

# %% [markdown]
# ## What to remember
# - Pre-train with a pixel loss: the GAN stage then starts stable, and its discriminator
#   judges texture rather than gross errors.
# - ESRGAN pre-trains with L1; compare losses with the same network, data order and budget.
# - Watch validation PSNR against bicubic, not only the training loss.
