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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/notebooks/05_bce_wgangp_ragan.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # 05 · BCE versus WGAN-GP versus RaGAN
#
# **Goals**
# 1. Write down the three adversarial losses the course's sources use and compare what their
#    gradients tell the generator.
# 2. Train each on a 2-D toy problem (a ring of 8 Gaussians) and measure the share of samples
#    each mode gets.
# 3. See the gradient penalty at work, and why a WGAN-GP critic must not use BatchNorm.
# 4. Reproduce and correct the loss errors of the course's *source documents*: the five
#    write-ups, numbered 000 to 004, that the course was commissioned from. They are not part
#    of this repository, and they contain errors, which the notebooks reproduce as pitfalls.
# 5. Know the discriminator these losses train: its layers, its size, and why BatchNorm may
#    stay in it but must leave a WGAN-GP critic.
# 6. Compare BCE, WGAN-GP and RaGAN fine-tunes of one PSNR-oriented generator on real photos:
#    distortion (PSNR, SSIM) against fine detail (gradient energy, a detail count), with zoomed crops.
#
# Prerequisites: notebooks 02 and 04. Runtime: about 3 minutes on one CPU core (`ci`), most of it
# the toy GANs of section 2.
#
# Papers: Goodfellow et al. 2014, [arXiv:1406.2661](https://arxiv.org/abs/1406.2661);
# WGAN-GP, Gulrajani et al. 2017, [arXiv:1704.00028](https://arxiv.org/abs/1704.00028);
# RaGAN, Jolicoeur-Martineau 2018, [arXiv:1807.00734](https://arxiv.org/abs/1807.00734);
# SRGAN [arXiv:1609.04802](https://arxiv.org/abs/1609.04802); ESRGAN [arXiv:1809.00219](https://arxiv.org/abs/1809.00219).

# %%
import math
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from srlib.checks import run_check
from srlib.course import setup, show
from srlib.losses import (adversarial_losses, bce_discriminator_loss, bce_generator_loss,
                          gradient_penalty, ragan_discriminator_loss, ragan_generator_loss,
                          wgan_critic_loss, wgan_generator_loss)

profile, device = setup(seed=0)


# %% [markdown]
# ## 1. Three formulations
#
# With $C(x)$ the discriminator's raw output (a logit, or a critic score) and $\sigma$ the sigmoid:
#
# | | discriminator / critic | generator |
# | --- | --- | --- |
# | **BCE** (Goodfellow 2014; SRGAN) | $-\mathbb{E}\log\sigma(C(x_r)) - \mathbb{E}\log(1-\sigma(C(x_f)))$ | $-\mathbb{E}\log\sigma(C(x_f))$ (non-saturating) |
# | **WGAN-GP** (Gulrajani 2017) | $\mathbb{E}\,C(x_f) - \mathbb{E}\,C(x_r) + \lambda\,\mathbb{E}(\lVert\nabla_{\hat x} C(\hat x)\rVert_2 - 1)^2$ | $-\mathbb{E}\,C(x_f)$ |
# | **RaGAN** (Jolicoeur-Martineau 2018; ESRGAN) | $-\mathbb{E}\log D_{Ra}(x_r, x_f) - \mathbb{E}\log(1 - D_{Ra}(x_f, x_r))$ | $-\mathbb{E}\log(1 - D_{Ra}(x_r, x_f)) - \mathbb{E}\log D_{Ra}(x_f, x_r)$ |
#
# with $D_{Ra}(a, b) = \sigma(C(a) - \mathbb{E}_b C(b))$ and $\hat x = \epsilon x_r + (1-\epsilon) x_f$,
# $\epsilon \sim U[0,1]$ per sample. Every function takes logits, so the sigmoid sits inside
# `binary_cross_entropy_with_logits`, finite even for logits of ±100. (Writing the gradient
# penalty and the RaGAN losses is [exercise 05](../exercises/ex05_gradient_penalty_ragan.ipynb); the library's
# code is shown at the end.)

# %% [markdown]
# What does each generator loss say about a fake sample the discriminator finds very fake
# ($C(x_f) = -5$), undecided (0) or convincing (+5)? The gradient $\partial \mathcal{L}_G / \partial C(x_f)$
# (real logits fixed at 0 for RaGAN; "saturating" is Goodfellow's original
# $\mathbb{E}\log(1-\sigma(C(x_f)))$):

# %%
def generator_gradient(loss_fn, fake_logit):
    fake = torch.tensor([[fake_logit]], requires_grad=True)
    loss_fn(torch.zeros(1, 1), fake).backward()
    return fake.grad.item()


generator_losses = {
    "BCE saturating": lambda real, fake: -bce_discriminator_loss(torch.full_like(fake, 50.0), fake),
    "BCE non-saturating": lambda real, fake: bce_generator_loss(fake),
    "WGAN": lambda real, fake: wgan_generator_loss(fake),
    "RaGAN": ragan_generator_loss,
}
print(f"{'dL_G / dC(x_f) at C(x_f) =':<28}{-5:>9}{0:>9}{5:>9}")
for name, fn in generator_losses.items():
    print(f"{name:<28}" + "".join(f"{generator_gradient(fn, z):9.4f}" for z in (-5.0, 0.0, 5.0)))

# %% [markdown]
# The saturating BCE loss gives almost no gradient exactly when the generator is worst
# ($C(x_f) = -5$): that is why SRGAN, like everyone since Goodfellow, uses the
# non-saturating form. WGAN's generator always gets the same push, whatever the score.
# RaGAN behaves like non-saturating BCE on the fake term and adds a real term: the generator
# also learns by making real images look *less* real relative to its fakes.

# %% [markdown]
# ### The relativistic average, pictured
#
# A standard discriminator answers "is this sample real?" with $\sigma(C(x))$. The
# relativistic average one answers "is this real sample more realistic than the *average*
# fake?" with $D_{Ra}(x_r, x_f) = \sigma(C(x_r) - \mathbb{E}_{x_f} C(x_f))$ (ESRGAN Sec. 3.2,
# Eq. 1). Below, logits sampled from Gaussians stand for three moments of training: real
# logits stay put while the fakes' logits move up as the generator improves. The
# relativistic probabilities are computed from these samples; the loss values come from the
# library's own `ragan_discriminator_loss` and `ragan_generator_loss`.

# %%
import matplotlib.pyplot as plt

from srlib.course.diagrams import draw_relativistic_average

rng = np.random.default_rng(0)
real_logits = rng.normal(2.0, 1.0, 2000)  # C(x_r): D is fairly sure the reals are real
fake_logits = {"early": rng.normal(-3.0, 1.2, 2000), "middle": rng.normal(0.0, 1.1, 2000),
               "late": rng.normal(1.8, 1.0, 2000)}  # C(x_f) as the generator improves
