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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/solutions/ex07_gan_training_step.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # Exercise 07 · The GAN training step
#
# Goes with notebook **07 · Full GPU training**. Fill in the code where it says
# `# YOUR CODE HERE` and run the check after each task. The checks hand your functions a tiny
# generator and discriminator, so they run in a second on a CPU.
# The grader runs the same checks on fresh random inputs, in a separate process. A task scores 0
# if it hands in or wraps `srlib`'s own implementation, or if the cells before it import modules
# that reach into the grader (`sys`, `os`, `gc`, `importlib`, ...): an exercise needs none of them.
# The Colab set-up cell at the top of this notebook is the one exception: it imports `sys` to
# detect Colab, and the grader leaves it out (a `course-header` tag in the cell's metadata marks
# it), so it does not count against you.
#
# | task | points |
# | --- | --- |
# | 1. `discriminator_step` | 2 |
# | 2. `gan_training_step` | 4 |

# %%
import torch
import torch.nn.functional as F
from torch import nn

from srlib.checks import check
from srlib.course import setup

profile, device = setup(seed=0)

# %% [markdown]
# One iteration of ESRGAN (and of BasicSR's `ESRGANModel`, and of the course's trainer) has two
# steps, each with its own network, loss and optimizer:
#
# 1. **the generator's step**: D is *frozen* (`requires_grad_(False)`: its parameters get no
#    gradient from G's loss), `img_sr = G(img_lr)`, G's loss from `img_sr`, `img_hr` and D's
#    logits on both, then `opt_g.zero_grad()`, `backward()`, `opt_g.step()`;
# 2. **the discriminator's step**: D trainable again, D's loss on `D(img_hr)` and
#    `D(img_sr.detach())` (the *same* `img_sr`, detached so that D's loss does not flow back
#    into G), then `opt_d.zero_grad()`, `backward()`, `opt_d.step()`.
#
# The gradients of the last iteration are still in `.grad` when a step starts: `backward()`
# adds to them, so each step zeroes its own optimizer's gradients first.

# %% [markdown]
# ## Task 1 (2 points): the discriminator's step
#
# `discriminator_step(discriminator, opt_d, img_hr, img_sr, d_loss_fn)` gets an `img_sr` that is
# still attached to the generator's graph. Update D once with `d_loss_fn(real_logits,
# fake_logits)` and return D's loss as a number (`loss.item()`). Nothing may reach the generator.

# %%
def discriminator_step(discriminator, opt_d, img_hr, img_sr, d_loss_fn):
    ### BEGIN SOLUTION
    real_logits = discriminator(img_hr)  # (B, 1)
    fake_logits = discriminator(img_sr.detach())  # (B, 1): no gradient flows into G
    loss_d = d_loss_fn(real_logits, fake_logits)
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    return loss_d.item()
    ### END SOLUTION


# %%
check("discriminator_step", discriminator_step)

# %% [markdown]
# ## Task 2 (4 points): one iteration, G first, then D
#
# `gan_training_step(generator, discriminator, opt_g, opt_d, img_lr, img_hr, g_loss_fn, d_loss_fn)`
# runs the generator's step, then the discriminator's step (use your `discriminator_step`), and
# returns `(loss_g, loss_d)` as numbers. `g_loss_fn(img_sr, img_hr, real_logits, fake_logits)` is
# G's whole loss (in ESRGAN, Sec. 3.3: perceptual + RaGAN + L1); pass it D's logits on `img_hr`
# (detached: D is not trained here) and on `img_sr`. Leave D trainable when you return.

# %%
def gan_training_step(generator, discriminator, opt_g, opt_d, img_lr, img_hr, g_loss_fn, d_loss_fn):
    ### BEGIN SOLUTION
    discriminator.requires_grad_(False)  # G's step: no gradient into D's parameters
    img_sr = generator(img_lr)  # (B, 3, s H, s W)
    loss_g = g_loss_fn(img_sr, img_hr, discriminator(img_hr).detach(), discriminator(img_sr))
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    discriminator.requires_grad_(True)  # D's step
    loss_d = discriminator_step(discriminator, opt_d, img_hr, img_sr, d_loss_fn)
    return loss_g.item(), loss_d
    ### END SOLUTION


