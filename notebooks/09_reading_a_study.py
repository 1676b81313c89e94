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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/notebooks/09_reading_a_study.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # 09 · Reading a hyper-parameter study
#
# **Goals**
# 1. Read source document 004's study the way a reviewer would: every configuration was run
#    once, its tables have no bicubic row, and one of its rows is a broken run.
# 2. Run a study properly with `srlib sweep`: a grid over recipe fields, times seeds, each
#    point an ordinary resumable training run, one grid shared by several machines.
# 3. Tell a real difference from seed-to-seed noise with a paired comparison.
# 4. Recognise a diverged run, a model worse than bicubic, and a learning rate too small to move.
#
# Prerequisites: notebooks 05-08. Runtime: under a minute (`ci` and `cpu` load the study the
# course ships; the `gpu` profile runs it, not yet timed on a GPU).

# %%
import numpy as np

from srlib.course import setup, show

profile, device = setup(seed=0)

# %% [markdown]
# ## Predict, then run
# Answer each question before you run the section that measures it.
# 1. The document's crop-96 models score 21.3 dB on Set5, its crop-48 and crop-128 models 26.4
#    and 24.8. Is crop size the cause? (Section 1.)
# 2. Two runs of one configuration that differ only in the random seed: how far apart do you
#    expect their PSNR to be after a few hundred iterations, 0.01 dB, 0.1 dB or 1 dB? (Section 3.)
# 3. With three seeds per configuration, how often would a rule that asks "every seed agrees
#    in sign, and the mean difference is at least twice its standard deviation" call two
#    *identical* configurations different? (Section 4.)
# 4. Where does a learning rate of 1e-6 leave a GAN after a few epochs? (Section 5.)
#
# ## 1. The document's tables, with the row they left out
#
# Source document 004 swept SRGAN's generator depth (8, 16, 32 residual blocks), its
# discriminator depth (4, 8 conv blocks; 16 ran out of GPU memory), the learning rate (1e-6,
# 1e-5, 1e-4) and the HR crop (48, 64, 96, 128), each configuration **once**, and scored
# PSNR on Set5, Set14, B100, Urban100 and DIV2K's validation set. Here are its crop table and its
# final table as printed in the document, beside bicubic's published PSNR-Y on the four test
# sets (x4, Y channel, border 4: the row every SR table needs, because "better than doing
# nothing" is the first claim a model must earn). We have no checked bicubic figure for DIV2K
# valid, so that column gets none.

# %%
SETS = ("Set5", "Set14", "B100", "Urban100", "DIV2K valid")
BICUBIC = {"Set5": 28.42, "Set14": 26.00, "B100": 25.96, "Urban100": 23.14}  # published, REFERENCE.md
DOCUMENT = {  # PSNR (dB) as printed in source document 004, sections 4.2 and 5
    "A.48  (32 blocks, D 16, crop 48)": (26.417, 24.488, 25.113, 22.329, 26.136),
    "A.96  (32 blocks, D 16, crop 96)": (21.325, 20.420, 20.849, 18.080, 18.091),
    "A.128 (32 blocks, D 16, crop 128)": (24.774, 24.774, 24.390, 22.039, 25.029),
    "B.64  (8 blocks, D 4, crop 64)": (27.104, 25.249, 25.055, 22.397, 25.606),
    "B.96  (8 blocks, D 4, crop 96)": (22.965, 24.019, 23.033, 20.506, 21.230),
    "B.128 (8 blocks, D 4, crop 128)": (26.454, 24.935, 24.974, 22.582, 26.256),
    "final SRGAN (30 epochs)": (27.313, 25.478, 25.399, 22.983, 26.906),
    "final ESRGAN (30 epochs)": (27.138, 25.012, 24.556, 22.840, 25.893),
}
print(f"{'PSNR (dB) minus bicubic':<36}" + "".join(f"{s:>10}" for s in SETS[:4]) + f"{'DIV2K (dB)':>12}")
print(f"{'bicubic (published)':<36}" + "".join(f"{BICUBIC[s]:10.2f}" for s in SETS[:4]))
for name, values in DOCUMENT.items():
    gaps = [v - BICUBIC[s] for s, v in zip(SETS[:4], values)]
    print(f"{name:<36}" + "".join(f"{g:+10.2f}" for g in gaps) + f"{values[4]:12.2f}")