draw_relativistic_average(real_logits, fake_logits)
plt.show()
real_t = torch.tensor(real_logits, dtype=torch.float32)[:, None]  # (N, 1)
print(f"{'stage':<8}{'sigmoid(C(x_r))':>16}{'D_Ra(x_r, x_f)':>16}{'D_Ra(x_f, x_r)':>16}{'L_D^Ra':>9}{'L_G^Ra':>9}")
for stage, fake in fake_logits.items():
    fake_t = torch.tensor(fake, dtype=torch.float32)[:, None]
    d_real = torch.sigmoid(real_t - fake_t.mean()).mean().item()
    d_fake = torch.sigmoid(fake_t - real_t.mean()).mean().item()
    print(f"{stage:<8}{torch.sigmoid(real_t).mean().item():16.3f}{d_real:16.3f}{d_fake:16.3f}"
          f"{ragan_discriminator_loss(real_t, fake_t).item():9.3f}{ragan_generator_loss(real_t, fake_t).item():9.3f}")

# %% [markdown]
# The standard probability $\sigma(C(x_r))$ does not change: it knows nothing about the fakes.
# The relativistic ones both move towards 0.5 as the fakes' distribution slides under the
# reals. That is the property Jolicoeur-Martineau (2018, Sec. 3.1) argues a standard GAN
# lacks: the probability that real data is real should fall as the fakes become more
# realistic. The generator's loss falls with them. In real training the real logits
# move too; the picture shows only the comparison RaGAN makes.
#
# ## 2. A toy problem: a ring of 8 Gaussians
#
# Small MLPs, 2-D data, the same number of generator steps for each loss, each with its
# paper's optimiser settings:
#
# | loss | Adam learning rate | betas | critic steps | penalty $\lambda$ | source |
# | --- | --- | --- | --- | --- | --- |
# | BCE | $2\cdot10^{-4}$ | (0.5, 0.999) | 1 | - | DCGAN (Radford et al. 2016, Sec. 4) |
# | RaGAN | $2\cdot10^{-4}$ | (0.5, 0.999) | 1 | - | Jolicoeur-Martineau 2018, Sec. 5 (DCGAN settings) |
# | WGAN-GP | $10^{-4}$ | (0.5, 0.9) | 5 | 0.1 | Gulrajani et al. 2017, their 8-Gaussians script (`gan_toy.py`) |
#
# The WGAN-GP authors use $\lambda = 10$ for images (Algorithm 1) but $\lambda = 0.1$ for this
# toy ("smaller lambda makes things faster for toy tasks"); section 1's formulas are the same.
#
# **What to measure.** A generator that puts its samples on only some of the 8 modes has
# *collapsed*; one that spreads them along the circle through the modes has not collapsed but
# has not learnt the modes either. Counting "modes with a few samples nearby" cannot tell these
# apart: a uniform ring of radius 2 has samples near all 8 modes. So we measure the **mass**
# on each mode: the share of samples within 3 standard deviations (0.15) of each mode centre,
# eight numbers, plus the share near none of them. Three references show what the numbers
# look like: the data itself, a uniform ring, and a generator collapsed onto 3 modes.
#
# The toy runs in double precision (`float64`): rounding differs between CPUs (vectorised
# kernels or not), and a GAN game amplifies such differences step after step. In `float32`
# two thousand steps carry them into the first printed digits; in `float64` they still reach
# the first decimal of a mode's share, so the cells below print rounded numbers and leave the
# details to the plots. The toy also runs on one CPU thread: networks this small gain nothing
# from a second one (sections 2 and 3; section 4 gives the notebook its thread count back).

# %%
from tqdm.auto import tqdm

THREADS = torch.get_num_threads()
torch.set_num_threads(1)
DTYPE = torch.float64
CENTRES = torch.tensor([[2 * math.cos(2 * math.pi * k / 8), 2 * math.sin(2 * math.pi * k / 8)] for k in range(8)],
                       dtype=DTYPE)  # (8, 2): the modes, on a circle of radius 2
STD = 0.05


def sample_ring(n, generator):
    k = torch.randint(0, 8, (n,), generator=generator)
    return CENTRES[k] + STD * torch.randn(n, 2, generator=generator, dtype=DTYPE)  # (n, 2)


def mlp(out_features):
    return nn.Sequential(nn.Linear(2, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2),
                         nn.Linear(128, out_features)).to(DTYPE)


def mode_mass(samples):
    """Share of `samples` (n, 2) within 3 std of each mode, (8,), and the share near no mode."""
    near = torch.cdist(samples, CENTRES) < 3 * STD  # (n, 8); modes are 1.53 apart: one True per row at most
    return near.to(DTYPE).mean(dim=0), 1 - near.any(dim=1).to(DTYPE).mean().item()


def print_mass(name, samples):
    per_mode, off = mode_mass(samples)
    print(f"{name:<26}" + "".join(f"{100 * p:6.1f}" for p in per_mode) + f"{100 * off:11.1f}")


reference = torch.Generator().manual_seed(1)
angle = 2 * math.pi * torch.rand(2000, generator=reference, dtype=DTYPE)
references = {
    "the data (8 Gaussians)": sample_ring(2000, reference),
    "uniform ring, radius 2": 2 * torch.stack([angle.cos(), angle.sin()], dim=1),
    "collapsed onto 3 modes": CENTRES[torch.randint(0, 3, (2000,), generator=reference)]
    + STD * torch.randn(2000, 2, generator=reference, dtype=DTYPE),
}
print(f"{'% of 2000 samples on mode':<26}" + "".join(f"{k:>6}" for k in range(8)) + f"{'near none':>11}")
for name, samples in references.items():
    print_mass(name, samples)

# %% [markdown]
# The data puts about an eighth of its samples on each mode (10.7% to 14.3%) and 1% near none;
# the uniform ring puts 1.8% to 2.5% near each mode and 81% near none; the collapsed generator
# puts a third on each of 3 modes and nothing on the other 5. The eight shares and "near none"
# tell the three apart, where "modes with samples nearby" would credit the ring with all 8.
# Now the three losses, each recording the share on the modes every 100 generator steps:

# %%
TOY_SETTINGS = {"bce": dict(lr=2e-4, betas=(0.5, 0.999), n_critic=1, gp_weight=0.0),
                "ragan": dict(lr=2e-4, betas=(0.5, 0.999), n_critic=1, gp_weight=0.0),
                "wgan-gp": dict(lr=1e-4, betas=(0.5, 0.9), n_critic=5, gp_weight=0.1)}
eval_noise = torch.randn(2000, 2, generator=torch.Generator().manual_seed(123), dtype=DTYPE)


