"""Analytic values of the adversarial losses."""

import math

import pytest
import torch

from srlib.losses import (adversarial_losses, bce_discriminator_loss, bce_generator_loss,
                          gradient_penalty, ragan_discriminator_loss, ragan_generator_loss,
                          wgan_critic_loss, wgan_generator_loss)


def test_bce_analytic_and_stable():
    zero = torch.zeros(4, 1)
    assert bce_discriminator_loss(zero, zero).item() == pytest.approx(2 * math.log(2))
    assert bce_generator_loss(zero).item() == pytest.approx(math.log(2))
    big = torch.full((3,), 100.0)
    assert bce_discriminator_loss(big, -big).item() == pytest.approx(0.0, abs=1e-6)
    assert bce_discriminator_loss(-big, big).item() == pytest.approx(200.0)
    assert torch.isfinite(bce_generator_loss(-big))


def test_wgan_losses():
    real, fake = torch.tensor([[1.0], [3.0]]), torch.tensor([0.5, 1.5])
    assert wgan_critic_loss(real, fake).item() == pytest.approx(1.0 - 2.0)
    assert wgan_generator_loss(fake).item() == pytest.approx(-1.0)


def test_gradient_penalty_of_linear_critic():
    w = torch.randn(3 * 4 * 4)
    critic = lambda x: x.flatten(1) @ w  # noqa: E731  gradient w everywhere
    real, fake = torch.rand(5, 3, 4, 4), torch.rand(5, 3, 4, 4)
    gp = gradient_penalty(critic, real, fake, weight=10.0)
    assert gp.item() == pytest.approx(10.0 * (w.norm().item() - 1) ** 2, rel=1e-5)


def test_gradient_penalty_norm_is_per_sample():
    # sample 0 has gradient norm 2, sample 1 norm 0: per sample (1 + 1) / 2 = 1;
    # a norm over the whole batch would give (2 - 1)^2 = 1 too, so use 3 and 0:
    scale = torch.tensor([3.0, 0.0])
    critic = lambda x: (x.flatten(1)[:, 0] * scale)  # noqa: E731
    gp = gradient_penalty(critic, torch.rand(2, 1, 1, 1), torch.rand(2, 1, 1, 1), weight=1.0)
    assert gp.item() == pytest.approx(((3 - 1) ** 2 + (0 - 1) ** 2) / 2)  # batch norm would give 4


def test_gradient_penalty_is_differentiable_twice():
    critic = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    gp = gradient_penalty(critic, torch.rand(4, 3, 2, 2), torch.rand(4, 3, 2, 2))
    gp.backward()
    first = critic[1].weight.grad  # the penalty reaches the critic's weights (double backward)
    assert first is not None and torch.isfinite(first).all() and first.abs().sum() > 0
    assert critic[3].bias.grad is None  # d(input gradient)/d(last bias) = 0: nothing to reach


def test_ragan_against_hand_computed_values():
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([1.0, -1.0])  # means 1 and 0
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    d = -(math.log(sig(2 - 0)) + math.log(sig(0 - 0))) / 2 - (math.log(1 - sig(1 - 1)) + math.log(1 - sig(-1 - 1))) / 2
    g = -(math.log(1 - sig(2)) + math.log(1 - sig(0))) / 2 - (math.log(sig(0)) + math.log(sig(-2))) / 2
    assert ragan_discriminator_loss(real, fake).item() == pytest.approx(d)
    assert ragan_generator_loss(real, fake).item() == pytest.approx(g)


def test_ragan_generator_gets_gradient_through_the_real_branch():
    fake = torch.tensor([0.3, -0.2], requires_grad=True)
    real = torch.tensor([1.0, 0.5])
    # only the first (real) term: it depends on fake through E[C(x_f)]
    loss = ragan_generator_loss(real, fake) - bce_generator_loss((fake - real.mean()))
    loss.backward()
    assert fake.grad.abs().sum() > 0


def test_common_interface():
    d, g = adversarial_losses("ragan")
    assert d is ragan_discriminator_loss
    with pytest.raises(ValueError, match="bce, wgan-gp, ragan"):
        adversarial_losses("lsgan")
    with pytest.raises(ValueError, match="shape"):
        bce_generator_loss(torch.zeros(2, 2))