# %% [markdown]
# Read it row by row, always against the bicubic row:

# %%
doc = {name: np.array(values) for name, values in DOCUMENT.items()}
for group in ("A", "B"):
    rows = {name.split()[0]: v for name, v in doc.items() if name.startswith(group + ".")}
    crop96 = rows[f"{group}.96"]
    others = np.mean([v for key, v in rows.items() if key != f"{group}.96"], axis=0)
    print(f"{group}.96: {crop96[0] - BICUBIC['Set5']:+.1f} dB against bicubic on Set5, "
          f"{crop96[0] - others[0]:+.1f} dB against its own smaller and larger crops there, "
          f"{crop96[4] - others[4]:+.1f} dB on DIV2K valid")
for name in ("final SRGAN (30 epochs)", "final ESRGAN (30 epochs)"):
    print(f"{name}: {doc[name][0]:.2f} dB on Set5, {doc[name][0] - BICUBIC['Set5']:+.2f} dB against bicubic's "
          f"{BICUBIC['Set5']:.2f}; below bicubic on {sum(doc[name][:4] < np.array(list(BICUBIC.values())))} of 4 sets")

# %% [markdown]
# Two lessons before any training:
#
# - **A row that is worse than bicubic and worse than both of its neighbours is a broken run,
#   not an effect.** Both crop-96 models fall several dB below bicubic and below the crops on
#   either side of them (printed above); no smooth effect of crop size goes down and up again by
#   that much. A diverged training, a mismatched checkpoint or a bug in evaluation does; such a
#   row must be rerun, not explained ("Models with crop size 96 have the worst performances",
#   the document concludes).
# - **Without the bicubic row a table cannot say that nothing worked.** The document's final
#   models, which it ranks by a few tenths of a dB, are both below bicubic on Set5 (printed
#   above). Under the protocol of notebook 08 that is a training or evaluation fault, not a
#   property of GANs.
#
# ## 2. A sweep, with seeds: `srlib sweep`
#
# A study is a grid of recipe fields: an *axis* names a field of `srlib.train.Recipe` (for
# example `hr_patch`, `disc_blocks`, the discriminator's conv blocks), of its generator
# (`generator.num_block`), or several fields joined by `+` that take one value together
# (`learning_rate_g+learning_rate_d`, the document's single learning rate). Every combination
# runs with every seed; a seed changes the initial weights and the order of the training
# patches, and nothing else. The document's four sweeps, as grids:

# %%
from srlib.pretrained.sweeps import SWEEPS, load_study, run_study, study_recipe
from srlib.sweep import Grid, parse_grid

for name, (axis, values, epochs) in SWEEPS.items():
    grid = parse_grid([f"{axis}={','.join(map(str, values))}"], seeds=3)
    print(f"{name:<22} {len(grid.configurations())} configurations x 3 seeds = {len(grid.points())} runs   "
          f"e.g. {grid.points()[0].key}")

# %% [markdown]
# Each point is an ordinary `srlib train` run in its own folder, trained by the very function
# `srlib train` calls (`train(recipe, RunOptions(...))`, whose loop is the course's one loop,
# `Trainer.fit`), then scored on the evaluation sets beside bicubic:

# %%
from srlib.sweep.worker import train_point

show(train_point)

# %% [markdown]
# The grid lives in an [Optuna](https://optuna.org) study, a SQLite file in the sweep's folder
# by default. Every point is enqueued when the study is made; a worker takes the next waiting
# point, so several workers (terminals, machines, Colab sessions) pointed at one storage share
# the grid and each point runs exactly once per seed. A worker that is stopped leaves its point
# to the next one, which resumes it from its checkpoint. From the command line:
#
# ```bash
# srlib sweep --recipe srgan --grid generator.num_block=8,16,32 --seeds 3 --max-iters 2000 --out runs/blocks
# # the same grid shared by several machines: a database server, or Optuna's journal file on a shared folder
# srlib sweep ... --storage postgresql://user:password@host/sweeps
# srlib sweep ... --journal /content/drive/MyDrive/sweeps/blocks.log
# optuna-dashboard sqlite:///runs/blocks/sweep.db   # pip install optuna-dashboard
# ```
#
# Here is a very small sweep, run now: two learning rates, one of them absurd (1e30), one
# seed, eight iterations of a tiny version of the study's recipe. The absurd point diverges
# (its losses stop being finite), is recorded as failed with its reason, and the sweep goes on.
# Started a second time, the same sweep has nothing left to run.

