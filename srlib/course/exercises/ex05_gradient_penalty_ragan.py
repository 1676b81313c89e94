"""Exercise 05: the WGAN-GP gradient penalty and the relativistic average GAN losses.

Gradient penalty (Gulrajani et al. 2017, Eq. 3): lambda E[(||grad C(x_hat)||_2 - 1)^2],
x_hat = eps x_r + (1 - eps) x_f, one eps ~ U[0, 1] per sample, the norm per sample.
RaGAN (ESRGAN Eqs. 1-2): D_Ra(a, b) = sigmoid(C(a) - E[C(b)]). Taught in: notebook 05.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from srlib.course.exercises.core import Exercise, Step, Task, expect_count

LIBRARY = ("srlib.losses.adversarial",)


# --------------------------------------------------------- gradient penalty
def gp_inputs(seed: int):
    gen = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.rand(*shape, generator=gen)  # noqa: E731
    return SimpleNamespace(
        w=torch.randn(48, generator=gen), pair=(rand(8, 3, 4, 4), rand(8, 3, 4, 4)),
        two=(rand(2, 1, 2, 2), rand(2, 1, 2, 2)),
        # real in [0.6, 1], fake in [0, 0.4]: eps = (x_hat - fake) / (real - fake) is well defined
        far=(0.6 + 0.4 * rand(64, 3, 4, 4), 0.4 * rand(64, 3, 4, 4)),
        layer=(torch.randn(1, 48, generator=gen), torch.randn(1, generator=gen)))


def _linear_critic_value(fn, i):
    return float(fn(lambda x: x.flatten(1) @ i.w, *i.pair, weight=10.0))


def _judge_linear(got, i):
    want = 10.0 * (i.w.norm().item() - 1) ** 2
    if not math.isclose(got, want, rel_tol=1e-4):
        return f"for a linear critic C(x) = w.x the penalty is lambda (|w| - 1)^2 = {want:.4f}, got {got:.4f}"


def _per_sample_value(fn, i):
    scale = torch.tensor([3.0, 0.0])
    return float(fn(lambda x: x.flatten(1)[:, 0] * scale, *i.two, weight=1.0))  # gradient norms 3 and 0


def _judge_per_sample(got, i):
    if math.isclose(got, 4.0, rel_tol=1e-4):
        return "the norm is taken over the batch, not per sample"
    if not math.isclose(got, 2.5, rel_tol=1e-4):
        return f"two samples with gradient norms 3 and 0 give ((3-1)^2 + (0-1)^2) / 2 = 2.5, got {got:.4f}"


def _interpolates(fn, i):
    seen = []

    def critic(x):
        seen.append(x.detach().clone())
        return x.flatten(1).sum(1)
    fn(critic, *i.far)
    return seen[:1]


def _judge_interpolates(seen, i):
    if not seen:
        return "the critic was never called"
    x_hat = torch.from_numpy(np.asarray(seen[0], dtype=np.float32))
    real, fake = i.far
    if x_hat.shape != real.shape:
        return f"the critic should see x_hat of shape {tuple(real.shape)}, got {tuple(x_hat.shape)}"
    eps = ((x_hat - fake) / (real - fake)).flatten(1)  # (N, C*H*W): eps per element
    if eps.min() < -1e-4 or eps.max() > 1 + 1e-4:
        return "x_hat must lie between the real and the fake sample"
    if (eps.max(1).values - eps.min(1).values).max() > 1e-4:
        return "eps differs within a sample: draw one eps per sample, of shape (N, 1, 1, 1)"
    if eps[:, 0].std() < 0.05:
        return "every sample uses the same eps: draw one eps ~ U[0, 1] per sample"


def _critic_weight_grad(fn, i):
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


def _judge_double_backward(seen, i):
    hint = "build it with torch.autograd.grad(..., create_graph=True) and return a tensor"
    if not seen["differentiable"] or seen["grad"] is None:
        return f"the penalty cannot be back-propagated into the critic's weights: {hint}"
    w = i.layer[0]
    want = 2 * 10.0 * (w.norm() - 1) * w / w.norm()  # d/dw of lambda (|w| - 1)^2
    got = torch.from_numpy(np.asarray(seen["grad"], dtype=np.float32))
    if got.shape != want.shape or not torch.allclose(got, want, rtol=1e-3, atol=1e-5):
        return f"the penalty's gradient with respect to the critic's weights is wrong: {hint}"


# ------------------------------------------------------------------- RaGAN
def ragan_inputs(seed: int):
    gen = torch.Generator().manual_seed(seed)
    return SimpleNamespace(real=torch.randn(8, 1, generator=gen) + 1, fake=torch.randn(8, 1, generator=gen) - 1)


def _relative(i):
    return i.real - i.fake.mean(), i.fake - i.real.mean()


def _value(fn, i):
    return float(fn(i.real.clone(), i.fake.clone()))


def _large(fn, i):
    big = torch.full((2, 1), 100.0)
    return [float(fn(big, -big)), float(fn(-big, big))]


def _judge_large(values, i):
    expect_count(values, 2, "values")
    if not all(math.isfinite(v) for v in values):
        return "not finite for logits of +-100: use binary_cross_entropy_with_logits or logsigmoid"


def _judge_d_value(got, i):
    real_rel, fake_rel = _relative(i)
    want = -F.logsigmoid(real_rel).mean() - F.logsigmoid(-fake_rel).mean()  # log(1 - s(x)) = logsig(-x)
    source = -F.logsigmoid(real_rel).mean() - (1 - F.logsigmoid(fake_rel)).mean()
    if math.isclose(got, source.item(), rel_tol=1e-4):
        return ("the fake term is written -E[1 - log D_Ra(x_f, x_r)] (the source document's error); "
                "it must be -E[log(1 - D_Ra(x_f, x_r))]")
    if not math.isclose(got, want.item(), rel_tol=1e-4):
        return f"expected {want.item():.5f} for these real and fake logits, got {got:.5f}"


def _judge_g_value(got, i):
    real_rel, fake_rel = _relative(i)
    want = -F.logsigmoid(-real_rel).mean() - F.logsigmoid(fake_rel).mean()
    source = -(1 - F.logsigmoid(real_rel)).mean() - F.logsigmoid(fake_rel).mean()
    if math.isclose(got, -F.logsigmoid(fake_rel).mean().item(), rel_tol=1e-4):
        return "only the fake term is used; RaGAN's generator loss has a real term too"
    if math.isclose(got, source.item(), rel_tol=1e-4):
        return ("the real term is written -E[1 - log D_Ra(x_r, x_f)] (the source document's error); "
                "it must be -E[log(1 - D_Ra(x_r, x_f))]")
    if not math.isclose(got, want.item(), rel_tol=1e-4):
        return f"expected {want.item():.5f} for these real and fake logits, got {got:.5f}"


def _g_gradients(fn, i):
    real, fake = i.real.clone().requires_grad_(True), i.fake.clone().requires_grad_(True)
    loss = fn(real, fake)
    if not (isinstance(loss, torch.Tensor) and loss.requires_grad and loss.numel() == 1):
        return {"fake": None, "real": None}
    try:
        loss.backward()
    except RuntimeError:
        return {"fake": None, "real": None}
    return {"fake": fake.grad, "real": real.grad}


def _source_g_fake_grad(i):
    """The fake logits' gradient of the source document's L_G, whose real term is -E[1 - log D_Ra(x_r, x_f)]."""
    real, fake = i.real.clone().requires_grad_(True), i.fake.clone().requires_grad_(True)
    (-(1 - F.logsigmoid(real - fake.mean())).mean() - F.logsigmoid(fake - real.mean()).mean()).backward()
    return fake.grad


def _judge_g_gradients(grads, i):
    if grads["fake"] is None:
        return "no gradient reaches the fake logits: return a scalar tensor, without .item() or .detach()"
    real, fake = i.real.clone().requires_grad_(True), i.fake.clone().requires_grad_(True)
    real_rel, fake_rel = real - fake.mean(), fake - real.mean()
    (-F.logsigmoid(-real_rel).mean() - F.logsigmoid(fake_rel).mean()).backward()
    got = torch.from_numpy(np.asarray(grads["fake"], dtype=np.float32))
    if not torch.allclose(got, fake.grad, rtol=1e-3, atol=1e-6):
        if torch.allclose(got, _source_g_fake_grad(i), rtol=1e-3, atol=1e-6):
            return ("these are the gradients of the source document's real term -E[1 - log D_Ra(x_r, x_f)], "
                    "the error the values check names; with -E[log(1 - D_Ra(x_r, x_f))] they follow")
        return "the gradient with respect to the fake logits is wrong (both terms depend on them)"
    # Detaching the real logits (as the course's trainer and BasicSR do) changes nothing for G: accept both.
    if grads["real"] is not None and np.abs(np.asarray(grads["real"])).sum() > 0:
        if not torch.allclose(torch.from_numpy(np.asarray(grads["real"], dtype=np.float32)), real.grad,
                              rtol=1e-3, atol=1e-6):
            return "the gradient with respect to the real logits is wrong"


EXERCISE = Exercise("ex05_gradient_penalty_ragan", "05", "The gradient penalty and the RaGAN losses", (
    Task("gradient_penalty", "gradient_penalty", 3, gp_inputs, (
        Step("linear critic: lambda (|w| - 1)^2", _linear_critic_value, _judge_linear),
        Step("gradient norm per sample", _per_sample_value, _judge_per_sample),
        Step("one random interpolation per sample", _interpolates, _judge_interpolates),
        Step("differentiable into the critic (create_graph=True)", _critic_weight_grad, _judge_double_backward),
    ), LIBRARY),
    Task("ragan_discriminator_loss", "ragan_discriminator_loss", 2, ragan_inputs, (
        Step("values on random logits", _value, _judge_d_value),
        Step("stable for large logits of either sign", _large, _judge_large),
    ), LIBRARY),
    Task("ragan_generator_loss", "ragan_generator_loss", 2, ragan_inputs, (
        Step("values on random logits", _value, _judge_g_value),
        Step("gradients (real logits may be detached)", _g_gradients, _judge_g_gradients),
        Step("stable for large logits of either sign", _large, _judge_large),
    ), LIBRARY),
))
