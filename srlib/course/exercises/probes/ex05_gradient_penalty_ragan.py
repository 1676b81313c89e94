"""Exercise 05's probes: the student's gradient penalty on known critics, their RaGAN losses on logits.

Every number comes from the seed: the linear critic's weights, the gradient
norm of the per-sample critic, the samples, the logits and how large the
"large" logits are. The judges are in ``srlib.course.exercises.ex05_gradient_penalty_ragan``.
Taught in: notebook 05.
"""

from __future__ import annotations

from types import SimpleNamespace

import torch
from torch import nn

from srlib.course.exercises.probing import Probe


def gp_inputs(seed: int):
    gen = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.rand(*shape, generator=gen)  # noqa: E731
    return SimpleNamespace(
        w=torch.randn(48, generator=gen), pair=(rand(8, 3, 4, 4), rand(8, 3, 4, 4)),
        two=(rand(2, 1, 2, 2), rand(2, 1, 2, 2)),
        steep=float(2 + 3 * rand(1)),  # the first sample's gradient norm (the second's is 0)
        # real in [0.6, 1], fake in [0, 0.4]: eps = (x_hat - fake) / (real - fake) is well defined
        far=(0.6 + 0.4 * rand(64, 3, 4, 4), 0.4 * rand(64, 3, 4, 4)),
        layer=(torch.randn(1, 48, generator=gen), torch.randn(1, generator=gen)))


def linear_critic_value(fn, i):
    return float(fn(lambda x: x.flatten(1) @ i.w, *i.pair, weight=10.0))


def per_sample_value(fn, i):
    scale = torch.tensor([i.steep, 0.0])
    return float(fn(lambda x: x.flatten(1)[:, 0] * scale, *i.two, weight=1.0))  # gradient norms steep and 0


def interpolates(fn, i):
    seen = []

    def critic(x):
        seen.append(x.detach().clone())
        return x.flatten(1).sum(1)
    fn(critic, *i.far)
    return seen[:1]


def critic_weight_grad(fn, i):
    critic = nn.Sequential(nn.Flatten(), nn.Linear(48, 1))
    with torch.no_grad():
        critic[1].weight.copy_(i.layer[0])
        critic[1].bias.copy_(i.layer[1])
    gp = fn(critic, *i.pair, weight=10.0)
    if not (isinstance(gp, torch.Tensor) and gp.requires_grad and gp.numel() == 1):
        return {"differentiable": False, "grad": None}
    try:
        gp.backward()
    except RuntimeError:  # e.g. a graph freed by an earlier backward: not differentiable as built
        return {"differentiable": False, "grad": None}
    return {"differentiable": True, "grad": critic[1].weight.grad}


def ragan_inputs(seed: int):
    gen = torch.Generator().manual_seed(seed)
    return SimpleNamespace(real=torch.randn(8, 1, generator=gen) + 1, fake=torch.randn(8, 1, generator=gen) - 1,
                           big=float(60 + 80 * torch.rand(1, generator=gen)))  # "large" logits: 60 to 140


def value(fn, i):
    return float(fn(i.real.clone(), i.fake.clone()))


def large(fn, i):
    big = torch.full((2, 1), i.big)
    return [float(fn(big, -big)), float(fn(-big, big))]


def g_gradients(fn, i):
    real, fake = i.real.clone().requires_grad_(True), i.fake.clone().requires_grad_(True)
    loss = fn(real, fake)
    if not (isinstance(loss, torch.Tensor) and loss.requires_grad and loss.numel() == 1):
        return {"fake": None, "real": None}
    try:
        loss.backward()
    except RuntimeError:
        return {"fake": None, "real": None}
    return {"fake": fake.grad, "real": real.grad}


GRADIENT_PENALTY = Probe("gradient_penalty", "gradient_penalty", gp_inputs,
                         (linear_critic_value, per_sample_value, interpolates, critic_weight_grad))
RAGAN_D = Probe("ragan_discriminator_loss", "ragan_discriminator_loss", ragan_inputs, (value, large))
RAGAN_G = Probe("ragan_generator_loss", "ragan_generator_loss", ragan_inputs, (value, g_gradients, large))
PROBES = (GRADIENT_PENALTY, RAGAN_D, RAGAN_G)
