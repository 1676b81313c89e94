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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/notebooks/07_full_gpu_training.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # 07 · Full GPU training of SRGAN and ESRGAN
#
# **Session budget: planned, not yet measured on a T4.** On Colab (`gpu` profile) each stage
# trains for a bounded time, the `MINUTES` table below (which also allows 15 minutes for the
# data). The plan is that "Run all" fits one 90-minute session on a T4; downloads and
# validation come on top of the training budgets, and the plan has not been timed on a T4.
# Section 10 prints how long this run of the notebook took, on the machine that ran it.
# The full schedules take days on a T4: ESRGAN's 1,000,000 PSNR iterations, then 400,000
# GAN iterations (the totals of BasicSR's configs; the ESRGAN paper states no total), and
# SRGAN's 1,000,000 + 200,000 (the SRGAN paper, Sec. 3.2). So the notebook prints, from the
# speed it measures, what they would cost. They are one variable away:
# `FULL_SCHEDULE = True` trains every stage to its recipe's end, one session after another.
#
# **Goals**
# 1. Run the two-stage ESRGAN recipe and SRGAN on DIV2K: stage 1 from the authors' public
#    `RRDB_PSNR_x4` weights (or a bounded PSNR stage), stage 2 with RaGAN + VGG; mixed
#    precision on a GPU.
# 2. Survive a Colab disconnect: runs on Google Drive, and running the notebook again
#    *resumes* every stage with what is left of its budget instead of restarting it.
# 3. Read one GAN iteration in the trainer: the discriminator's step on detached fakes, the
#    generator's step against a frozen discriminator.
# 4. Measure: seconds per iteration, the hours and Colab sessions of the full schedules; then
#    evaluate what the runs trained beside bicubic and the shipped models, and tell a balanced
#    discriminator from one that has won.
# 5. Know how to use several GPUs with `torchrun`.
#
# Here (`ci`/`cpu` profiles) the same cells run at the profile's size on the bundled photos;
# the stages then end at their (small) iteration counts long before their minutes.
# Prerequisites: notebooks 01-06. Runtime: the stored `ci` run took about a quarter of an hour
# on one CPU thread (section 10); on Colab, planned at 90 minutes.

# %%
import time
from pathlib import Path

import numpy as np
import torch

from srlib.course.colab import on_colab
from srlib.course import setup, show

profile, device = setup(seed=0)
ON_COLAB = on_colab()
NOTEBOOK_START = time.perf_counter()  # section 10 prints how long the whole run took

FULL_SCHEDULE = False  # True: the recipes' full schedules (days on a T4), resumed session after session
SESSION_MINUTES = 90  # the plan for this notebook on a Colab T4, data included (not yet timed on a T4)
COLAB_SESSION_HOURS = 12  # the longest Colab session (the free tier often ends sooner)
MINUTES = {  # per step (planned); downloads (VGG19, weights) and validation come on top
    "data": 15, "esrgan_psnr": 10, "esrgan": 30, "srresnet_psnr": 8, "srgan": 14, "d_wins": 3, "speed": 1}
print(f"planned: {sum(MINUTES.values())} of {SESSION_MINUTES} minutes "
      f"({', '.join(f'{k} {v}' for k, v in MINUTES.items())}); full schedules: {FULL_SCHEDULE}")

# %% [markdown]
# ## 1. Where the runs live
#
# A Colab session can disconnect at any time, and its disk goes with it. On Colab we mount
# Google Drive and keep the runs (and the prepared data) there; if Drive cannot be mounted,
# `mount_drive` says so and falls back to a local folder. Elsewhere: a temporary folder.

# %%
import tempfile

from srlib.course.colab import mount_drive

if ON_COLAB:
    STORE, ON_DRIVE = mount_drive()
else:
    STORE, ON_DRIVE = Path(tempfile.mkdtemp(prefix="srgan-course-")), False  # fresh each run
RUNS = STORE / "runs"
SCRATCH = Path(tempfile.mkdtemp(prefix="scratch-"))  # demonstrations that need not survive
print("runs live on Google Drive" if ON_DRIVE else "runs live in a local folder")

# %% [markdown]
# ## 2. Data
#
# The `gpu` profile trains on DIV2K's 800 training images cut into 480 x 480 sub-images
# (notebook 01). BasicSR's cut (crops 240 pixels apart) writes every pixel about four times,
# as PNG: slow to make, and too large for a free Drive. So `div2k_subimages` cuts them
# **once**, without overlap, with fast PNG compression, on all cores, and keeps them on Drive
# as **one archive** (Drive copies one large file fast and thousands of small ones slowly);
# every later session restores that archive instead of downloading and cutting again. The
# cell prints which of the two happened and how long it took. The other profiles use the
# bundled photos.

# %% tags=["nbval-ignore-output"]
from srlib.course.colab import div2k_subimages

start = time.perf_counter()
if profile.name == "gpu":
    print(div2k_subimages("data", cache=STORE / "data" if ON_DRIVE else None))
    DATA, EVAL_IMAGES, WORKERS = "div2k", 10, 2  # validate on 10 DIV2K images; 2 loader processes