# %% tags=["nbval-ignore-output"]
import tempfile
import warnings
from dataclasses import replace

from srlib.pretrained.sweeps import small_study_recipe
from srlib.sweep.worker import Sweep, run_sweep

folder = tempfile.mkdtemp()
tiny = Sweep(small_study_recipe(), Grid({"learning_rate_g": (1e-4, 1e30)}, seeds=1), f"{folder}/tiny",
             max_iters=8, device=device, progress=False)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the skipped non-finite steps and "a GAN from scratch" warnings
    records = run_sweep(tiny)
    again = run_sweep(replace(tiny, log=[]))

# %%
for r in records:
    print(f"{r['point']:<28} {r['state']:<9} " + (r.get("failure", "")[:70] or f"{r['iterations']} iterations"))
print(f"second start: {len(again)} points, {sum(r['state'] == 'complete' for r in again)} complete, "
      f"nothing trained again")

# %% [markdown]
# ## 3. The document's four sweeps at course scale
#
# The course ships the document's study redone with three seeds per configuration, small
# enough for a CPU: `tools/study.py` ran it through `srlib sweep` and kept the scores (no model
# files). The recipe is SRGAN's at course size: an SRResNet generator (BatchNorm, PReLU, 16
# features) trained from scratch as the document did, SRGAN's discriminator (16 features), MSE
# plus 1e-3 BCE adversarial loss **without the VGG loss** (on a CPU it would make every
# iteration several times slower), Adam at 1e-4 for both networks, batch 8, HR crop 48, on the
# bundled training photos, scored on the three held-out photos (PSNR-Y / SSIM-Y, border 4).
# Each sweep keeps the document's epochs at 20 iterations per epoch. On the `gpu` profile the
# study runs here instead, five times longer.

# %%
if profile.name == "gpu":
    study = {"meta": {"command": "run_study in this notebook"},
             "sweeps": run_study("runs/study004", per_epoch=100, device=device, progress=True)}
else:
    study = load_study()
meta = study["meta"]
print(f"made by: {meta['command']}")
if "cpu_seconds" in meta:
    print(f"on {meta['machine']}, {meta['threads']} thread, PyTorch {meta['torch']}: "
          f"{meta['cpu_seconds'] / 60:.0f} min of CPU time ({meta['wall_seconds'] / 60:.0f} min wall) for "
          f"{sum(len(s['records']) for s in study['sweeps'].values())} runs")
base = study_recipe()
print(f"base recipe: {base.generator.architecture}, {base.generator.num_feat} features, {base.generator.num_block} "
      f"blocks; D {base.disc_blocks} conv blocks of {base.disc_feat}; {base.pixel_criterion} + "
      f"{base.adversarial_weight:g} {base.adversarial}; learning rate {base.learning_rate_g:g}; batch "
      f"{base.batch_size}, crop {base.hr_patch}")
for name, sweep in study["sweeps"].items():
    print(f"  {name:<22} {sweep['iterations']:>4} iterations ({sweep['document_epochs']} document epochs)")

# %% [markdown]
# Every table below has the bicubic row, and each cell is the mean ± standard deviation over
# the three seeds (`srlib.sweep.table.summarize`).

# %%
from srlib.sweep.table import format_summary, paired_comparison, summarize

for name, sweep in study["sweeps"].items():
    print(f"--- {name}: PSNR-Y (dB) on the held-out photos, mean ± sd over seeds")
    print(format_summary(summarize(sweep["records"])))

# %%
import matplotlib.pyplot as plt

from srlib.sweep.figure import plot_sweep

fig, axes = plt.subplots(1, 4, figsize=(18, 4.2), sharey=True)
for ax, (name, sweep) in zip(axes, study["sweeps"].items()):
    plot_sweep(sweep["records"], ax=ax, title=f"{name} ({sweep['iterations']} iterations)")
    ax.set_xlabel(sweep["axis"].replace("learning_rate_g+learning_rate_d", "learning rate (G and D)"))
axes[0].set_ylabel("PSNR-Y on the held-out photos (dB)")
plt.tight_layout()
plt.show()

