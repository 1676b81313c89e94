"""Exercise 05's judges: the WGAN-GP gradient penalty and the relativistic average GAN losses.

Gradient penalty (Gulrajani et al. 2017, Eq. 3): lambda E[(||grad C(x_hat)||_2 - 1)^2],
x_hat = eps x_r + (1 - eps) x_f, one eps ~ U[0, 1] per sample, the norm per sample.
RaGAN (ESRGAN Eqs. 1-2): D_Ra(a, b) = sigmoid(C(a) - E[C(b)]). The probes are in
``srlib.course.exercises.probes.ex05_gradient_penalty_ragan``. Taught in: notebook 05.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from srlib.course.exercises.core import Exercise, Step, Task, expect_count
from srlib.course.exercises.probes import ex05_gradient_penalty_ragan as probe

LIBRARY = ("srlib.losses.adversarial",)


# --------------------------------------------------------- gradient penalty
def _judge_linear(got, i):
    want = 10.0 * (i.w.norm().item() - 1) ** 2
    if not math.isclose(got, want, rel_tol=1e-4):
        return f"for a linear critic C(x) = w.x the penalty is lambda (|w| - 1)^2 = {want:.4f}, got {got:.4f}"


def _judge_per_sample(got, i):
    a = i.steep  # the two samples' gradient norms are a and 0
    if math.isclose(got, (a - 1) ** 2, rel_tol=1e-4):
        return "the norm is taken over the batch, not per sample"
    want = ((a - 1) ** 2 + 1) / 2
    if not math.isclose(got, want, rel_tol=1e-4):
        return (f"two samples with gradient norms {a:.3f} and 0 give (({a:.3f} - 1)^2 + (0 - 1)^2) / 2 "
                f"= {want:.4f}, got {got:.4f}")


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
def _relative(i):
    return i.real - i.fake.mean(), i.fake - i.real.mean()


def _judge_large(values, i):
    expect_count(values, 2, "values")
    if not all(math.isfinite(v) for v in values):
        return f"not finite for logits of +-{i.big:.0f}: use binary_cross_entropy_with_logits or logsigmoid"


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
    Task(probe.GRADIENT_PENALTY, 3, (
        Step("linear critic: lambda (|w| - 1)^2", probe.linear_critic_value, _judge_linear),
        Step("gradient norm per sample", probe.per_sample_value, _judge_per_sample),
        Step("one random interpolation per sample", probe.interpolates, _judge_interpolates),
        Step("differentiable into the critic (create_graph=True)", probe.critic_weight_grad, _judge_double_backward),
    ), LIBRARY),
    Task(probe.RAGAN_D, 2, (
        Step("values on random logits", probe.value, _judge_d_value),
        Step("stable for large logits of either sign", probe.large, _judge_large),
    ), LIBRARY),
    Task(probe.RAGAN_G, 2, (
        Step("values on random logits", probe.value, _judge_g_value),
        Step("gradients (real logits may be detached)", probe.g_gradients, _judge_g_gradients),
        Step("stable for large logits of either sign", probe.large, _judge_large),
    ), LIBRARY),
))