else:
    DATA, EVAL_IMAGES, WORKERS = "samples", profile.eval_images, 0  # the profile's validation images
print(f"training data: {DATA} (ready in {time.perf_counter() - start:.0f} s)")

# %% [markdown]
# ## 3. The recipes
#
# ESRGAN stage 1 is `esrgan_psnr` (L1, Adam $2\cdot10^{-4}$ halved every 200k iterations);
# stage 2 is `esrgan`: L1 ($\eta = 10^{-2}$) + VGG19 `conv5_4` before activation + RaGAN
# ($\lambda = 5\cdot10^{-3}$), Adam $10^{-4}$ halved at 50k/100k/200k/300k, started from
# stage 1. SRGAN pre-trains SRResNet with MSE (`srresnet_psnr`), then trains `srgan`:
# VGG54 content loss (`relu5_4`, features / 12.75) + $10^{-3}$ BCE. The profile scales them
# (the `gpu` profile keeps the recipes' values):

# %%
from srlib.train import get_recipe, scaled

STAGES = ("esrgan_psnr", "esrgan", "srresnet_psnr", "srgan")
recipes = {name: scaled(get_recipe(name), profile.recipe_size) for name in STAGES}
if profile.name != "gpu":
    for r in recipes.values():
        r.total_iters = max(6, profile.train_iters // 8)
for r in recipes.values():
    g = r.generator  # its GeneratorConfig
    print(f"{r.name:<14} {g.architecture} {g.num_feat}x{g.num_block}, batch {r.batch_size}, patch {r.hr_patch}, "
          f"{r.total_iters:,} iterations, adversarial={r.adversarial}, VGG weights={r.vgg_weights}")

# %% [markdown]
# **Whose values are these?** Not all of them are the papers'. The ESRGAN paper (Sec. 4.1)
# gives the learning rates and their schedules, batch 16, 128 x 128 patches and Adam with
# $\beta_2 = 0.999$; it states no total number of iterations and no weight averaging. The
# totals, $\beta_2 = 0.99$ and the EMA of the generator's weights come from BasicSR's configs
# (`train_RRDBNet_PSNR_x4.yml`, `train_ESRGAN_x4.yml`), which also replace the PSNR stage's
# halving by cosine restarts. The SRGAN paper (Sec. 3.2) gives its rates and iteration counts
# and $\beta_1 = 0.9$ only. The published recipes, before the profile scales them, and where
# each value comes from:

# %%
PROVENANCE = {  # recipe field -> whose value it is, per recipe
    "esrgan_psnr": {"learning_rate_g": "ESRGAN Sec. 4.1 (BasicSR too)",
                    "milestones": "ESRGAN Sec. 4.1: halved every 200k (BasicSR: cosine restarts)",
                    "betas": "BasicSR (ESRGAN Sec. 4.1: beta2 = 0.999)",
                    "total_iters": "BasicSR (ESRGAN states no total)",
                    "ema_decay": "BasicSR's GAN-stage config (ESRGAN states none)"},
    "esrgan": {"learning_rate_g": "ESRGAN Sec. 4.1 (BasicSR too)",
               "milestones": "ESRGAN Sec. 4.1 (BasicSR too)",
               "betas": "BasicSR (ESRGAN Sec. 4.1: beta2 = 0.999)",
               "total_iters": "BasicSR (ESRGAN states no total)",
               "ema_decay": "BasicSR (ESRGAN states none)"},
    "srresnet_psnr": {"learning_rate_g": "SRGAN Sec. 3.2", "milestones": "SRGAN Sec. 3.2 (one constant rate)",
                      "betas": "SRGAN gives beta1 = 0.9; beta2 is PyTorch's default",
                      "total_iters": "SRGAN Sec. 3.2", "ema_decay": "srlib's default (SRGAN states none)"},
    "srgan": {"learning_rate_g": "SRGAN Sec. 3.2", "milestones": "SRGAN Sec. 3.2 (1e-4, then 1e-5 after 100k)",
              "betas": "SRGAN gives beta1 = 0.9; beta2 is PyTorch's default",
              "total_iters": "SRGAN Sec. 3.2", "ema_decay": "srlib's default (SRGAN states none)"},
}
for name, sources in PROVENANCE.items():
    published = get_recipe(name)
    print(name)
    for field, source in sources.items():
        print(f"    {field:<16}{str(getattr(published, field)):<34}{source}")

# %% [markdown]
# **Mixed precision.** On a GPU the trainer runs forward passes under `torch.autocast` in
# bfloat16 where the GPU supports it (A100, L4, H100) and float16 with a gradient scaler
# otherwise (T4), and keeps images in `channels_last` layout; losses are computed in float32.
# A step whose loss is not finite is skipped *on the GPU* (fused Adam's `found_inf`), so the
# CPU never waits for the GPU just to check it. On the CPU it trains in float32.
#
# ### One GAN iteration
#
# Both GAN stages repeat one iteration with two networks and two optimisers. The generator
# $G$ maps LR to SR images; the discriminator $D$ scores HR and SR images with logits. Each
# optimiser must change only its own network, and two rules see to it:
#
# 1. **$G$'s step, against a frozen $D$.** $\mathcal{L}_G = \eta\,\mathcal{L}_1 +
#    \mathcal{L}_{percep} + \lambda\,\mathcal{L}_G^{Ra}(D(x_{HR}), D(G(x_{LR})))$. The
#    adversarial term's gradient flows *through* $D$ back into $G$, but $D$'s weights must
#    not learn from it: the trainer switches off their gradients (`requires_grad_(False)`)
#    and steps only $G$'s optimiser. $D$'s logits on the real images enter as constants
#    (`.detach()`).
# 2. **$D$'s step, on detached fakes.**
#    $\mathcal{L}_D^{Ra}(D(x_{HR}), D(\mathrm{sg}[G(x_{LR})]))$, where sg, "stop gradient", is
#    `.detach()`: the SR images become plain inputs, so $D$'s loss sends nothing back into
#    $G$, and only $D$'s optimiser steps.
#
# `srlib`'s trainer takes $G$'s step first and then $D$'s on the same fakes, as BasicSR does;
# PyTorch's DCGAN tutorial takes $D$'s step first. Both keep the two rules.

# %%
import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch


def gan_step_panel(ax, title, trained):
    """One step of the iteration: forward arrows black; red, the gradient that updates ``trained``."""
    centres = {"LR": (0.7, 2.6), "G": (2.6, 2.6), "SR": (4.5, 2.6), "HR": (4.5, 0.8), "D": (6.6, 1.7),
               "loss": (9.1, 1.7)}
    half_width = {"D": 1.0, "loss": 1.15}
    labels = {"LR": "LR", "SR": "SR", "HR": "HR",
              "G": "G\n(trained)" if trained == "G" else "G\n(not updated)",
              "D": "D (trained)" if trained == "D" else "D (frozen:\nrequires_grad\nFalse)",
              "loss": "L_G = L1 + L_percep\n+ lambda L_adv" if trained == "G" else "L_D (RaGAN)"}
    for key, (x, y) in centres.items():
        hw = half_width.get(key, 0.75)
        colour = "#fce5cd" if key == trained else "#eeeeee" if key in ("G", "D") else "#cfe2f3"
        ax.add_patch(FancyBboxPatch((x - hw, y - 0.5), 2 * hw, 1.0, boxstyle="round,pad=0.03",
                                    facecolor=colour, edgecolor="black", lw=0.8))
        ax.text(x, y, labels[key], ha="center", va="center", fontsize=8)
    for a, b in (("LR", "G"), ("G", "SR"), ("SR", "D"), ("HR", "D"), ("D", "loss")):
        (x0, y0), (x1, y1) = centres[a], centres[b]
        ax.annotate("", xy=(x1 - half_width.get(b, 0.75), y1), xytext=(x0 + half_width.get(a, 0.75), y0),
                    arrowprops=dict(arrowstyle="->", lw=1.0))
    if trained == "D":
        ax.text(5.35, 2.45, "detach():\nno gradient\nback to G", color="tab:red", fontsize=7, va="bottom")
    (x0, y0), (x1, y1) = centres["loss"], centres[trained]
    ax.annotate("", xy=(x1, y1 + 0.55), xytext=(x0, y0 + 0.55),
                arrowprops=dict(arrowstyle="->", color="tab:red", lw=1.4, ls="--",
                                connectionstyle=f"arc3,rad={0.3 if trained == 'G' else 0.5}"))
    note = "gradient into G, through D (D's weights get none)" if trained == "G" else "gradient into D only"
    ax.text((x0 + x1) / 2, 4.0 if trained == "G" else 3.1, note, color="tab:red", fontsize=8, ha="center")
    ax.set(xlim=(-0.2, 10.4), ylim=(0.1, 4.3))
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()


fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 3.6), layout="constrained")
gan_step_panel(ax1, "1. generator step: D frozen, only opt_g steps", "G")
gan_step_panel(ax2, "2. discriminator step: fakes detached, only opt_d steps", "D")
fig.suptitle("One GAN iteration in srlib's trainer (BasicSR's order)")
plt.show()