# %% [markdown]
# Dots are seeds, squares their means, bars the lowest to the highest seed, the dashed line
# bicubic. How far apart are two seeds of one configuration (question 2)? A run is a
# deterministic function of its recipe and seed on one machine (the last line below checks it
# on the one configuration two sweeps share), so the spread is the seed's doing alone.

# %%
spreads = []
for name, sweep in study["sweeps"].items():
    for row in summarize(sweep["records"]):
        if row["config"] != "bicubic" and row["n"] > 1:
            spreads.append((row["psnr_sd"], name, row["config"]))
spreads.sort()
print(f"seed-to-seed standard deviation of PSNR-Y, over {len(spreads)} configurations: "
      f"{spreads[0][0]:.2f} dB to {spreads[-1][0]:.2f} dB (median {np.median([s[0] for s in spreads]):.2f} dB)")
print(f"largest: {spreads[-1][2]} ({spreads[-1][1]})")
below = [(name, r["point"]) for name, sweep in study["sweeps"].items() for r in sweep["records"]
         if r["state"] == "complete" and r["scores"]["samples"]["model_psnr"] < r["scores"]["samples"]["bicubic_psnr"]]
total = sum(len(s["records"]) for s in study["sweeps"].values())
print(f"runs below bicubic: {len(below)} of {total}")
score = lambda name, key: {r["seed"]: r["scores"]["samples"]["model_psnr"]  # noqa: E731
                           for r in study["sweeps"][name]["records"] if r["config"].get(key) == 8}
print("the base configuration (8 generator blocks, an 8-block D, 200 iterations) ran in two sweeps; the same "
      f"scores seed by seed: {score('generator_blocks', 'generator.num_block') == score('discriminator_blocks', 'disc_blocks')}")

# %% [markdown]
# Question 2's answer, in the shipped study: a standard deviation of a decibel or more between
# seeds of one configuration is common (the median and the range printed above), the size of
# most differences the document based its choices on. And every run of the study is below
# bicubic (the count above): a GAN trained from scratch for a hundred or two iterations has not
# yet learnt to beat interpolation. Without the bicubic row the tables would rank models that
# are all worse than doing nothing, the position of the document's own tables.
#
# ## 4. Which differences are larger than the noise?
#
# Two configurations are compared **seed by seed**: run A with seed 0 against run B with seed
# 0 (the same initial draw and the same patches), and so on. The rule, the one notebook 03
# uses for its upsamplers: a difference counts as *separated* when every seed agrees in sign
# and the mean difference is at least twice the standard deviation of the differences;
# otherwise it is *within noise*.

# %%
from srlib.sweep.table import paired_difference

show(paired_difference)

# %% [markdown]
# How strict is that with three seeds (question 3)? Simulate many pairs of *identical*
# configurations, whose three differences are pure noise, and count how often the rule calls
# them different:

# %%
rng = np.random.default_rng(0)
noise = rng.standard_normal((200_000, 3))  # three paired differences, no real effect
mean, sd = noise.mean(axis=1), noise.std(axis=1, ddof=1)
same_sign = np.all(noise > 0, axis=1) | np.all(noise < 0, axis=1)
print(f"all three signs agree:                       {same_sign.mean():6.1%}")
print(f"|mean| >= 2 sd:                              {(np.abs(mean) >= 2 * sd).mean():6.1%}")
print(f"both (the rule's false alarms):              {(same_sign & (np.abs(mean) >= 2 * sd)).mean():6.1%}")
print(f"|mean| >= 2 standard errors (sd / sqrt 3):   {(np.abs(mean) >= 2 * sd / np.sqrt(3)).mean():6.1%}")

# %% [markdown]
# So with three seeds the rule lets through a few per cent of pure-noise pairs, and the looser
# "twice the standard error" more than twice as many (printed above). With three seeds a mean
# at least twice the standard deviation already forces the three signs to agree (the "both"
# line equals the line above it); with more seeds the sign condition starts to matter. "Separated" with
# three seeds means "worth more seeds", not "proven". Now the document's conclusions, each
# against its sweep:

# %%
def verdicts(name, a, b):
    """The paired comparison of configurations a and b (axis values) in sweep ``name``."""
    sweep = study["sweeps"][name]
    rows = {(r["a"], r["b"]): r for r in paired_comparison(sweep["records"], "samples")}
    label = lambda v: f"{sweep['axis']}={v}"  # noqa: E731
    row = rows.get((label(a), label(b))) or rows.get((label(b), label(a)))
    sign = 1 if (row["a"], row["b"]) == (label(a), label(b)) else -1
    return sign * row["mean"], row["sd"], row["verdict"]