# %%
check("gan_training_step", gan_training_step)

# %% [markdown]
# ## Try it: a few iterations on a toy
#
# Your step trains a small x2 generator against a small discriminator on 32 different smooth
# 8x8 images (each a bilinear blend of four random corner colours). The losses are RaGAN's
# (ESRGAN Sec. 3.2). The generator's RaGAN loss (ESRGAN Eq. 2) is the discriminator's (Eq. 1)
# with the roles of real and fake swapped:
#
# $$L_D = -\mathbb{E}[\log D_{Ra}(x_r, x_f)] - \mathbb{E}[\log(1 - D_{Ra}(x_f, x_r))],\qquad
# L_G = -\mathbb{E}[\log(1 - D_{Ra}(x_r, x_f))] - \mathbb{E}[\log D_{Ra}(x_f, x_r)],$$
#
# so `d_loss(fake, real)` below computes $L_G$: its first term asks that the fakes look *more*
# real than the average real, its second that the reals look *less* real than the average fake.
# The first line of output checks it against the library's `ragan_generator_loss`. With L1 in
# its loss the generator's PSNR rises, while D's loss stays below 2 log 2 = 1.39, its value when
# D cannot tell real from fake.

# %% tags=["grader-skip"]
from srlib.losses import ragan_generator_loss

torch.manual_seed(0)
corners = torch.rand(32, 3, 2, 2, generator=torch.Generator().manual_seed(0))  # 4 random colours per image
img_hr_all = F.interpolate(corners, size=(8, 8), mode="bilinear", align_corners=True)  # (32, 3, 8, 8)
img_lr_all = F.avg_pool2d(img_hr_all, 2)  # (32, 3, 4, 4)
generator = nn.Sequential(nn.Conv2d(3, 12, kernel_size=3, padding=1), nn.PixelShuffle(2))
discriminator = nn.Sequential(nn.Flatten(), nn.Linear(192, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
opt_g = torch.optim.Adam(generator.parameters(), lr=1e-2)
opt_d = torch.optim.Adam(discriminator.parameters(), lr=1e-3)


def d_loss(real, fake):  # RaGAN's L_D (ESRGAN Eq. 1), on logits
    return (F.binary_cross_entropy_with_logits(real - fake.mean(), torch.ones_like(real))
            + F.binary_cross_entropy_with_logits(fake - real.mean(), torch.zeros_like(fake)))


def g_loss(img_sr, img_hr, real, fake):  # L1 + 5e-3 RaGAN (ESRGAN Sec. 3.3 without the perceptual term)
    return F.l1_loss(img_sr, img_hr) + 5e-3 * d_loss(fake, real)  # roles swapped: L_G


real, fake = torch.randn(8, 1), torch.randn(8, 1)
print(f"d_loss(fake, real) {d_loss(fake, real).item():.5f} = ragan_generator_loss(real, fake) "
      f"{ragan_generator_loss(real, fake).item():.5f}")
print(f"the 32 HR images differ: {len(torch.unique(img_hr_all.flatten(1), dim=0))} distinct")
for iteration in range(1, 61):
    loss_g, loss_d = gan_training_step(generator, discriminator, opt_g, opt_d, img_lr_all, img_hr_all,
                                       g_loss, d_loss)
    if iteration % 20 == 0:
        mse = F.mse_loss(generator(img_lr_all), img_hr_all).item()
        print(f"iteration {iteration:2d}: loss_g {loss_g:.4f}  loss_d {loss_d:.4f}  PSNR {10 * torch.log10(torch.tensor(1 / mse)):.1f} dB")


# %% [markdown]
# ## Compare with the course library
#
# The course's trainer does the same in `Trainer.step`, with mixed precision, a guard against
# non-finite losses, WGAN-GP's extra critic steps and EMA around it:

# %% tags=["grader-skip"]
from srlib.course import show
from srlib.train import Trainer

show(Trainer.step)