def train_toy(loss_name, steps, seed=0, every=100):
    torch.manual_seed(seed)
    gen, disc = mlp(2), mlp(1)
    settings = TOY_SETTINGS[loss_name]
    opt_g = torch.optim.Adam(gen.parameters(), lr=settings["lr"], betas=settings["betas"])
    opt_d = torch.optim.Adam(disc.parameters(), lr=settings["lr"], betas=settings["betas"])
    d_loss_fn, g_loss_fn = adversarial_losses(loss_name)
    data = torch.Generator().manual_seed(seed)
    history = {"d": [], "g": [], "c_real": [], "c_fake": [], "step": [], "on_modes": []}
    for step in tqdm(range(1, steps + 1), desc=loss_name, leave=False):
        for _ in range(settings["n_critic"]):
            real, fake = sample_ring(256, data), gen(torch.randn(256, 2, generator=data, dtype=DTYPE)).detach()
            real_logits, fake_logits = disc(real), disc(fake)  # (256, 1) each
            d_loss = d_loss_fn(real_logits, fake_logits)
            if settings["gp_weight"]:
                d_loss = d_loss + gradient_penalty(disc, real, fake, weight=settings["gp_weight"])
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
        real, fake = sample_ring(256, data), gen(torch.randn(256, 2, generator=data, dtype=DTYPE))
        g_loss = g_loss_fn(disc(real), disc(fake))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        history["d"].append(d_loss.item())
        history["g"].append(g_loss.item())
        history["c_real"].append(real_logits.mean().item())
        history["c_fake"].append(fake_logits.mean().item())
        if step % every == 0:
            with torch.no_grad():
                history["step"].append(step)
                history["on_modes"].append(1 - mode_mass(gen(eval_noise))[1])
    return gen, disc, history

# %% tags=["nbval-ignore-output"]
runs = {name: train_toy(name, profile.toy_steps) for name in ("bce", "wgan-gp", "ragan")}

# %%
on_modes = {name: 100 * (1 - mode_mass(samples)[1]) for name, samples in references.items()}
print(f"after {profile.toy_steps} generator steps each (WGAN-GP: 5 critic steps per generator step), "
      f"% of samples within 3 std of a mode (the data {on_modes['the data (8 Gaussians)']:.0f}%, "
      f"the uniform ring {on_modes['uniform ring, radius 2']:.0f}%):")
for name, (gen, disc, history) in runs.items():
    with torch.no_grad():
        print(f"{name:<8} {100 * (1 - mode_mass(gen(eval_noise))[1]):3.0f}%")
print(f"mean D loss over the last 100 steps: bce {np.mean(runs['bce'][2]['d'][-100:]):.1f}, "
      f"ragan {np.mean(runs['ragan'][2]['d'][-100:]):.1f}; 2 log 2 = {2 * math.log(2):.2f}")
h = runs["wgan-gp"][2]
c_real, c_fake = np.mean(h["c_real"][-100:]), np.mean(h["c_fake"][-100:])
print(f"wgan-gp, last 100 steps: E C(x_r) = {c_real:.1f}, E C(x_f) = {c_fake:.1f}, "
      f"generator loss -E C(x_f) = {np.mean(h['g'][-100:]):.1f}, distance estimate E C(x_r) - E C(x_f) = {c_real - c_fake:.1f}")

# %%
fig, axes = plt.subplots(2, 3, figsize=(13, 8))
for col, (name, (gen, disc, history)) in enumerate(runs.items()):
    with torch.no_grad():
        points = gen(eval_noise)
    ax = axes[0, col]
    ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.4, label="generated")
    ax.scatter(CENTRES[:, 0], CENTRES[:, 1], c="red", marker="x", label="mode centres")
    ax.set(xlim=(-3, 3), ylim=(-3, 3), title=f"{name}: samples after {profile.toy_steps} steps",
           xlabel="x1", ylabel="x2")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8)
    ax = axes[1, col]
    ax.plot(history["d"], label="discriminator / critic loss")
    ax.plot(history["g"], label="generator loss")
    if name == "wgan-gp":
        gap = np.array(history["c_real"]) - np.array(history["c_fake"])
        ax.plot(gap, label="E C(x_r) - E C(x_f)")
    else:
        ax.axhline(2 * math.log(2), color="gray", linestyle="--", label="2 log 2")
    ax.set(title=f"{name}: losses", xlabel="generator step", ylabel="loss")
    ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %%
fig, (ax_steps, ax_modes) = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [1, 1.3]})
for name, (gen, disc, history) in runs.items():
    ax_steps.plot(history["step"], [100 * s for s in history["on_modes"]], marker=".", label=name)
for ref, style in (("the data (8 Gaussians)", ":"), ("uniform ring, radius 2", "--")):
    ax_steps.axhline(100 * (1 - mode_mass(references[ref])[1]), color="gray", linestyle=style, label=ref)
ax_steps.set(xlabel="generator step", ylabel="% of samples within 3 std of a mode", ylim=(0, 105),
             title="mass on the modes during training")
ax_steps.legend(fontsize=8, loc="center left")
bars = {name: mode_mass(gen(eval_noise).detach())[0] for name, (gen, _, _) in runs.items()}
bars["uniform ring"] = mode_mass(references["uniform ring, radius 2"])[0]
width = 0.8 / len(bars)
for i, (name, per_mode) in enumerate(bars.items()):
    ax_modes.bar(np.arange(8) + (i - 1.5) * width, 100 * per_mode.numpy(), width, label=name,
                 color="gray" if name == "uniform ring" else None)
ax_modes.axhline(12.5, color="black", linestyle=":", label="the data: 12.5% each")
ax_modes.set(xlabel="mode", ylabel="% of samples within 3 std", xticks=range(8), ylim=(0, 16),
             title=f"mass on each mode after {profile.toy_steps} steps")
ax_modes.legend(fontsize=8, ncol=5, loc="upper center")
plt.tight_layout()
plt.show()