CLAIMS = [  # (what the document concludes, sweep, a, b): "a is better than b"
    ("3.3: 32 residual blocks score highest ...", "generator_blocks", 32, 8),
    ("3.3: ... and 8 blocks second", "generator_blocks", 8, 16),
    ("3.4: with 8 generator blocks, a 4-block D beats an 8-block D", "discriminator_blocks", 4, 8),
    ("4.1: 1e-6 is too small: 1e-5 beats it", "learning_rate", 1e-5, 1e-6),
    ("4.1: 1e-4 is chosen over 1e-5", "learning_rate", 1e-4, 1e-5),
    ("4.2: crop 96 is the worst: 48 beats it", "crop", 48, 96),
    ("4.2: ... 64 beats it", "crop", 64, 96),
    ("4.2: ... 128 beats it", "crop", 128, 96),
    ("4.2: the small crop 64 beats 128", "crop", 64, 128),
]
print(f"{'the document concludes':<62}{'here: a - b (dB)':>18}{'sd':>7}  verdict")
tally = {"agrees": 0, "opposite": 0, "within noise": 0}
for claim, name, a, b in CLAIMS:
    diff, sd, verdict = verdicts(name, a, b)
    outcome = ("agrees" if diff > 0 else "opposite") if verdict == "separated" else "within noise"
    tally[outcome] += 1
    print(f"{claim:<62}{diff:+18.2f}{sd:7.2f}  {verdict}" + (f", {outcome}" if verdict == "separated" else ""))
print(f"of {len(CLAIMS)} conclusions: {tally['agrees']} separated and in the document's direction, "
      f"{tally['opposite']} separated the other way, {tally['within noise']} within the seed-to-seed noise")

# %% [markdown]
# A conclusion *survives* here when its difference is separated and points the same way; a
# difference within noise says that one run per configuration could not have decided it (the
# document ran one). In the shipped study only the two learning-rate conclusions survive (the
# table and the count above); the depth of either network and the crop size move the score by
# less than the seeds do at this budget, and crop 96, the document's "worst", is not below its
# neighbours here. The course's runs are far shorter and smaller than the document's, so a
# verdict here is about the question "could a single run show this?", not about the
# document's models themselves.
#
# ## 5. Where a learning rate of 1e-6 leaves a GAN
#
# Each run validated four times. Beside the learning curves, the untrained generator (the
# same initial weights: `Trainer` seeds PyTorch with the recipe's seed before building it):

# %%
import torch

from srlib.data import sample_dataset
from srlib.metrics import psnr
from srlib.models import build_generator

held_out = sample_dataset("val", scale=4)
initial = {}
for seed in range(3):
    torch.manual_seed(seed)
    untrained = build_generator(base.generator).eval()
    with torch.no_grad():  # PSNR-Y, border 4, as the study measured (mean over the held-out photos)
        initial[seed] = float(np.mean([psnr(untrained(lr[None]).clamp(0, 1), hr[None]).item()
                                       for lr, hr in (held_out[i] for i in range(len(held_out)))]))
bicubic_psnr = next(r for r in study["sweeps"]["learning_rate"]["records"]
                    if r["state"] == "complete")["scores"]["samples"]["bicubic_psnr"]
print(f"untrained generator, seeds 0/1/2: {' / '.join(f'{v:.1f}' for v in initial.values())} dB; "
      f"bicubic {bicubic_psnr:.2f} dB")
for rate in SWEEPS["learning_rate"][1]:
    runs = [r for r in study["sweeps"]["learning_rate"]["records"] if r["config"][SWEEPS["learning_rate"][0]] == rate]
    moved = [r["scores"]["samples"]["model_psnr"] - initial[r["seed"]] for r in runs]
    print(f"learning rate {rate:g}: after {runs[0]['iterations']} iterations "
          f"{np.mean([r['scores']['samples']['model_psnr'] for r in runs]):.1f} dB, "
          f"moved {np.mean(moved):+.1f} dB from its start; D's mean logit on real / fake patches at the end: "
          f"{np.mean([r['curve'][-1]['d_real'] for r in runs]):+.2f} / {np.mean([r['curve'][-1]['d_fake'] for r in runs]):+.2f}")

