"""The exercise checks catch the mistakes they promise to catch."""

import math

import torch
from torch import nn

from srlib.checks import run_check
from srlib.data import dihedral, paired_random_crop
from srlib.models import RRDB, ResidualDenseBlock


def messages(report):
    return " ".join(report.failed)


def test_reference_implementations_pass():
    assert run_check("paired_crop", paired_random_crop).ok
    assert run_check("augment_pair", lambda a, b, k: (dihedral(a, k), dihedral(b, k))).ok
    assert run_check("rdb", ResidualDenseBlock).ok
    assert run_check("rrdb", RRDB).ok
    assert run_check("pixel_shuffle", torch.nn.functional.pixel_shuffle).ok
    assert run_check("num_upsample_stages", lambda s: int(math.log2(s))).ok


def test_not_implemented_is_reported_not_raised():
    def stub(*args):
        raise NotImplementedError()
    report = run_check("pixel_shuffle", stub)
    assert not report.ok and "not implemented yet" in messages(report)


def test_misaligned_crop_and_short_range():
    def misaligned(lr, hr, p, s, rng):
        top, left = int(rng.integers(0, lr.shape[0] - p + 1)), int(rng.integers(0, lr.shape[1] - p + 1))
        return lr[top:top + p, left:left + p], hr[top:top + p * s, left:left + p * s]
    assert "does not start at the LR corner" in messages(run_check("paired_crop", misaligned))

    def short(lr, hr, p, s, rng):
        top, left = int(rng.integers(0, lr.shape[0] - p)), int(rng.integers(0, lr.shape[1] - p))
        return lr[top:top + p, left:left + p], hr[top * s:(top + p) * s, left * s:(left + p) * s]
    assert "one too short" in messages(run_check("paired_crop", short))


def test_augmentation_applied_to_one_image_only():
    report = run_check("augment_pair", lambda a, b, k: (dihedral(a, k), b))
    assert "transformed differently" in messages(report) or "shape" in messages(report)


def test_shared_weights_product_and_wrong_channels():
    class Shared(nn.Module):
        def __init__(self, c=64, g=32):
            super().__init__()
            self.rdb = ResidualDenseBlock(c, g)

        def forward(self, x):
            return x + 0.2 * self.rdb(self.rdb(self.rdb(x)))
    assert "share weights" in messages(run_check("rrdb", Shared))

    class Product(RRDB):
        def forward(self, x):
            return x * 0.2 * self.rdb3(self.rdb2(self.rdb1(x)))
    assert "product" in messages(run_check("rrdb", Product))

    class WrongChannels(nn.Module):
        def __init__(self, c=64, g=32):
            super().__init__()
            self.convs = nn.ModuleList([nn.Conv2d(c, g, 3, padding=1)] +
                                       [nn.Conv2d(c + g, g, 3, padding=1) for _ in range(3)] +
                                       [nn.Conv2d(c + g, c, 3, padding=1)])

        def forward(self, x):
            return x
    assert "channels should be" in messages(run_check("rdb", WrongChannels))


def test_natural_log_stage_count_hint():
    assert "natural log" in messages(run_check("num_upsample_stages", lambda s: int(math.log(s))))


def test_wrong_permute_order_in_pixel_shuffle():
    def wrong(x, r):
        b, c, h, w = x.shape
        return x.reshape(b, c // r**2, r, r, h, w).permute(0, 1, 4, 3, 5, 2).reshape(b, c // r**2, h * r, w * r)
    assert "permute order" in messages(run_check("pixel_shuffle", wrong))


def test_exercise_04_checks_catch_layer_and_normalisation_mistakes():
    import torch.nn.functional as F

    from srlib.losses.perceptual import IMAGENET_MEAN, IMAGENET_STD, VGG19_LAYERS

    assert run_check("vgg_layer_index", VGG19_LAYERS.get).ok
    assert "off by one" in messages(run_check("vgg_layer_index", lambda n: VGG19_LAYERS[n] + 1))

    def make(offset=0, normalize=True, freeze=True):
        class Loss(nn.Module):
            def __init__(self, features, index):
                super().__init__()
                self.f = features[: index + 1 + offset]
                if freeze:
                    self.f.eval().requires_grad_(False)
                self.register_buffer("m", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
                self.register_buffer("s", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

            def forward(self, a, b):
                prep = (lambda x: (x - self.m) / self.s) if normalize else (lambda x: x)
                return F.l1_loss(self.f(prep(a)), self.f(prep(b)))
        return Loss

    assert run_check("perceptual_loss", make()).ok
    assert "after the ReLU" in messages(run_check("perceptual_loss", make(offset=1)))
    assert "not normalised" in messages(run_check("perceptual_loss", make(normalize=False)))
    assert "require gradients" in messages(run_check("perceptual_loss", make(freeze=False)))


def test_exercise_05_checks_catch_the_planted_mistakes():
    import torch.nn.functional as F

    from srlib.losses import gradient_penalty, ragan_discriminator_loss, ragan_generator_loss

    assert run_check("gradient_penalty", gradient_penalty).ok
    assert run_check("ragan_discriminator_loss", ragan_discriminator_loss).ok
    assert run_check("ragan_generator_loss", ragan_generator_loss).ok

    def batch_norm_gp(critic, real, fake, weight=10.0):
        eps = torch.rand(real.shape[0], 1, 1, 1)
        x = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
        return weight * (g.norm() - 1) ** 2
    assert "over the batch, not per sample" in messages(run_check("gradient_penalty", batch_norm_gp))

    def one_eps_gp(critic, real, fake, weight=10.0):
        eps = torch.rand(1).item()
        x = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (g,) = torch.autograd.grad(critic(x).reshape(-1).sum(), x, create_graph=True)
        return weight * ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()
    assert "same eps" in messages(run_check("gradient_penalty", one_eps_gp))

    def source_ragan(real, fake):
        return -F.logsigmoid(real - fake.mean()).mean() - (1 - F.logsigmoid(fake - real.mean())).mean()
    assert "1 - log" in messages(run_check("ragan_discriminator_loss", source_ragan))

    def fake_only(real, fake):
        return -F.logsigmoid(fake - real.mean()).mean()
    assert "only the fake term" in messages(run_check("ragan_generator_loss", fake_only))