# %% [markdown]
# **The runs** (the printed shares and the plots). After 2000 generator steps none of the three
# has settled onto the modes: BCE has 54% of its samples within 3 std of a mode, RaGAN 46% and
# WGAN-GP 28%, against 99% for the data and 19% for the ring, and the curves on the left are
# still rising. None has collapsed either. In the bar chart, BCE and RaGAN hold more than the
# ring's share on every one of the 8 modes: they have found all 8 and are gathering their
# samples onto them (in the scatter plots their samples still line the circle, denser near
# the mode centres). WGAN-GP, at half their learning rate, is the slowest per generator step:
# four of its modes (0, 2, 4 and 6) hold about what the ring holds, and many of its samples
# still lie inside the circle. This is one seed on one toy: the ranking describes this run,
# not the losses in general.
#
# **Reading the loss curves.** A BCE or RaGAN discriminator that cannot tell real from fake at
# all outputs $\sigma = 1/2$ everywhere, and its loss is then $2\log 2 \approx 1.39$ (the dashed
# line). Both runs end below it (1.2 for BCE and 0.9 for RaGAN, means of the last 100 steps):
# the discriminators still tell the samples apart, which the 46% (BCE) and 54% (RaGAN) of
# samples lying off the modes let them do. A WGAN critic's output has no fixed scale: neither its loss
# $\mathbb{E}\,C(x_f) - \mathbb{E}\,C(x_r)$ nor the penalty changes when a constant is added to
# $C$, so nothing holds the critic's average output in place, and in this run it drifts down: at
# the end $\mathbb{E}\,C(x_r) = -8.3$ and $\mathbb{E}\,C(x_f) = -9.3$. The generator loss
# $-\mathbb{E}\,C(x_f)$ follows that drift, which is why it climbs to about 9; the number means
# nothing by itself. Only the difference $\mathbb{E}\,C(x_r) - \mathbb{E}\,C(x_f)$ (green, 1.0 at
# the end) is meaningful: the critic's estimate of the distance between the two distributions.
# It fell from about 1.6 near step 500 to about 1 by step 1000, and has stayed there.
#
# ## 3. The gradient penalty at work
#
# WGAN needs a 1-Lipschitz critic: one whose gradient norm is at most 1 everywhere. Its loss
# $\mathbb{E}\,C(x_f) - \mathbb{E}\,C(x_r)$ alone does not ask for that, and without a constraint
# it has no minimum: a critic that separates the two sets can always lower it by scaling its
# output up. The penalty asks for gradient norm 1 at random points between real and fake
# samples. To see what it prevents, we train a critic alone, against a frozen generator (the
# untrained one of section 2, whose samples sit in a blob near the centre: the distance
# printed below is close to the ring's radius, 2), with section 2's
# Adam settings and $\lambda = 10$ (the paper's value for images, Algorithm 1) or $\lambda = 0$
# (no penalty), and record two things every 50 critic steps: the mean gradient norm at random
# points between real and fake samples, and the critic's estimate of the distance,
# $\mathbb{E}\,C(x_r) - \mathbb{E}\,C(x_f)$. For a 1-Lipschitz critic at its best this estimate
# is the Wasserstein-1 distance between the two sample sets, which we compute exactly by
# optimal transport (`scipy.optimize.linear_sum_assignment`; SciPy comes with scikit-image).

# %%
from scipy.optimize import linear_sum_assignment

probe = torch.Generator().manual_seed(7)
torch.manual_seed(0)
frozen_gen = mlp(2)  # untrained, as at the start of section 2
with torch.no_grad():
    probe_real, probe_fake = sample_ring(1000, probe), frozen_gen(torch.randn(1000, 2, generator=probe, dtype=DTYPE))
cost = torch.cdist(probe_real, probe_fake).numpy()  # (1000, 1000) distances
rows, cols = linear_sum_assignment(cost)  # the cheapest one-to-one matching of real to fake samples
wasserstein = cost[rows, cols].mean()
print(f"Wasserstein-1 distance between 1000 real and 1000 frozen-generator samples: {wasserstein:.3f}")


def critic_probe(critic):
    """Mean ||grad C|| at random points between the probe's real and fake samples, and E C(x_r) - E C(x_f)."""
    t = torch.rand(len(probe_real), 1, generator=torch.Generator().manual_seed(8), dtype=DTYPE)
    x = (t * probe_real + (1 - t) * probe_fake).requires_grad_(True)  # (1000, 2)
    (grad,) = torch.autograd.grad(critic(x).sum(), x)
    with torch.no_grad():
        gap = critic(probe_real).mean() - critic(probe_fake).mean()
    return grad.norm(dim=1).mean().item(), gap.item()


def train_critic(gp_weight, steps=1500, every=50):
    torch.manual_seed(1)
    critic = mlp(1)
    opt = torch.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
    data = torch.Generator().manual_seed(0)
    record = {"step": [], "norm": [], "gap": []}
    for step in range(1, steps + 1):
        real = sample_ring(256, data)
        with torch.no_grad():
            fake = frozen_gen(torch.randn(256, 2, generator=data, dtype=DTYPE))
        loss = wgan_critic_loss(critic(real), critic(fake))
        if gp_weight:
            loss = loss + gradient_penalty(critic, real, fake, weight=gp_weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % every == 0:
            norm, gap = critic_probe(critic)
            record["step"].append(step), record["norm"].append(norm), record["gap"].append(gap)
    return record

# %% tags=["nbval-ignore-output"]
critic_runs = {weight: train_critic(weight) for weight in tqdm((10.0, 0.0), desc="critics", leave=False)}

# %%
print(f"{'critic step':<14}" + "".join(f"{s:>9}" for s in (100, 500, 1000, 1500)))
for weight, record in critic_runs.items():
    at = {s: i for i, s in enumerate(record["step"])}
    for key, label in (("norm", "mean ||grad C||"), ("gap", "E C(x_r) - E C(x_f)")):
        print(f"lambda = {weight:<4g} {label:<20}" + "".join(f"{record[key][at[s]]:9.1f}" for s in (100, 500, 1000, 1500)))
fig, (ax_norm, ax_gap) = plt.subplots(1, 2, figsize=(12, 3.8))
for weight, record in critic_runs.items():
    label = f"lambda = {weight:g}" + (" (no penalty)" if weight == 0 else "")
    ax_norm.plot(record["step"], record["norm"], label=label)
    ax_gap.plot(record["step"], record["gap"], label=label)
ax_norm.axhline(1.0, color="gray", linestyle="--", label="target norm 1")
ax_gap.axhline(wasserstein, color="gray", linestyle=":", label=f"Wasserstein-1 = {wasserstein:.2f}")
ax_norm.set(xlabel="critic step", ylabel="mean ||grad C|| between real and fake", yscale="log",
            title="the critic's gradient norm")
ax_gap.set(xlabel="critic step", ylabel="E C(x_r) - E C(x_f)", yscale="log", title="the critic's distance estimate")
for ax in (ax_norm, ax_gap):
    ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# With $\lambda = 10$ the gradient norm settles at 1.1 and the distance estimate at 2.1, a
# little above the Wasserstein-1 distance of 1.94 (the penalty is soft: norms slightly above 1
# buy a slightly larger gap). Without the penalty nothing stops the critic: by step 1500 its
# gradient norm is 45 and its "distance" 86, and both are still growing (note the log axes).
# The estimate no longer measures anything, and a generator trained against this critic
# receives gradients that grow with it. The penalty is what keeps the critic's output a
# distance estimate.

# %% [markdown]
# ## 4. Why a WGAN-GP critic must not use BatchNorm
#
# The penalty is defined **per sample**: $\nabla_{\hat x_i} C(\hat x_i)$. In training mode
# BatchNorm normalises each sample with the statistics of the whole batch, so sample $i$'s
# score depends on every other sample: its gradient leaks into the others' inputs and the
# per-sample penalty no longer constrains the function $C$. Measured on the course's
# discriminator, with BatchNorm versus LayerNorm (one of the critic variants):

# %%
from srlib.models import SRGANDiscriminator

torch.set_num_threads(THREADS)  # the profile's thread count again, for the image networks from here on


def cross_sample_gradient(norm):
    torch.manual_seed(0)
    critic = SRGANDiscriminator(input_size=16, num_feat=8, depth=2, norm=norm).train()
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(1), requires_grad=True)
    (grad,) = torch.autograd.grad(critic(x)[0, 0], x)  # gradient of sample 0's score
    alone = critic(x[:1].detach())[0, 0].item()
    return grad[1:].norm().item(), grad[0].norm().item(), abs(alone - critic(x)[0, 0].item())