# %%
fig, ax = plt.subplots(figsize=(8, 4.5))
for color, rate in zip(("C0", "C1", "C2"), SWEEPS["learning_rate"][1]):
    for r in study["sweeps"]["learning_rate"]["records"]:
        if r["config"][SWEEPS["learning_rate"][0]] == rate:
            its = [0] + [point["iteration"] for point in r["curve"]]
            values = [initial[r["seed"]]] + [point["psnr"] for point in r["curve"]]
            ax.plot(its, values, marker="o", color=color, alpha=0.7,
                    label=f"learning rate {rate:g}" if r["seed"] == 0 else None)
ax.axhline(bicubic_psnr, color="gray", linestyle="--", label="bicubic")
ax.set(xlabel="iteration", ylabel="validation PSNR-Y (dB)",
       title="learning-rate sweep: validation PSNR of every seed (iteration 0: the untrained generator)")
ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# At 1e-6 Adam moves each weight by about 1e-6 per step, so a hundred steps leave the
# generator where it started (the distance printed above), far below bicubic, and the
# discriminator hardly separates real from fake patches either (its two mean logits above).
# The document saw the same and called it "too small to bring a positive impact": a table
# row from such a run measures the initialisation, not the configuration.
#
# ## 6. Recognising a run that went wrong
#
# A sweep records a run whose losses stop being finite as failed, with the reason (section
# 2). A run that trains but breaks shows itself by comparison:
#
# - against **bicubic**: far below it, where its neighbours are not (the document's crop 96);
# - against its **neighbours** on the swept axis: far from both sides at once;
# - against its **own seeds**: one seed far from the other two. In the course's study:

# %%
worst = []
for name, sweep in study["sweeps"].items():
    for label in dict.fromkeys(str(r["config"]) for r in sweep["records"]):
        runs = [r for r in sweep["records"] if str(r["config"]) == label and r["state"] == "complete"]
        values = np.array([r["scores"]["samples"]["model_psnr"] for r in runs])
        for r, v in zip(runs, values):
            others = np.delete(values, runs.index(r))
            worst.append((abs(v - others.mean()), r["point"], v, others.mean()))
worst.sort(reverse=True)
for gap, point, value, others in worst[:3]:
    print(f"{point:<42} {value:6.2f} dB, the other two seeds {others:6.2f} dB ({value - others:+.2f})")
failed = [r["point"] for s in study["sweeps"].values() for r in s["records"] if r["state"] == "failed"]
print(f"failed runs in the course's study: {len(failed)}")

# %% [markdown]
# Whether such a seed is broken or merely unlucky, the table cannot say; what it can say is
# that one run of that configuration could have landed anywhere in that range, which is why the
# document's single runs cannot rank its configurations.
#
# ## What to remember
# - Every SR table needs its bicubic row: without it, models worse than doing nothing (the
#   document's final SRGAN and ESRGAN on Set5) look like results.
# - A row far below bicubic *and* below its neighbours on both sides is a broken run: rerun it.
# - Run each configuration with several seeds and compare seed by seed; a difference smaller
#   than the seed-to-seed spread is not a finding, and with three seeds even a separated one
#   is a lead, not a proof.
# - A learning rate that is too small leaves the networks at their initialisation; the table
#   then measures the initial weights.
# - `srlib sweep` runs a grid as ordinary resumable runs in an Optuna study; point several
#   machines at one storage to share it.
#
# ## References
# - C. Ledig et al. (SRGAN), [arXiv:1609.04802](https://arxiv.org/abs/1609.04802): the
#   generator, discriminator and losses the study sweeps.
# - X. Wang et al. (ESRGAN), [arXiv:1809.00219](https://arxiv.org/abs/1809.00219).
# - M. Lucic et al., *Are GANs Created Equal? A Large-Scale Study*, NeurIPS 2018,
#   [arXiv:1711.10337](https://arxiv.org/abs/1711.10337): GAN comparisons across many seeds.
# - X. Bouthillier et al., *Accounting for Variance in Machine Learning Benchmarks*, MLSys 2021,
#   [arXiv:2103.03098](https://arxiv.org/abs/2103.03098).
# - T. Akiba et al., *Optuna: A Next-generation Hyperparameter Optimization Framework*, KDD 2019,
#   [arXiv:1907.10902](https://arxiv.org/abs/1907.10902).