# %% [markdown]
# The trainer's code for one iteration, as it runs (the lines to find: `requires_grad_(False)`
# before $G$'s loss, `.detach()` on the real logits, `img_sr = img_sr.detach()` before $D$'s
# loss; for WGAN-GP, `n_critic` discriminator steps on fresh batches):

# %%
from srlib.train.trainer import Trainer

show(Trainer.step)

# %% [markdown]
# ## 4. The stages, each within its budget
#
# **Predict, then run** (questions 1 and 2). (1) Predict the seconds per iteration of RRDBNet
# (23 blocks, batch 16, 128x128 HR patches) with mixed precision on a T4; the progress bars
# below measure it on the `gpu` profile (`benchmarks/gpu_check.py` prints the iterations per
# second of the PSNR and GAN steps). (2) Colab disconnects at 70% of stage 2's budget: predict
# what running the notebook again trains, and for how long, before reading on.
#
# `srlib.train.run.train(recipe, RunOptions(...))` is what `srlib train` calls; the options are
# its command line, and `minutes=` is `--minutes`: it stops at
# the first iteration after the budget, validates, and writes a checkpoint (also one every 10
# minutes, so a disconnect loses little) and `status.json`. `run_stage` reads that file: after
# a disconnect, running the notebook again **resumes** each stage with what is left of its
# budget, and skips the stages already done.

