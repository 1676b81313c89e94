"""Adversarial losses: BCE (SRGAN), WGAN-GP, and the relativistic average GAN (ESRGAN).

All functions take discriminator outputs (logits or critic scores) of shape
(N, 1) or (N,) and return a scalar averaged over the batch. Sigmoids live
inside ``binary_cross_entropy_with_logits``, which stays finite for logits
of +-100 where ``log(sigmoid(x))`` would not. Taught in: notebook 05.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

_bce = F.binary_cross_entropy_with_logits


def _flat(x: Tensor) -> Tensor:
    """(N, 1) or (N,) -> (N,)."""
    if x.ndim == 2 and x.shape[1] == 1:
        return x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"expected discriminator outputs of shape (N, 1) or (N,), got {tuple(x.shape)}")
    return x


def bce_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Goodfellow et al. 2014: L_D = -E[log D(x_r)] - E[log(1 - D(x_f))], D = sigmoid(logits)."""
    real, fake = _flat(real_logits), _flat(fake_logits)
    return _bce(real, torch.ones_like(real)) + _bce(fake, torch.zeros_like(fake))


def bce_generator_loss(fake_logits: Tensor) -> Tensor:
    """Non-saturating generator loss: L_G = -E[log D(G(z))] (SRGAN Eq. 6)."""
    fake = _flat(fake_logits)
    return _bce(fake, torch.ones_like(fake))


def wgan_critic_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """WGAN critic: L_C = E[C(x_f)] - E[C(x_r)] (add ``gradient_penalty`` for WGAN-GP)."""
    return _flat(fake_scores).mean() - _flat(real_scores).mean()


def wgan_generator_loss(fake_scores: Tensor) -> Tensor:
    """WGAN generator: L_G = -E[C(x_f)]."""
    return -_flat(fake_scores).mean()


def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                     weight: float = 10.0) -> Tensor:
    """Gulrajani et al. 2017, Eq. 3: lambda * E[(||grad_xhat C(xhat)||_2 - 1)^2].

    xhat = eps * real + (1 - eps) * fake with one eps ~ U[0, 1] *per sample*,
    and the norm is taken per sample over all of (C, H, W), not over the
    batch nor over channels only. ``create_graph=True`` lets the penalty be
    back-propagated into the critic (double backward).

    Args:
        real, fake: (N, C, H, W) images; fake is detached here.
    """
    n = real.shape[0]
    eps = torch.rand(n, *([1] * (real.ndim - 1)), device=real.device, dtype=real.dtype)  # (N, 1, 1, 1)
    xhat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = _flat(critic(xhat))  # (N,)
    (grads,) = torch.autograd.grad(scores.sum(), xhat, create_graph=True)  # (N, C, H, W)
    norms = grads.flatten(1).norm(2, dim=1)  # (N,): one norm per sample
    return weight * ((norms - 1) ** 2).mean()


def ragan_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Relativistic average D loss (ESRGAN Eq. 1; Jolicoeur-Martineau 2018).

    D_Ra(a, b) = sigmoid(C(a) - E[C(b)]);
    L_D = -E[log D_Ra(x_r, x_f)] - E[log(1 - D_Ra(x_f, x_r))].
    (The source document's ``-E[1 - log D_Ra(x_f, x_r)]`` is wrong: notebook 05, section 5.)
    """
    real, fake = _flat(real_logits), _flat(fake_logits)
    real_rel = real - fake.mean()  # (N,)
    fake_rel = fake - real.mean()  # (N,)
    return _bce(real_rel, torch.ones_like(real_rel)) + _bce(fake_rel, torch.zeros_like(fake_rel))


def ragan_generator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Relativistic average G loss (ESRGAN Eq. 2): both terms, so G learns from real data too.

    L_G = -E[log(1 - D_Ra(x_r, x_f))] - E[log D_Ra(x_f, x_r)].
    Pass ``real_logits`` *not* detached from the graph of D(x_r) if D is frozen
    by ``requires_grad_(False)``: the gradient reaches G through ``fake_logits``
    in both terms (through the mean in the first).
    """
    real, fake = _flat(real_logits), _flat(fake_logits)
    real_rel = real - fake.mean()
    fake_rel = fake - real.mean()
    return _bce(real_rel, torch.zeros_like(real_rel)) + _bce(fake_rel, torch.ones_like(fake_rel))


# One interface for the trainer: name -> (discriminator loss, generator loss), both
# called as f(real_outputs, fake_outputs). The gradient penalty is added separately.
ADVERSARIAL_LOSSES = {
    "bce": (bce_discriminator_loss, lambda real, fake: bce_generator_loss(fake)),
    "wgan-gp": (wgan_critic_loss, lambda real, fake: wgan_generator_loss(fake)),
    "ragan": (ragan_discriminator_loss, ragan_generator_loss),
}


def adversarial_losses(name: str) -> tuple[Callable[[Tensor, Tensor], Tensor], Callable[[Tensor, Tensor], Tensor]]:
    """(d_loss(real, fake), g_loss(real, fake)) for 'bce', 'wgan-gp' or 'ragan'."""
    if name not in ADVERSARIAL_LOSSES:
        raise ValueError(f"unknown adversarial loss {name!r}; choose from {', '.join(ADVERSARIAL_LOSSES)}")
    return ADVERSARIAL_LOSSES[name]