for norm in ("batch", "layer"):
    other, own, change = cross_sample_gradient(norm)
    changed = f"changes by {change:.3f}" if change > 1e-5 else "is unchanged (< 1e-5)"
    print(f"norm={norm:<5}: |d score_0 / d x_1..3| = {other:.3f} (own input {own:.3f}); "
          f"score_0 {changed} when scored alone")

# %% [markdown]
# With BatchNorm, sample 0's score depends on samples 1-3 and changes when it is scored alone;
# with LayerNorm (or no normalisation) both are zero up to floating-point rounding. Source
# document 000, a write-up whose training recipe uses WGAN-GP, trains it with a BatchNorm
# discriminator: its penalty measures the wrong thing. Use
# `SRGANDiscriminator(norm="none" | "layer" | "instance")` for WGAN-GP.

# %% [markdown]
# ## 4b. The discriminator, and why BatchNorm may stay in it
#
# Every loss above trains the same network. SRGAN's discriminator (Ledig et al. 2017,
# Sec. 2.1 and Fig. 4) is a VGG-style classifier: eight 3x3 convolutions with
# 64-64-128-128-256-256-512-512 channels, stride 2 on every second one, BatchNorm after every
# convolution but the first, LeakyReLU with slope 0.2, then Dense(1024), LeakyReLU,
# Dense(1). ESRGAN keeps a VGG-style design, BatchNorm included, and changes its loss to
# RaGAN (Sec. 3.2); its training code builds the network with another layout, which comes
# after this one. The course's class for SRGAN's layout, `SRGANDiscriminator`, whose `norm`
# switch also gives the WGAN-GP critic variants:

# %%
from srlib.course.diagrams import draw_discriminator
from srlib.models import count_parameters

show(SRGANDiscriminator)

# %%
discriminator_128 = SRGANDiscriminator(input_size=128)
features = count_parameters(discriminator_128.features)
classifier = count_parameters(discriminator_128.classifier)
print(f"128x128 input: {count_parameters(discriminator_128):,d} parameters "
      f"(convolutions {features:,d}, dense layers {classifier:,d} = {classifier / (features + classifier):.0%})")
patch = torch.rand(2, 3, 128, 128)
print("a batch of two 128x128 patches ->", tuple(discriminator_128(patch).shape), "logits")
draw_discriminator(discriminator_128)
plt.show()

# %% [markdown]
# The Dense(1024) layer after the last 8x8 feature map holds most of the parameters, and its
# size is fixed by the patch size: a discriminator built for 128x128 patches refuses any
# other size (it raises a `ValueError` that says so).
#
# **Predict, then run (2).** SRGAN trains on 96x96 patches. Before running the next cell,
# predict the parameter count of `SRGANDiscriminator(input_size=96)` from the printed
# 128-pixel counts: only the first Dense layer depends on the patch size (its input is
# 512 channels times the last feature map's side squared).

# %%
discriminator_96 = SRGANDiscriminator(input_size=96)
print(f"96x96 input (SRGAN's patches): {count_parameters(discriminator_96):,d} parameters, "
      f"dense layers {count_parameters(discriminator_96.classifier):,d}; last feature map "
      f"{96 // 16}x{96 // 16} instead of {128 // 16}x{128 // 16}")

# %% [markdown]
# The discriminator of ESRGAN's training code (`Discriminator_VGG_128` in early versions of
# BasicSR, the authors' training code; `VGGStyleDiscriminator` in current BasicSR; the
# course's `ESRGANDiscriminator`, which the `esrgan` recipes use) adds a fifth stride-2 stage
# and a Dense(100) layer:

# %%
from srlib.models import ESRGANDiscriminator

esrgan_d = ESRGANDiscriminator()
print(f"ESRGANDiscriminator at 128x128: {count_parameters(esrgan_d):,d} parameters, "
      f"{sum(isinstance(m, nn.BatchNorm2d) for m in esrgan_d.modules())} BatchNorm layers, "
      f"output {tuple(esrgan_d(patch).shape)}")

# %% [markdown]
# **Why BatchNorm may stay here but must leave a WGAN-GP critic.** The BCE and RaGAN losses
# only ask the discriminator to *classify* a batch; nothing constrains the gradient of one
# sample's score with respect to that sample's input. RaGAN even compares every sample with
# the batch mean $\mathbb{E}[C(x_f)]$ on purpose. And the discriminator is only ever run in
# training mode, during training: the train/eval gap that made ESRGAN remove BatchNorm from
# the *generator* (notebook 02, section 2) never reaches an output image. WGAN-GP is
# different: its penalty constrains $\lVert \nabla_{\hat x_i} C(\hat x_i) \rVert$ for each
# sample separately, which is meaningless once BatchNorm makes $C(\hat x_i)$ depend on the
# other samples (section 4). Gulrajani et al. (2017, Sec. 4, "No critic batch
# normalization") drop it from the critic and recommend layer normalisation instead. The
# course's recipes encode both rules:

# %%
from srlib.train.recipes import Recipe, get_recipe

for name in ("esrgan", "esrgan_wgangp"):
    recipe = get_recipe(name)
    print(f"recipe {name:<14} adversarial={recipe.adversarial:<8} discriminator_norm={recipe.discriminator_norm}")
try:
    Recipe("wgan_with_bn", adversarial="wgan-gp", discriminator_norm="batch")
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# **Bug 1 (document 004): the discriminator's activations.** Document 004, a PyTorch study
# comparing SRGAN and ESRGAN (notebook 02, section 6, shows its generator bugs), builds its
# discriminator from a `ConvolutionBlock` that uses
# `nn.LeakyReLU()`, and its builder adds another `nn.LeakyReLU()` after every block. PyTorch's
# default slope is 0.01, not SRGAN's 0.2, and two in a row multiply the slopes:

# %%
source_activation = nn.LeakyReLU()  # the source document's line
negative = torch.tensor([-1.0])
print(f"nn.LeakyReLU() slope: {source_activation.negative_slope} (SRGAN and ESRGAN: 0.2)")
print(f"LeakyReLU() twice on -1: {source_activation(source_activation(negative)).item():.4f} "
      f"(slope {source_activation.negative_slope ** 2:.0e}: a ReLU in all but name); "
      f"LeakyReLU(0.2) once: {nn.LeakyReLU(0.2)(negative).item():.1f}")