# %%
from srlib.train import run_status
from srlib.train.run import RunOptions, train


def options(out, **kwargs):
    """A run in ``out`` on this notebook's device; the profile's validation images unless told otherwise."""
    return RunOptions(**{"out": out, "device": device, "eval_images": profile.eval_images,
                         "expect_cuda": profile.name == "gpu", **kwargs})


def run_stage(name, init=None):
    """Train stage ``name`` within its budget; resume it, or skip it when an earlier session finished it."""
    recipe, folder = recipes[name], RUNS / name
    minutes = None if FULL_SCHEDULE else MINUTES[name]
    status = run_status(folder)
    spent = status["trained_minutes"] if status else 0.0
    finished = status is not None and (status["iteration"] >= recipe.total_iters
                                       or (minutes is not None and spent >= minutes - 0.5))
    if finished and (folder / "generator.pt").exists():
        print(f"{name}: done in an earlier session ({status['iteration']:,} iterations, {spent:.0f} min)")
        return folder / "generator.pt"
    left = None if minutes is None else max(1.0, minutes - spent)
    if status:
        print(f"{name}: resuming at iteration {status['iteration']:,} "
              f"({spent:.0f} min done{'' if left is None else f', {left:.0f} min left'})")
    return train(recipe, options(folder, data=DATA, resume=status is not None, init=str(init) if init else None,
                                 minutes=left, eval_images=EVAL_IMAGES, num_workers=WORKERS,
                                 session_hours=COLAB_SESSION_HOURS))


# %% [markdown]
# **ESRGAN, stage 1.** On the `gpu` profile we start from the authors' PSNR-oriented
# `RRDB_PSNR_x4` (the paper's 1,000,000 iterations, already done), kept on Drive after the first
# download. If it cannot be downloaded, a bounded PSNR stage trains instead.

# %% tags=["nbval-ignore-output"]
import warnings

from srlib.models import download_esrgan_weights

warnings.simplefilter("ignore")  # ci: the random-VGG warning was explained in notebook 04
psnr_generator = None
if profile.name == "gpu" and not FULL_SCHEDULE:
    try:
        (psnr_generator,) = download_esrgan_weights(STORE / "weights", names=("RRDB_PSNR_x4.pth",))
        print(f"stage 1: the public {psnr_generator.name}")
    except (FileNotFoundError, OSError) as exc:
        print(f"RRDB_PSNR_x4 could not be downloaded ({exc}); training a bounded PSNR stage instead")
if psnr_generator is None:
    psnr_generator = run_stage("esrgan_psnr")

# %% [markdown]
# **ESRGAN, stage 2**, started from stage 1. The progress bar shows the loss, the measured
# seconds per iteration and what the recipe's full schedule would take at that speed.

# %% tags=["nbval-ignore-output"]
esrgan_generator = run_stage("esrgan", init=psnr_generator)

# %% [markdown]
# **SRGAN**: SRResNet pre-trained with MSE, then the GAN stage from it.

# %% tags=["nbval-ignore-output"]
srresnet_generator = run_stage("srresnet_psnr")
srgan_generator = run_stage("srgan", init=srresnet_generator)

# %%
for name in STAGES:
    if (RUNS / name).is_dir():
        print(f"{name:<14}", sorted(p.name for p in (RUNS / name).iterdir() if not p.name.startswith("ckpt_")),
              f"+ {len(list((RUNS / name).glob('ckpt_*.pt')))} checkpoint(s)")

# %% [markdown]
# ## 5. What the full schedules cost
#
# Every checkpoint's `status.json` holds the measured seconds per iteration (the first,
# warm-up iteration excluded). At that speed, the recipes' full iteration counts need the
# hours below. They are hours for the networks trained *here*: on the `gpu` profile the
# papers' sizes, on `ci` and `cpu` a toy generator of a few features and blocks at a smaller
# batch and patch. A toy's hours are not what ESRGAN or SRGAN costs (the VGG19 of the
# perceptual loss, for one, keeps its full size); the printed sizes say which case this run is.

# %% tags=["nbval-ignore-output"]
from srlib.train import estimate

speeds = {name: s["seconds_per_iteration"] for name in STAGES
          if (s := run_status(RUNS / name)) and s["seconds_per_iteration"]}
if "esrgan_psnr" not in speeds:  # stage 1 came from the public weights: measure it for a minute
    train(recipes["esrgan_psnr"], options(SCRATCH / "psnr_speed", data=DATA, minutes=MINUTES["speed"],
                                          progress=False, eval_images=1))
    speeds["esrgan_psnr"] = run_status(SCRATCH / "psnr_speed")["seconds_per_iteration"]
notebook_hours = SESSION_MINUTES / 60


def network_size(r):
    """'64x23, batch 16, patch 128': the generator's features x blocks and the batch's size."""
    return f"{r.generator.num_feat}x{r.generator.num_block}, batch {r.batch_size}, patch {r.hr_patch}"


