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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/srgan-course/gan-super-resolution/blob/main/solutions/ex05_gradient_penalty_ragan.ipynb)

# %% tags=["course-header"]
# Colab set-up: installs the course package on Google Colab; does nothing locally.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run('pip install -q "srlib @ git+https://github.com/srgan-course/gan-super-resolution@main"', shell=True, check=True)

# %% [markdown]
# # Exercise 05 · The gradient penalty and the RaGAN losses
#
# Goes with notebook **05 · BCE versus WGAN-GP versus RaGAN**. Fill in the code where it
# says `# YOUR CODE HERE` and run the check after each task.
# The grader runs the same checks on fresh random inputs, in a separate process. A task scores 0
# if it hands in or wraps `srlib`'s own implementation, or if the cells before it import modules
# that reach into the grader (`sys`, `os`, `gc`, `importlib`, ...): an exercise needs none of them.
# The Colab set-up cell at the top of this notebook is the one exception: it imports `sys` to
# detect Colab, and the grader leaves it out (a `course-header` tag in the cell's metadata marks
# it), so it does not count against you.
#
# | task | points |
# | --- | --- |
# | 1. `gradient_penalty` | 3 |
# | 2. `ragan_discriminator_loss` | 2 |
# | 3. `ragan_generator_loss` | 2 |

# %%
import torch
import torch.nn.functional as F

from srlib.checks import check
from srlib.course import setup

profile, device = setup(seed=0)

# %% [markdown]
# ## Task 1 (3 points): the WGAN-GP gradient penalty
#
# $$\lambda\ \mathbb{E}\big[(\lVert \nabla_{\hat x} C(\hat x) \rVert_2 - 1)^2\big],\qquad
# \hat x = \epsilon\, x_r + (1 - \epsilon)\, x_f,\quad \epsilon \sim U[0, 1]$$
#
# - draw **one** $\epsilon$ per sample (shape `(N, 1, 1, 1)`), on the device and in the dtype of
#   `real` (`device=real.device`), so the same code runs on a GPU;
# - take the gradient of the critic's scores with `torch.autograd.grad(..., create_graph=True)`
#   so the penalty can be back-propagated into the critic;
# - the norm is **per sample**, over all of (C, H, W); then average over the batch.
#
# `critic(x)` returns shape (N, 1) or (N,).

# %%
def gradient_penalty(critic, real, fake, weight=10.0):
    ### BEGIN SOLUTION
    eps = torch.rand(real.shape[0], *([1] * (real.ndim - 1)), device=real.device, dtype=real.dtype)
    xhat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(xhat).reshape(-1)
    (grads,) = torch.autograd.grad(scores.sum(), xhat, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)
    return weight * ((norms - 1) ** 2).mean()
    ### END SOLUTION


# %%
check("gradient_penalty", gradient_penalty)

# %% [markdown]
# ## Task 2 (2 points): the RaGAN discriminator loss
#
# $D_{Ra}(a, b) = \sigma(C(a) - \mathbb{E}[C(b)])$ and
#
# $$\mathcal{L}_D = -\mathbb{E}[\log D_{Ra}(x_r, x_f)] - \mathbb{E}[\log(1 - D_{Ra}(x_f, x_r))].$$
#
# Work with logits (`F.binary_cross_entropy_with_logits` or `F.logsigmoid`) so that large
# logits stay finite. The course was commissioned from five write-ups, its *source documents*,
# numbered 000 to 004 (not part of the repository); they contain errors, which the course
# reproduces as pitfalls. Source document 003, a summary of the ESRGAN paper, writes the second
# term as $-\mathbb{E}[1 - \log D_{Ra}(x_f, x_r)]$: that is wrong, and the check says so
# (notebook 05, section 5, shows what it does to the gradient).

# %%
def ragan_discriminator_loss(real_logits, fake_logits):
    ### BEGIN SOLUTION
    real_rel = real_logits - fake_logits.mean()
    fake_rel = fake_logits - real_logits.mean()
    return (F.binary_cross_entropy_with_logits(real_rel, torch.ones_like(real_rel))
            + F.binary_cross_entropy_with_logits(fake_rel, torch.zeros_like(fake_rel)))
    ### END SOLUTION


# %%
check("ragan_discriminator_loss", ragan_discriminator_loss)

# %% [markdown]
# ## Task 3 (2 points): the RaGAN generator loss
#
# $$\mathcal{L}_G = -\mathbb{E}[\log(1 - D_{Ra}(x_r, x_f))] - \mathbb{E}[\log D_{Ra}(x_f, x_r)]$$
#
# Both terms: the fakes appear in both (directly in the second, through $\mathbb{E}[C(x_f)]$ in the
# first), so the generator learns from the real images' logits too. Whether `real_logits` arrive
# detached (as in the course's trainer and BasicSR) changes nothing for the generator: the check
# accepts both.

# %%
def ragan_generator_loss(real_logits, fake_logits):
    ### BEGIN SOLUTION
    real_rel = real_logits - fake_logits.mean()
    fake_rel = fake_logits - real_logits.mean()
    return (F.binary_cross_entropy_with_logits(real_rel, torch.zeros_like(real_rel))
            + F.binary_cross_entropy_with_logits(fake_rel, torch.ones_like(fake_rel)))
    ### END SOLUTION


# %%
check("ragan_generator_loss", ragan_generator_loss)

# %% [markdown]
# ## Compare with the course library

# %% tags=["grader-skip"]
from srlib import losses

real, fake = torch.randn(8, 1), torch.randn(8, 1)
print(f"D: yours {ragan_discriminator_loss(real, fake).item():.5f}   "
      f"srlib {losses.ragan_discriminator_loss(real, fake).item():.5f}")
print(f"G: yours {ragan_generator_loss(real, fake).item():.5f}   "
      f"srlib {losses.ragan_generator_loss(real, fake).item():.5f}")