# %% [markdown]
# **Bug 2 (document 004): BatchNorm on the first convolution.** Its `ConvolutionBlock`
# normalises every convolution, the first included; SRGAN (Sec. 2.1, Fig. 4) and BasicSR leave the first
# one unnormalised. The first convolution is linear in the pixels, so in training mode a
# BatchNorm right after it cancels any rescaling of the pixel values shared by the whole
# batch: such a discriminator cannot see a generator whose every output is too dark, a
# typical SR colour error. Measured on a small source-style discriminator and on the
# course's, each shown a batch and the same batch at half brightness:

# %%
def source_style_discriminator(num_feat=8, depth=2, input_size=32):
    """Document 004's layout, small: BN after every conv (the first too), LeakyReLU() twice."""
    layers, in_ch = [], 3
    for i in range(2 * depth):
        out_ch = num_feat * 2 ** (i // 2)
        layers += [nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=1 + i % 2, padding=1),
                   nn.BatchNorm2d(out_ch), nn.LeakyReLU(), nn.LeakyReLU()]  # the source's block + extra
        in_ch = out_ch
    side = input_size // 2**depth
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(in_ch * side * side, 1))


torch.manual_seed(0)
batch = torch.rand(8, 3, 32, 32, generator=torch.Generator().manual_seed(0))
dimmed = 0.5 * batch  # the whole batch at half brightness
for name, disc in (("source: BN on conv 1", source_style_discriminator()),
                   ("course: no norm on conv 1", SRGANDiscriminator(input_size=32, num_feat=8, depth=2))):
    disc.train()
    with torch.no_grad():
        change = (disc(batch) - disc(dimmed)).abs().max().item()
    print(f"{name:<26} max |C(batch) - C(dimmed batch)| = {change:.5f}")

# %% [markdown]
# With BatchNorm on the first convolution, the scores do not move (up to float rounding and
# BatchNorm's $\epsilon$): the discriminator is blind to the change. Without it, they do.
#
# ## 5. The source documents' loss errors, corrected
#
# **Bug 3 (document 003): the RaGAN discriminator's fake term.** Document 003, a summary of
# the ESRGAN paper, writes it as
# $-\mathbb{E}[1 - \log D_{Ra}(x_f, x_r)]$ instead of $-\mathbb{E}[\log(1 - D_{Ra}(x_f, x_r))]$.
# For a discriminator that already rejects a fake (relative logit $z$ very negative):

# %%
def compare_terms(label, values):
    """The correct term -log(1 - sigmoid(z)) beside the source's -(1 - log sigmoid(z)), with d/dz."""
    print(f"{label:<24}{'correct term':>14}{'d/dz':>9}{'source term':>14}{'d/dz':>9}")
    for z in values:
        zt = torch.tensor(z, requires_grad=True)
        correct = -F.logsigmoid(-zt)  # -log(1 - sigmoid(z))
        (g_correct,) = torch.autograd.grad(correct, zt)
        zt2 = torch.tensor(z, requires_grad=True)
        source = -(1 - F.logsigmoid(zt2))  # the source document's term: -(1 - log sigmoid(z))
        (g_source,) = torch.autograd.grad(source, zt2)
        print(f"{z:<24}{correct.item():14.4f}{g_correct.item():9.4f}{source.item():14.4f}{g_source.item():9.4f}")


compare_terms("relative fake logit z", (-10.0, -2.0, 0.0, 2.0))

# %% [markdown]
# The correct term goes to 0 with a vanishing gradient once a fake is rejected. The
# source's term is unbounded below and keeps pushing rejected fakes further (gradient → 1)
# forever: the discriminator's loss can decrease without limit while learning nothing.
#
# **Bug 4 (document 003): the same error in the generator loss.** Document 003 writes the
# generator's real term as $-\mathbb{E}[1 - \log D_{Ra}(x_r, x_f)]$ instead of
# $-\mathbb{E}[\log(1 - D_{Ra}(x_r, x_f))]$ (ESRGAN Eq. 2). Here $z$ is the real sample's
# relative logit $C(x_r) - \mathbb{E}[C(x_f)]$, which the generator wants to pull down:

# %%
compare_terms("relative real logit z", (-10.0, -2.0, 0.0, 2.0, 10.0))


def source_ragan_generator_loss(real_logits, fake_logits):
    """Document 003's L_G: the real term written -E[1 - log D_Ra(x_r, x_f)]."""
    real_rel = real_logits - fake_logits.mean()
    fake_rel = fake_logits - real_logits.mean()
    return -(1 - F.logsigmoid(real_rel)).mean() - F.logsigmoid(fake_rel).mean()


print(run_check("ragan_generator_loss", source_ragan_generator_loss, own_code_only=False))

# %% [markdown]
# The correct term pushes hardest (gradient → 1) when the discriminator is surest the real
# sample is the more realistic ($z = 10$), and lets go once it is not. The source's term does
# the reverse: no gradient where the generator most needs one, and a reward without limit
# for pushing $z$ further down once the reals already look less real than the fakes. The
# check that grades [exercise 05](../exercises/ex05_gradient_penalty_ragan.ipynb) catches it.
#
# **Bug 5 (document 000): the unweighted sum.** Document 000 adds MSE, perceptual and
# adversarial losses with weight 1 each. The terms live on different scales; what matters is
# how much of the gradient reaching the generator's output each one contributes. We measure it
# where ESRGAN's GAN stage starts: the trained PSNR-oriented generator (the course's shipped
# `psnr`, section 6), a freshly initialised discriminator (the one the course's `ragan` recipe
# builds), and one batch of bundled-photo patches; with weight 1 each versus ESRGAN's weights
# ($\eta = 10^{-2}$ for L1, 1 for perceptual, $\lambda = 5 \cdot 10^{-3}$ for RaGAN). VGG19 has
# random weights offline (the `ci` profile of the stored outputs) and ImageNet weights where
# they can be downloaded (on Colab); the first printed line says which.

# %%
from srlib.data import make_train_loader, sample_dataset
from srlib.losses import PerceptualLoss, vgg_weights_for
from srlib.models import load_generator
from srlib.pretrained.recipes import course_recipe
from srlib.train.components import build_discriminator

VGG_WEIGHTS = vgg_weights_for(profile.name)  # "random" under ci and offline (notebook 04)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    perceptual = PerceptualLoss.esrgan(weights=VGG_WEIGHTS).to(device)
gan_recipe = course_recipe("ragan")  # 64x64 HR patches, batch 8, discriminator of width 32
generator = load_generator("psnr").to(device)  # trained for PSNR: where the GAN stage starts
torch.manual_seed(0)
discriminator = build_discriminator(gan_recipe).to(device)  # untrained, as at the first GAN step
patches = sample_dataset("train", scale=4, hr_patch=gan_recipe.hr_patch, repeat=10)
img_lr, img_hr = next(iter(make_train_loader(patches, batch_size=gan_recipe.batch_size, num_workers=0, seed=0)))
img_sr = generator(img_lr.to(device))  # (8, 3, 64, 64)
img_hr = img_hr.to(device)
terms = {
    "pixel (L1)": lambda sr: F.l1_loss(sr, img_hr),
    "perceptual (VGG conv5_4)": lambda sr: perceptual(sr, img_hr),
    "adversarial (RaGAN)": lambda sr: ragan_generator_loss(discriminator(img_hr), discriminator(sr)),
}
esrgan_weights = {"pixel (L1)": 1e-2, "perceptual (VGG conv5_4)": 1.0, "adversarial (RaGAN)": 5e-3}
grad_norms, values = {}, {}
for name, term in terms.items():
    value = term(img_sr)
    (grad,) = torch.autograd.grad(value, img_sr, retain_graph=True)
    values[name], grad_norms[name] = value.item(), grad.norm().item()