for paper, parts in (("ESRGAN", ("esrgan_psnr", "esrgan")), ("SRGAN", ("srresnet_psnr", "srgan"))):
    here, published = network_size(recipes[parts[1]]), network_size(get_recipe(parts[1]))
    size = (f"measured on the paper's network ({here})" if here == published else
            f"measured on a toy network ({here}; the paper's: {published}): not {paper}'s cost")
    hours = 0.0
    for name in parts:
        e = estimate(speeds[name], get_recipe(name).total_iters, session_hours=COLAB_SESSION_HOURS)
        hours += e.full_hours
        print(f"{name:<14} {e.seconds_per_iteration:6.3f} s/it x {e.total_iters:>9,} iterations = "
              f"{e.full_hours:8.1f} h")
    print(f"{paper}'s schedule: {hours:.1f} h on {device.type} = "
          f"{int(np.ceil(hours / COLAB_SESSION_HOURS))} Colab session(s) of {COLAB_SESSION_HOURS} h, or "
          f"{int(np.ceil(hours / notebook_hours))} sessions of this notebook's planned "
          f"{SESSION_MINUTES} minutes;\n    {size}\n")

# %% [markdown]
# ## 6. The validation crops
#
# At each validation (and at the end of every session) a run writes a crop of its first
# validation image to `samples/iter_NNNNNN.png`: bicubic | model | ground truth. The latest
# of each stage:

# %%
from PIL import Image

crops = {name: sorted((RUNS / name / "samples").glob("iter_*.png")) for name in STAGES}
crops = {name: files[-1] for name, files in crops.items() if files}
print("latest crops:", ", ".join(f"{name} {path.name}" for name, path in crops.items()))
fig, axes = plt.subplots(len(crops), 1, figsize=(9, 3.2 * len(crops)), squeeze=False)
for ax, (name, path) in zip(axes[:, 0], crops.items()):
    ax.imshow(Image.open(path))
    ax.set_title(f"{name}, {path.stem}: bicubic | model | HR")
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# At the `ci` profile's size and 6 iterations from random weights the models still output
# almost nothing, so their panels are nearly black: this shows the files a run writes, not a
# result (notebooks 05 and 08 show trained models). On a GPU the model panel is the one to
# watch as stage 2 proceeds.
#
# ### What the runs trained, evaluated
#
# A crop is one picture; the evaluation is the course's one evaluation loop,
# `srlib.infer.evaluate_generator` (notebook 08, section 2): PSNR-Y and SSIM-Y under the
# literature's protocol, beside MATLAB bicubic, on whole images. Every generator this run
# wrote is measured beside the course's shipped `psnr` and `ragan` models, with the number of
# iterations each one trained. On the `gpu` profile the test set is Set5 when it can be
# downloaded; elsewhere the three held-out bundled photos, which no model trained on.

# %%
from srlib.infer import evaluate_generator, evaluation_set
from srlib.models import load_generator
from srlib.pretrained import describe

eval_data, eval_name = evaluation_set("samples"), "the held-out bundled photos"
if profile.name == "gpu":
    from srlib.data import download_benchmarks

    try:
        download_benchmarks("data")
        eval_data, eval_name = evaluation_set("set5", root="data"), "Set5"
    except (OSError, FileNotFoundError) as exc:
        print(f"Set5 could not be downloaded ({exc}); evaluating on {eval_name} instead")
generators = {}  # label -> (weights, iterations trained)
if not str(psnr_generator).startswith(str(RUNS)):  # stage 1 came from the authors' public weights
    generators["RRDB_PSNR_x4 (authors')"] = (psnr_generator, "published")
for name in STAGES:
    if (RUNS / name / "generator.pt").exists():
        generators[f"{name} (trained here)"] = (RUNS / name / "generator.pt", f"{run_status(RUNS / name)['iteration']:,}")
for name in ("psnr", "ragan"):
    generators[f"{name} (shipped)"] = (name, f"{describe(name)['iterations']:,}")
scores = {label: evaluate_generator(load_generator(weights, device), eval_data, 4, device)["mean"]
          for label, (weights, _) in generators.items()}
bicubic = next(iter(scores.values()))
print(f"on {eval_name} ({len(eval_data)} images), PSNR-Y / SSIM-Y, border 4:")
print(f"{'':<28}{'iterations':>12}{'PSNR-Y':>10}{'SSIM-Y':>9}{'vs bicubic':>12}")
print(f"{'MATLAB bicubic':<28}{'-':>12}{bicubic['bicubic_psnr']:>7.2f} dB{bicubic['bicubic_ssim']:>9.4f}")
for label, (_, iterations) in generators.items():
    m = scores[label]
    print(f"{label:<28}{iterations:>12}{m['model_psnr']:>7.2f} dB{m['model_ssim']:>9.4f}"
          f"{m['model_psnr'] - m['bicubic_psnr']:>+9.2f} dB")
here = [label for label in generators if "trained here" in label]
below = [label for label in here if scores[label]["model_psnr"] < scores[label]["bicubic_psnr"]]
print(f"runs of this notebook below bicubic: {len(below)} of {len(here)}")

# %%
from srlib.data import imresize
from srlib.metrics import psnr

