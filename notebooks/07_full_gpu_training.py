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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/notebooks/07_full_gpu_training.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # 07 · Full GPU training of ESRGAN (and SRGAN)
#
# **Goals**
# 1. Run the two-stage ESRGAN recipe end to end: DIV2K, sub-images, PSNR pre-training, GAN
#    training, with mixed precision on a GPU.
# 2. Make a run survive a Colab disconnect: checkpoints on Google Drive, `--resume`, and a
#    check that a resumed run equals an uninterrupted one.
# 3. Watch a run: TensorBoard, time and memory per iteration, healthy versus collapsing GAN
#    curves.
# 4. Know how to use several GPUs with `torchrun`.
#
# On Colab (`gpu` profile) the cells below run the papers' recipes; here (`ci`/`cpu`) the
# same cells run at the profile's size on the bundled photos. Prerequisites: notebooks 01-06.

# %%
import os
import time
from pathlib import Path

import numpy as np
import torch

from srlib.course import setup

profile, device = setup(seed=0)
ON_COLAB = "google.colab" in __import__("sys").modules

# %% [markdown]
# ## 1. Where the run lives
#
# A Colab session can disconnect at any time, and its disk goes with it. On Colab we mount
# Google Drive and keep the run folder there; elsewhere a local, git-ignored `runs/` folder.

# %%
if ON_COLAB:
    from google.colab import drive

    drive.mount("/content/drive")
    RUNS = Path("/content/drive/MyDrive/srgan-course/runs")
else:
    import tempfile

    RUNS = Path(tempfile.mkdtemp(prefix="runs-"))  # fresh each time this notebook runs
print("run folders live in Google Drive" if ON_COLAB else "run folders live in a local temporary folder")

# %% [markdown]
# ## 2. Data
#
# The `gpu` profile trains on DIV2K's 800 training images cut into 480 x 480 sub-images
# (notebook 01; about 4 GB to download, minutes to cut, done once). The other profiles use
# the bundled photos.

# %%
from srlib.data import div2k_folders, download_div2k, extract_subimages

if profile.name == "gpu":
    download_div2k("data", splits=("train", "valid"), scale=4)
    hr_dir, lr_dir = div2k_folders("data", "train", 4)
    extract_subimages(hr_dir, "data/DIV2K/DIV2K_train_HR_sub")
    extract_subimages(lr_dir, "data/DIV2K/DIV2K_train_LR_bicubic_X4_sub", scale=4)
    DATA = "div2k"
else:
    DATA = "samples"
print(f"training data: {DATA}")

# %% [markdown]
# ## 3. The recipes
#
# Stage 1 is `esrgan_psnr` (L1, Adam $2\cdot10^{-4}$ halved every 200k iterations); stage 2
# is `esrgan`: L1 ($\eta = 10^{-2}$) + VGG19 `conv5_4` before activation + RaGAN
# ($\lambda = 5\cdot10^{-3}$), Adam $10^{-4}$ halved at 50k/100k/200k/300k of 400k, started
# from stage 1. The profile scales them (the `gpu` profile keeps the papers' values):

# %%
from srlib.train import get_recipe, scaled