print(f"VGG weights: {VGG_WEIGHTS}; generator: shipped psnr; discriminator: untrained")
print(f"{'term':<26}{'value':>9}{'gradient norm':>15}{'share, weights 1':>18}{'share, ESRGAN weights':>23}")
total_1 = sum(grad_norms.values())
total_e = sum(esrgan_weights[n] * g for n, g in grad_norms.items())
for name in terms:
    print(f"{name:<26}{values[name]:9.4f}{grad_norms[name]:15.2e}{100 * grad_norms[name] / total_1:17.2f}%"
          f"{100 * esrgan_weights[name] * grad_norms[name] / total_e:22.2f}%")
print(f"L1's gradient is sign(SR - HR) / N, so its norm is 1 / sqrt(N) = {img_sr.numel() ** -0.5:.2e} "
      f"for N = {img_sr.numel():,d} values, however close SR is to HR")

# %% [markdown]
# With weight 1 each, the adversarial term takes 99.67% of the gradient: the generator would
# barely feel its two content losses. ESRGAN's weights bring the perceptual term from 0.17% to
# 25% and the adversarial term down to 75%: the ratio of the two shares grows 200-fold, the
# ratio of the weights ($1 / (5 \cdot 10^{-3})$). The pixel term stays small either way, because
# an L1 gradient's norm is fixed at $1/\sqrt{N}$ (the last line). A reproduction that drops the
# weights trains a different model. Even with ESRGAN's weights the adversarial term leads at
# this step, for reasons this cell cannot separate: the discriminator is untrained, and in the
# stored outputs VGG19 is random, so the perceptual gradient's size says nothing about ImageNet
# features (on Colab the same cell prints the numbers with ImageNet weights). These shares
# describe the first step of the GAN stage only; watching each term's share during training is
# the practical way to tune such weights.
#
# ## 6. The three losses on super-resolution
#
# Now the real task, with models small enough to train on a laptop. The course ships four
# generators (`srlib/pretrained/`, made by `python tools/pretrain.py`), all the same
# `ResidualESPCN` of notebook 06's demo (134k parameters, x4):
#
# - `psnr`: PSNR-oriented, L1 loss only (stage 1 of ESRGAN, notebook 06);
# - `bce`, `wgan-gp`, `ragan`: each fine-tuned from `psnr` for the same number of iterations,
#   on the same patches in the same order, with $0.1\,L_1$ + VGG19 conv5_4 perceptual +
#   $5\cdot10^{-3}$ adversarial loss (the pixel weight 0.1, ten times ESRGAN's $10^{-2}$, is this
#   course's choice for a short fine-tune of a small model; it is recorded in the metadata).
#   Only the adversarial formulation changes: BCE and RaGAN
#   with a BatchNorm discriminator, WGAN-GP with a normalisation-free critic, 5 critic steps
#   and Adam betas (0, 0.9).
#
# Under the `ci` and `cpu` profiles we load them; set `TRAIN_HERE = True` (the default on the
# `gpu` profile) to train all four here with the same recipes (`srlib.pretrained.recipes`).

# %%
from srlib.data import imresize
from srlib.metrics import psnr, relative_gradient_energy, ssim
from srlib.models import load_generator
from srlib.pretrained import describe
from srlib.pretrained.recipes import course_recipe, train_course_model

TRAIN_HERE = profile.name == "gpu"
NAMES = ("psnr", "bce", "wgan-gp", "ragan")
if TRAIN_HERE:
    sr_models = {"psnr": train_course_model("psnr", device=device).eval_model}
    for name in NAMES[1:]:
        sr_models[name] = train_course_model(name, init=sr_models["psnr"], vgg_weights=VGG_WEIGHTS,
                                             device=device).eval_model
else:
    sr_models = {name: load_generator(name) for name in NAMES}
print(f"{'model':<9}{'iterations':>11}{'adversarial':>13}{'D normalisation':>17}{'critic steps':>14}"
      + ("" if TRAIN_HERE else f"{'CPU minutes':>13}"))
for name in NAMES:
    r = course_recipe(name)
    print(f"{name:<9}{r.total_iters:>11,}{str(r.adversarial):>13}"
          f"{(r.discriminator_norm if r.is_gan else '-'):>17}{(r.n_critic if r.is_gan else '-'):>14}"
          + ("" if TRAIN_HERE else f"{describe(name)['minutes']:13.1f}"))
print("trained here" if TRAIN_HERE else "loaded the shipped files (training time from their metadata)")

# %% [markdown]
# We score each on the three held-out photos (never seen in training) under the protocol of
# notebook 01 (Y channel, border 4, 8-bit), beside MATLAB bicubic. PSNR and SSIM measure
# *distortion*; for fine detail we use the gradient energy relative to HR (`srlib.metrics`):
# the mean squared difference between neighbouring pixels of Y, divided by the same for the
# HR photo. 1 means as much fine detail as the photo; a blurry image scores near 0. It is a
# detail count, not a perceptual metric: it counts every edge and grain, right or wrong,
# noise and stripes included, and says nothing about whether people would find the image
# realistic.

# %%
show(relative_gradient_energy)

# %%
sr_val = sample_dataset("val", scale=4)
outputs = {name: [] for name in ("bicubic",) + NAMES}
with torch.no_grad():
    for i in range(len(sr_val)):
        img_lr, img_hr = sr_val[i]
        outputs["bicubic"].append(imresize(img_lr[None].double(), 4).clamp(0, 1).float())
        for name, model in sr_models.items():
            outputs[name].append(model.cpu().eval()(img_lr[None]).clamp(0, 1))
hrs = [sr_val[i][1][None] for i in range(len(sr_val))]
table = {name: [np.mean([f(sr, hr) for sr, hr in zip(outs, hrs)])
                for f in (lambda a, b: psnr(a, b).item(), lambda a, b: ssim(a, b).item(), relative_gradient_energy)]
         for name, outs in outputs.items()}
print(f"{'':<9}{'PSNR-Y':>9}{'SSIM-Y':>9}{'gradient energy / HR':>22}   (mean of {len(sr_val)} held-out photos)")
for name, (p, s_, e) in table.items():
    print(f"{name:<9}{p:6.2f} dB{s_:9.4f}{e:22.2f}")