img_lr, img_hr = eval_data[0]  # (3, h, w), (3, H, W) in [0, 1]
with torch.no_grad():
    panels = {"bicubic": imresize(img_lr[None].double(), 4).clamp(0, 1).float()}
    for label, (weights, _) in generators.items():
        panels[label] = load_generator(weights, device)(img_lr[None].to(device)).clamp(0, 1).cpu()
panels["HR"] = img_hr[None]
h, w = img_hr.shape[-2:]
crop = (slice(h // 3, h // 3 + 96), slice(w // 3, w // 3 + 96))
fig, axes = plt.subplots(1, len(panels), figsize=(2.4 * len(panels), 3.2), layout="constrained")
for ax, (label, img) in zip(axes, panels.items()):
    ax.imshow(img[0].permute(1, 2, 0).numpy()[crop])
    score = "" if label == "HR" else f"\n{psnr(img, img_hr[None]).item():.2f} dB"
    ax.set_title(label.replace(" (", "\n(") + score, fontsize=8)
    ax.axis("off")
fig.suptitle(f"{eval_data.names[0]}, 96 x 96 HR crop (PSNR-Y of the whole image)")
plt.show()

# %% [markdown]
# Read the iterations column before the PSNR. Under the `ci` profile the runs of this notebook
# trained a few iterations of a toy network from random weights, so they sit far below
# bicubic and their crops are dark or flat: the numbers measure the length of the run, not
# the recipes. The shipped models trained far longer (`ragan`'s count is its GAN stage,
# started from `psnr`'s). On Colab the same cell measures your stage-2 ESRGAN beside the
# authors' stage 1, on Set5, and notebook 08 (section 3) interpolates them.
#
# ## 7. Surviving a disconnect
#
# A resumed run must continue *exactly* where it stopped: models, optimisers, schedulers, the
# gradient scaler, the EMA, every random-number generator, and the data order (a function of
# the seed and the iteration). We check it: one uninterrupted run, and one interrupted
# half-way and resumed from its checkpoint.

# %%
check_recipe = scaled(get_recipe("esrgan_psnr"), profile.recipe_size)
check_recipe.total_iters = 4
train(check_recipe, options(SCRATCH / "uninterrupted", progress=False))
train(check_recipe, options(SCRATCH / "interrupted", max_iters=2, progress=False))
train(check_recipe, options(SCRATCH / "interrupted", resume=True, progress=False))
a = torch.load(SCRATCH / "uninterrupted" / "generator.pt", weights_only=True)["state_dict"]
b = torch.load(SCRATCH / "interrupted" / "generator.pt", weights_only=True)["state_dict"]
print("resumed run bit-identical to the uninterrupted one:", all(torch.equal(a[k], b[k]) for k in a))

# %% [markdown]
# (On a GPU, cuDNN may pick non-deterministic kernels, so a resumed GPU run matches to
# rounding rather than bit for bit; a checkpoint written on a GPU also resumes on another GPU
# type or on the CPU, and says so.) From a terminal the same is
# `srlib train --recipe esrgan --out DIR --resume --minutes 60`: another hour of training.
#
# ## 8. Watching a run
#
# **TensorBoard** reads `DIR/tb`: in a terminal `tensorboard --logdir DIR/tb`; in Colab or
# Jupyter `%load_ext tensorboard` then `%tensorboard --logdir DIR`.

# %%
if ON_COLAB and profile.name == "gpu":
    get_ipython().run_line_magic("load_ext", "tensorboard")  # noqa: F821
    get_ipython().run_line_magic("tensorboard", f"--logdir {RUNS}")  # noqa: F821
print(f"TensorBoard logs: {', '.join(f'{name}/tb' for name in STAGES if (RUNS / name / 'tb').is_dir())}")

# %% [markdown]
# **A balanced discriminator versus one that has won.** In a balanced RaGAN run neither
# network wins outright: the discriminator's loss stays well above zero (a tie, real and fake
# logits equal, gives $2\log 2 \approx 1.39$). When the discriminator wins, the real and fake
# logits drift apart and its loss goes to zero. What that does to the two networks' gradients
# follows from the RaGAN losses. With all real logits equal and all fake logits equal, a gap
# $\Delta = C(x_r) - C(x_f)$ apart, $\mathcal{L}_D^{Ra} = 2\log(1 + e^{-\Delta})$ and
# $\mathcal{L}_G^{Ra} = 2\log(1 + e^{\Delta})$, and the discriminator gives the right answer
# with probability $\sigma(\Delta)$ in both of its terms. The next cell evaluates the library's
# losses and their gradients along $\Delta$.

# %%
from srlib.losses import ragan_discriminator_loss, ragan_generator_loss


def ragan_at(gap):
    """(L_D, dL_D/dC(x_r), L_G, dL_G/dC(x_f)) for one real logit ``gap`` above one fake logit."""
    real, fake = torch.tensor([[gap / 2]], requires_grad=True), torch.tensor([[-gap / 2]], requires_grad=True)
    loss_d = ragan_discriminator_loss(real, fake)
    (grad_d,) = torch.autograd.grad(loss_d, real)
    loss_g = ragan_generator_loss(real, fake)
    (grad_g,) = torch.autograd.grad(loss_g, fake)
    return loss_d.item(), grad_d.item(), loss_g.item(), grad_g.item()


print(f"{'gap':>6}{'P(D right)':>12}{'L_D':>8}{'dL_D/dC(x_r)':>14}{'L_G':>8}{'dL_G/dC(x_f)':>14}")
for gap in (0.0, 1.0, 2.0, 3.0, 5.0, 8.0):
    loss_d, grad_d, loss_g, grad_g = ragan_at(gap)
    print(f"{gap:>6.1f}{1 / (1 + np.exp(-gap)):>12.3f}{loss_d:>8.3f}{grad_d:>14.3f}{loss_g:>8.3f}{grad_g:>14.3f}")
for threshold in (0.05, 0.5):
    gap = -np.log(np.expm1(threshold / 2))  # solves 2 log(1 + e^-gap) = threshold
    print(f"L_D = {threshold}: gap {gap:.2f}, D right with probability {1 / (1 + np.exp(-gap)):.3f}")

# %% [markdown]
# Read the gradient columns. As the gap grows, the discriminator's gradient goes to zero: a
# discriminator that has won stops learning. The generator's does not: it grows towards 2,
# the largest it can be, so RaGAN's generator is pushed hardest exactly when its fakes look
# worst (notebook 05's table: $-1.99$ at $C(x_f) = -5$). A won discriminator does not starve
# the generator of gradient; it keeps pushing it at full strength from a classifier that has
# stopped adapting, and the generator's adversarial loss grows with the gap.
#
# We read the discriminator loss averaged over the last quarter of the logged steps, and call
# the discriminator *won* below 0.05, *winning* from 0.05 to 0.5, and the run *balanced* above
# 0.5. These thresholds are the course's heuristic, not a paper's; the last two lines above
# translate them: below 0.05 the discriminator is right about 97.5% of the time or more, above
# 0.5 about 78% or less. The two runs below land far on either side of them (their late
# losses are printed under the figure). We provoke a discriminator that wins by giving it a
# learning rate 50 times larger (for its own few minutes on the `gpu` profile; elsewhere for
# twice stage 2's iterations and at least 40, so that the last quarter of the log averages
# several steps) and compare its logged curves with stage 2's.
#
# **Predict, then run** (question 3). Sketch the mean D(real) and D(fake) over the iterations
# for a discriminator that wins outright, and say which of the two networks' gradients the
# table above predicts will vanish. Then run the next cells.

# %%
import csv
from dataclasses import replace

provoked_recipe = replace(recipes["esrgan"], learning_rate_d=recipes["esrgan"].learning_rate_d * 50,
                          log_every=min(10, recipes["esrgan"].log_every))
provoked_minutes = MINUTES["d_wins"] if profile.name == "gpu" else None  # elsewhere: its iterations, on any CPU
if profile.name != "gpu":
    provoked_recipe.total_iters = max(40, 2 * recipes["esrgan"].total_iters)  # 12 steps gave a verdict
    # that changed with the machine's floating-point kernels; 40 put it far from the thresholds
train(provoked_recipe, options(SCRATCH / "d_lr_x50", data=DATA, init=str(psnr_generator), progress=False,
                               minutes=provoked_minutes, eval_images=EVAL_IMAGES))


def curves(folder):
    """The logged discriminator logits and losses of a run, from its metrics.csv."""
    with open(folder / "metrics.csv") as f:
        rows = [r for r in csv.DictReader(f) if r.get("d_real")]
    keys = ("iteration", "d_real", "d_fake", "loss_d", "adversarial")
    return {k: np.array([float(r[k]) for r in rows]) for k in keys}


balanced, provoked = curves(RUNS / "esrgan"), curves(SCRATCH / "d_lr_x50")


def late_d_loss(c):
    return float(c["loss_d"][-max(1, len(c["loss_d"]) // 4):].mean())


def verdict(loss):
    return "D has won (< 0.05)" if loss < 0.05 else "balanced (> 0.5)" if loss > 0.5 else "D winning (0.05-0.5)"


for name, c in (("stage 2 (esrgan)", balanced), ("discriminator lr x50", provoked)):
    print(f"{name:<22} late D loss: {verdict(late_d_loss(c))}")
gap = {name: c["d_real"][-1] - c["d_fake"][-1] for name, c in (("stage 2", balanced), ("x50", provoked))}
grads = {name: ragan_at(value) for name, value in gap.items()}  # at the final mean logits
print(f"D(real) - D(fake) at the end is larger with the x50 discriminator: {gap['x50'] > gap['stage 2']}")
print("at the final mean logits, the x50 run's D gradient is smaller and its G gradient larger: "
      f"{abs(grads['x50'][1]) < abs(grads['stage 2'][1]) and abs(grads['x50'][3]) > abs(grads['stage 2'][3])}")

# %% tags=["nbval-ignore-output"]
from matplotlib.ticker import MaxNLocator

for name, c in (("stage 2", balanced), ("x50", provoked)):
    _, grad_d, _, grad_g = grads[name]
    print(f"{name:<8} final D(real) - D(fake) {gap[name]:5.2f}, late D loss {late_d_loss(c):.3f}, "
          f"dL_D/dC(x_r) {grad_d:+.3f}, dL_G/dC(x_f) {grad_g:+.3f}, "
          f"G's adversarial loss {c['adversarial'][0]:.2f} -> {c['adversarial'][-1]:.2f} (iterations "
          f"{c['iteration'][0]:.0f} -> {c['iteration'][-1]:.0f})")
fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for ax, (name, c) in zip(axes, (("stage 2 (balanced)", balanced), ("discriminator learning rate x50", provoked))):
    ax.plot(c["iteration"], c["d_real"], label="mean D(real)")
    ax.plot(c["iteration"], c["d_fake"], label="mean D(fake)")
    ax.set(title=name, xlabel="iteration", ylabel="discriminator logit")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # iterations are whole numbers
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Stage 2's two curves stay close; the x50 discriminator's drift apart within a few dozen
# steps, the signature of a discriminator that has won. The lines printed above the figure
# put numbers on it: at the x50 run's final mean logits its own gradient has almost vanished
# while the generator's is near RaGAN's maximum of 2, and the generator's adversarial loss has
# grown. In a real run on a GPU, over thousands of iterations, a slower drift of the same kind
# is what to watch for.
#
# ## 9. Several GPUs: `torchrun`
#
# The trainer uses PyTorch's DistributedDataParallel when launched by `torchrun`: each process
# drives one GPU and trains on its own slice of every batch (the global batch is `batch_size`
# x the number of processes); gradients are averaged across processes; rank 0 writes the
# files. No course-specific launcher is involved:
#
# ```bash
# torchrun --nproc_per_node 4 -m srlib train --recipe esrgan --data div2k --out runs/esrgan \
#     --init weights/RRDB_PSNR_x4.pth --minutes 60
# ```
#
# On CPUs the same command uses the gloo backend; the course's tests run it with 2 processes.
# `benchmarks/gpu_check.py` runs it over NCCL on one GPU, with every other CUDA path.

# %% [markdown]
# ## 10. How long this run took
#
# The session budget at the top is a plan. This is the measurement for the run you are
# reading, on the machine that made it (the stored outputs: the `ci` profile on a CPU; on
# Colab, your T4 or whichever GPU you were given):

# %% tags=["nbval-ignore-output"]
minutes_taken = (time.perf_counter() - NOTEBOOK_START) / 60
where = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
print(f"this run: {minutes_taken:.1f} minutes from the set-up cell to here, profile {profile.name}, on {where}; "
      f"planned for the gpu profile on a T4: {SESSION_MINUTES} minutes (training budgets {sum(MINUTES.values())})")

# %% [markdown]
# ## Predict, then run
# Questions 1 to 3 stand in sections 4 and 8, before the cells that answer them.
#
# 4. Stage 2 and the x50 run differ only in the discriminator's learning rate. Predict the
#    late discriminator loss of a run with a learning rate 5 times larger, place it against the
#    thresholds of section 8, then run it (`learning_rate_d * 5` in the provoked recipe).
#
# ## References
# - X. Wang et al. (ESRGAN), [arXiv:1809.00219](https://arxiv.org/abs/1809.00219): Sec. 4.1 (the two
#   stages, their schedules, DIV2K and Flickr2K).
# - C. Ledig et al. (SRGAN), [arXiv:1609.04802](https://arxiv.org/abs/1609.04802): Sec. 3.2.
# - A. Jolicoeur-Martineau (RaGAN), [arXiv:1807.00734](https://arxiv.org/abs/1807.00734);
#   I. Gulrajani et al. (WGAN-GP), [arXiv:1704.00028](https://arxiv.org/abs/1704.00028).
# - P. Micikevicius et al., *Mixed Precision Training*, ICLR 2018,
#   [arXiv:1710.03740](https://arxiv.org/abs/1710.03740).
# - E. Agustsson and R. Timofte, *NTIRE 2017 Challenge on Single Image Super-Resolution: Dataset
#   and Study* (DIV2K), CVPRW 2017.

# %% [markdown]
# ## What to remember
# - ESRGAN trains in two stages; stage 2 starts from a PSNR-oriented generator (`--init`), here
#   the authors' own when it can be downloaded.
# - The full schedules are days on a T4: train in bounded sessions (`--minutes`), keep runs
#   on persistent storage, `--resume`; the speed you measure tells you how many sessions.
# - One GAN iteration: the generator steps against a frozen discriminator, the discriminator
#   steps on detached fakes; each optimiser changes only its own network.
# - Say whose value each hyperparameter is: ESRGAN's paper gives the rates and schedules,
#   BasicSR's configs the totals, $\beta_2 = 0.99$ and the EMA.
# - Watch D(real) and D(fake): a discriminator that wins outright stops learning (its gradient
#   goes to zero) while RaGAN keeps pushing the generator at full strength.
# - Evaluate what you trained with the protocol, beside bicubic and a reference model; a
#   crop alone says little.
# - Mixed precision and `channels_last` on GPUs; `torchrun` for several GPUs.
#
# **Exercise:** [exercise 07](../exercises/ex07_gan_training_step.ipynb) (one GAN iteration: D frozen
# in G's step, D's step on detached fakes, G first).