psnr_recipe = scaled(get_recipe("esrgan_psnr"), profile)
gan_recipe = scaled(get_recipe("esrgan"), profile)
if profile.name != "gpu":
    psnr_recipe.total_iters = gan_recipe.total_iters = max(8, profile.train_iters // 4)
for r in (psnr_recipe, gan_recipe):
    print(f"{r.name:<12} {r.generator} {r.num_feat}x{r.num_block}, batch {r.batch_size}, patch {r.hr_patch}, "
          f"{r.total_iters} iterations, adversarial={r.adversarial}, VGG weights={r.vgg_weights}")

# %% [markdown]
# **Mixed precision.** On a GPU the trainer runs forward passes under `torch.autocast` in
# bfloat16 where the GPU supports it (A100, L4, H100) and float16 with a gradient scaler
# otherwise (T4), and keeps images in `channels_last` layout; losses are computed in float32.
# On the CPU it trains in float32. `--amp off` switches it off.
#
# ## 4. Stage 1 and stage 2
#
# `srlib.train.run.train` is what `srlib train` calls: it writes checkpoints (atomically,
# the last three plus `best.pt`), `metrics.csv`, TensorBoard logs, validation crops and
# `generator.pt`.

# %% tags=["nbval-ignore-output"]
import warnings

from srlib.train.run import train

warnings.simplefilter("ignore")  # ci: the random-VGG warning was explained in notebook 04
start = time.perf_counter()
psnr_generator = train(psnr_recipe, DATA, RUNS / "esrgan_psnr", resume=(RUNS / "esrgan_psnr").exists() and ON_COLAB,
                       profile_name=profile.name)
stage1 = time.perf_counter() - start
start = time.perf_counter()
gan_generator = train(gan_recipe, DATA, RUNS / "esrgan", init=str(psnr_generator),
                      resume=(RUNS / "esrgan").exists() and ON_COLAB, profile_name=profile.name)
stage2 = time.perf_counter() - start
print(f"stage 1: {stage1:.0f} s, stage 2: {stage2:.0f} s on {device.type}")

# %%
print(sorted(p.name for p in (RUNS / "esrgan").iterdir()))

# %% [markdown]
# ## 5. Surviving a disconnect
#
# A resumed run must continue *exactly* where it stopped: models, optimisers, schedulers, the
# gradient scaler, the EMA, every random-number generator, and the data order (a function of
# the seed and the iteration). We check it: one uninterrupted run, and one interrupted
# half-way and resumed from its checkpoint.

# %%
check_recipe = scaled(get_recipe("esrgan_psnr"), profile)
check_recipe.total_iters = 6
train(check_recipe, "samples", RUNS / "uninterrupted", profile_name=profile.name, progress=False)
train(check_recipe, "samples", RUNS / "interrupted", max_iters=3, profile_name=profile.name, progress=False)
train(check_recipe, "samples", RUNS / "interrupted", resume=True, profile_name=profile.name, progress=False)
a = torch.load(RUNS / "uninterrupted" / "generator.pt", weights_only=True)["state_dict"]
b = torch.load(RUNS / "interrupted" / "generator.pt", weights_only=True)["state_dict"]
print("resumed run bit-identical to the uninterrupted one:", all(torch.equal(a[k], b[k]) for k in a))

# %% [markdown]
# (On a GPU, cuDNN may pick non-deterministic kernels, so a resumed GPU run matches to
# rounding rather than bit for bit.) From a terminal the same is
# `srlib train --recipe esrgan --out DIR --resume`.
#
# ## 6. Watching a run
#
# **TensorBoard** reads `DIR/tb`. In Colab or Jupyter:

# %%
if ON_COLAB:
    get_ipython().run_line_magic("load_ext", "tensorboard")  # noqa: F821
    get_ipython().run_line_magic("tensorboard", f"--logdir {RUNS}")  # noqa: F821
else:
    print("TensorBoard: run `tensorboard --logdir <run folder>/tb` in a terminal, or in Jupyter "
          "`%load_ext tensorboard` then `%tensorboard --logdir <run folder>`")

# %% [markdown]
# **Time and memory per iteration** of the GAN stage at this profile's size (machine
# dependent, not compared by CI):

# %% tags=["nbval-ignore-output"]
import resource

from srlib.data import sample_dataset
from srlib.train import Trainer

trainer = Trainer(gan_recipe, sample_dataset("train", 4, hr_patch=gan_recipe.hr_patch, repeat=100),
                  device=device)
batches = iter(trainer.loader(4))
trainer.train_step(*next(batches))  # warm-up
if device.type == "cuda":
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
start = time.perf_counter()
for img_lr, img_hr in batches:
    trainer.train_step(img_lr, img_hr)
if device.type == "cuda":
    torch.cuda.synchronize()
per_iteration = (time.perf_counter() - start) / 3
memory = (torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda"
          else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
print(f"{per_iteration:.2f} s per GAN iteration, peak memory {memory:.1f} GB ({device.type}); "
      f"the recipe's {get_recipe('esrgan').total_iters:,} iterations would take "
      f"{per_iteration * get_recipe('esrgan').total_iters / 3600:.0f} h at this size")

# %% [markdown]
# **Healthy versus collapsing curves.** In a healthy RaGAN run the discriminator's mean
# outputs for real and fake images stay close (it never wins outright) and the generator's
# adversarial loss stays bounded. When the discriminator wins, real and fake outputs drift
# apart, its loss goes to zero and the generator's adversarial loss grows: the generator
# stops receiving useful gradients. We provoke that by giving the discriminator a learning
# rate 50 times larger and compare the logged curves.

# %%
import csv

from dataclasses import replace

collapse_recipe = replace(gan_recipe, learning_rate_d=gan_recipe.learning_rate_d * 50)
train(collapse_recipe, "samples", RUNS / "collapse", init=str(psnr_generator), profile_name=profile.name,
      progress=False)


def curves(folder):
    with open(folder / "metrics.csv") as f:
        rows = [r for r in csv.DictReader(f) if r.get("d_real")]
    return {k: np.array([float(r[k]) for r in rows]) for k in ("iteration", "d_real", "d_fake", "loss_d")}


healthy, collapsed = curves(RUNS / "esrgan"), curves(RUNS / "collapse")
for name, c in (("healthy", healthy), ("D learning rate x50", collapsed)):
    print(f"{name:<20} final D(real) - D(fake) = {c['d_real'][-1] - c['d_fake'][-1]:7.2f}, "
          f"final D loss {c['loss_d'][-1]:.3f}")

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for ax, (name, c) in zip(axes, (("healthy", healthy), ("discriminator learning rate x50", collapsed))):
    ax.plot(c["iteration"], c["d_real"], label="mean D(real)")
    ax.plot(c["iteration"], c["d_fake"], label="mean D(fake)")
    ax.set(title=name, xlabel="iteration", ylabel="discriminator logit")
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# With the `ci` profile's few iterations the two curves only begin to separate; on a GPU over
# thousands of iterations the difference is stark.
#
# ## 7. Several GPUs: `torchrun`
#
# The trainer uses PyTorch's DistributedDataParallel when launched by `torchrun`: each process
# drives one GPU and trains on its own slice of every batch (the global batch is `batch_size`
# x the number of processes); gradients are averaged across processes; rank 0 writes the
# files. No course-specific launcher is involved:
#
# ```bash
# torchrun --nproc_per_node 4 -m srlib train --recipe esrgan --data div2k --out runs/esrgan \
#     --init runs/esrgan_psnr/generator.pt
# ```
#
# On CPUs the same command uses the gloo backend; the course's tests run it with 2 processes.
#
# ## What to remember
# - ESRGAN trains in two stages; stage 2 starts from stage 1's `generator.pt` (`--init`).
# - Keep runs on persistent storage; `--resume` continues bit for bit (on the CPU).
# - Watch D(real) and D(fake): a discriminator that wins outright starves the generator.
# - Mixed precision and `channels_last` on GPUs; `torchrun` for several GPUs.