# %% [markdown]
# The crops below are where the HR photo has the most fine detail (the 64 x 64 window of
# highest gradient energy, found by the code), enlarged so that single pixels show.

# %%
idx = 0
hr_y = hrs[idx][0].mean(0)
detail = (hr_y[1:, :-1] - hr_y[:-1, :-1]) ** 2 + (hr_y[:-1, 1:] - hr_y[:-1, :-1]) ** 2
window = F.avg_pool2d(detail[None, None], 64, stride=8)[0, 0]
top, left = divmod(int(window.argmax()), window.shape[1])
crop = (slice(8 * top, 8 * top + 64), slice(8 * left, 8 * left + 64))
panels = [("HR", hrs[idx])] + [(name, outputs[name][idx]) for name in ("bicubic",) + NAMES]
fig, axes = plt.subplots(1, len(panels), figsize=(3 * len(panels), 3.6))
for ax, (name, img) in zip(axes, panels):
    ax.imshow(img[0].permute(1, 2, 0).numpy()[crop], interpolation="nearest")
    label = "ground truth" if name == "HR" else \
        f"{psnr(img, hrs[idx]).item():.2f} dB, energy {relative_gradient_energy(img, hrs[idx]):.2f}"
    ax.set_title(f"{name}\n{label}", fontsize=10)
    ax.axis("off")
fig.suptitle(f"{sr_val.names[idx]}: 64 x 64 HR crop at ({8 * top}, {8 * left}); "
             "PSNR-Y and gradient energy of the whole photo")
plt.tight_layout(rect=(0, 0, 1, 0.93))
plt.show()

# %%
bic, base = table["bicubic"], table["psnr"]
print(f"psnr over bicubic: {base[0] - bic[0]:+.2f} dB, with {base[2]:.2f} of HR's gradient energy "
      f"(bicubic {bic[2]:.2f}): sharper than bicubic, still far blurrier than the photo")
for name in NAMES[1:]:
    p, _, e = table[name]
    print(f"{name:<8} vs psnr: {p - base[0]:+.2f} dB PSNR-Y, gradient energy x{e / base[2]:.1f}"
          + (f"; {bic[0] - p:.2f} dB below bicubic" if p < bic[0] else ""))
most = max(NAMES[1:], key=lambda n: table[n][2])
print(f"most detail (gradient energy): {most} ({table[most][2]:.2f} of HR's); highest PSNR of the three GANs: "
      f"{max(NAMES[1:], key=lambda n: table[n][0])}")

# %% [markdown]
# Every GAN fine-tune loses PSNR against its PSNR-oriented parent and gains gradient energy:
# the perception-distortion trade-off (Blau and Michaeli 2018, arXiv:1711.06077). PSNR is
# maximised by the *average* of all plausible HR patches, which is blurry; a GAN draws *one*
# plausible texture instead, and every edge or grain it places where the photo has none
# costs twice in squared error. A model can even fall below bicubic in PSNR while looking
# sharper: with a 134k-parameter parent that gains only about 1 dB over bicubic, the GAN
# stage's cost in PSNR is of the same size. Published models show the same on hard sets:
# SRGAN-VGG54 scores 25.16 dB on BSD100, below bicubic's 25.94 dB (Ledig et al. 2017,
# Table 2), while being rated far better by people.
#
# Two limits of this comparison: offline the perceptual loss uses *random* VGG19 weights
# (recorded in each model's metadata; `srlib pretrained`), so part of the texture is what
# random features reward rather than what ImageNet features would; and gradient energy counts
# detail, not whether the detail is right. Look at the crops: part of `ragan`'s extra energy is
# a regular stripe pattern, an upsampling artefact of the kind notebook 03 measures, not fur. A
# texture measure cannot tell fur from such a grid, and neither can PSNR.

# %% [markdown]
# ## Predict, then run
# 1. In the relativistic-average picture, move the "late" fakes' mean from 1.8 to 2.5, above the
#    reals'. Predict both relativistic probabilities and the sign of the change in $L_G^{Ra}$,
#    then run the cell.
# 2. (In section 4b, before its answer: the parameter count of SRGAN's discriminator at 96x96.)
# 3. Section 4 measured how BatchNorm couples samples. Predict `cross_sample_gradient("instance")`
#    before running it.
#
# ## References
# - I. Goodfellow et al., *Generative Adversarial Nets*, NeurIPS 2014,
#   [arXiv:1406.2661](https://arxiv.org/abs/1406.2661).
# - I. Gulrajani et al., *Improved Training of Wasserstein GANs* (WGAN-GP), NeurIPS 2017,
#   [arXiv:1704.00028](https://arxiv.org/abs/1704.00028): Sec. 4 (the penalty; no critic BatchNorm).
# - A. Jolicoeur-Martineau, *The relativistic discriminator: a key element missing from standard GAN*
#   (RaGAN), ICLR 2019, [arXiv:1807.00734](https://arxiv.org/abs/1807.00734): Sec. 3-4.
# - C. Ledig et al. (SRGAN), [arXiv:1609.04802](https://arxiv.org/abs/1609.04802): Sec. 2.1 and
#   Fig. 4 (the discriminator), Table 2 (BSD100).
# - X. Wang et al. (ESRGAN), [arXiv:1809.00219](https://arxiv.org/abs/1809.00219): Sec. 3.2 (relativistic
#   discriminator, Eqs. 1-2), Sec. 4.1 (loss weights).
# - Y. Blau and T. Michaeli, *The Perception-Distortion Tradeoff*, CVPR 2018,
#   [arXiv:1711.06077](https://arxiv.org/abs/1711.06077).

# %% [markdown]
# ## What to remember
# - Use logits and `binary_cross_entropy_with_logits`; the generator uses the non-saturating
#   loss (BCE) or both relativistic terms (RaGAN).
# - WGAN-GP: critic loss $\mathbb{E}C(x_f) - \mathbb{E}C(x_r)$ plus $\lambda = 10$ times the
#   per-sample gradient penalty, $n_{critic} = 5$, Adam betas (0, 0.9), and no BatchNorm.
# - RaGAN compares each sample with the other class's average;
#   its fake term is $-\mathbb{E}\log(1 - D_{Ra}(x_f, x_r))$.
# - Loss weights are part of the method: ESRGAN uses $\eta = 10^{-2}$, $\lambda = 5 \cdot 10^{-3}$.
# - On super-resolution every adversarial loss trades PSNR for detail against its
#   PSNR-oriented parent; measure both, and look at the crops: gradient energy counts detail,
#   not whether the detail is right.
#
# **Exercise:** [exercise 05](../exercises/ex05_gradient_penalty_ragan.ipynb) (gradient penalty and the RaGAN losses).

# %% [markdown]
# ### After the exercise: the library's version
#
# Try the exercise first; then compare your code with the tested `srlib` source.

# %%
show(ragan_discriminator_loss)
show(gradient_penalty)
