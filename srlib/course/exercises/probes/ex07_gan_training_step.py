"""Exercise 07's probes: the student's GAN step on a tiny seeded GAN, with recording optimizers.

The probes hand the student's function a tiny seeded generator and
discriminator, stale gradients (as a previous iteration leaves them) and two
recording SGD optimizers; they record, as plain data, the gradients each
optimizer saw when it stepped, which modules were frozen at each D call and
the order of the steps. The losses handed in are ESRGAN's (RaGAN, Sec. 3.2;
L1 content, Sec. 3.3): inputs, not the answer. The judges, which redo the
iteration, are in ``srlib.course.exercises.ex07_gan_training_step``. Taught in: notebook 07.
"""

from __future__ import annotations

from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn

from srlib.course.exercises.probing import Probe

LEARNING_RATE = 0.1
ADVERSARIAL_WEIGHT = 0.5  # large on purpose: a D that is not frozen visibly changes the step


def _seeded(build, seed: int) -> nn.Module:
    """``build()`` with PyTorch's default initialisation drawn from ``seed`` (the global RNG is left alone)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def make_generator(seed: int) -> nn.Module:
    """x2 generator (B, 3, 4, 4) -> (B, 3, 8, 8): one conv and a pixel shuffle, seeded weights."""
    return _seeded(lambda: nn.Sequential(nn.Conv2d(3, 12, kernel_size=3, padding=1), nn.PixelShuffle(2)), seed)


def make_discriminator(seed: int) -> nn.Module:
    """(B, 3, 8, 8) -> logits (B, 1): a two-layer MLP, seeded weights."""
    return _seeded(lambda: nn.Sequential(nn.Flatten(), nn.Linear(192, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1)),
                   seed + 1)


def d_loss(real_logits, fake_logits):
    """RaGAN discriminator loss (ESRGAN Sec. 3.2), on logits."""
    real_rel, fake_rel = real_logits - fake_logits.mean(), fake_logits - real_logits.mean()
    return (F.binary_cross_entropy_with_logits(real_rel, torch.ones_like(real_rel))
            + F.binary_cross_entropy_with_logits(fake_rel, torch.zeros_like(fake_rel)))


def g_loss(img_sr, img_hr, real_logits, fake_logits):
    """L1 content loss + ADVERSARIAL_WEIGHT x RaGAN generator loss (ESRGAN Secs. 3.2-3.3)."""
    real_rel, fake_rel = real_logits - fake_logits.mean(), fake_logits - real_logits.mean()
    adversarial = (F.binary_cross_entropy_with_logits(real_rel, torch.zeros_like(real_rel))
                   + F.binary_cross_entropy_with_logits(fake_rel, torch.ones_like(fake_rel)))
    return F.l1_loss(img_sr, img_hr) + ADVERSARIAL_WEIGHT * adversarial


def inputs(seed: int):
    gen = torch.Generator().manual_seed(seed)
    g_params = [p.shape for p in make_generator(seed).parameters()]
    d_params = [p.shape for p in make_discriminator(seed).parameters()]
    return SimpleNamespace(seed=seed, img_lr=torch.rand(4, 3, 4, 4, generator=gen),
                           img_hr=torch.rand(4, 3, 8, 8, generator=gen),
                           stale_g=[torch.randn(s, generator=gen) for s in g_params],
                           stale_d=[torch.randn(s, generator=gen) for s in d_params])


class RecordingSGD(torch.optim.SGD):
    """Plain SGD that notes, at each ``step()``, which optimizer stepped and the gradients of both nets."""

    def __init__(self, params, name: str, log: list, nets: dict):
        super().__init__(params, lr=LEARNING_RATE)
        self._name, self._log, self._nets = name, log, nets

    def step(self, closure=None):
        self._log.append({"event": f"{self._name}.step", **{k: grads(m) for k, m in self._nets.items()}})
        return super().step(closure)


def grads(module: nn.Module) -> list:
    return [None if p.grad is None else p.grad.detach().clone() for p in module.parameters()]


def is_frozen(module: nn.Module) -> bool:
    return not any(p.requires_grad for p in module.parameters())


def _setup(i):
    """The seeded nets with stale gradients, a log, and optimizers that write to it."""
    generator, discriminator = make_generator(i.seed), make_discriminator(i.seed)
    for module, stale in ((generator, i.stale_g), (discriminator, i.stale_d)):
        for p, g in zip(module.parameters(), stale):
            p.grad = g.clone()
    log: list = []

    def on_d_call(module, args, output):
        log.append({"event": "D", "d_frozen": is_frozen(module),
                    "input_requires_grad": bool(args and isinstance(args[0], torch.Tensor) and args[0].requires_grad)})
    discriminator.register_forward_hook(on_d_call)
    nets = {"G": generator, "D": discriminator}
    opt_g = RecordingSGD(generator.parameters(), "opt_g", log, nets)
    opt_d = RecordingSGD(discriminator.parameters(), "opt_d", log, nets)
    return generator, discriminator, opt_g, opt_d, log


def _call(fn, args, log, generator, discriminator) -> dict:
    """Run the student's step; autograd's own errors are recorded, for the judge to explain."""
    returned, error = None, ""
    try:
        returned = fn(*args)
    except NotImplementedError:  # a RuntimeError too: the stub of the exercise notebook
        raise
    except RuntimeError as exc:
        error = str(exc)[:300]
    return {"log": log, "G_after": grads(generator), "D_trainable_after": not is_frozen(discriminator),
            "returned": returned, "error": error}


def run_d_step(fn, i):
    generator, discriminator, _, opt_d, log = _setup(i)
    img_sr = generator(i.img_lr.clone())  # (4, 3, 8, 8), still attached to G's graph
    return _call(fn, (discriminator, opt_d, i.img_hr.clone(), img_sr, d_loss), log, generator, discriminator)


def run_gan_step(fn, i):
    generator, discriminator, opt_g, opt_d, log = _setup(i)
    args = (generator, discriminator, opt_g, opt_d, i.img_lr.clone(), i.img_hr.clone(), g_loss, d_loss)
    return _call(fn, args, log, generator, discriminator)


DISCRIMINATOR_STEP = Probe("discriminator_step", "discriminator_step", inputs, (run_d_step,))
GAN_TRAINING_STEP = Probe("gan_training_step", "gan_training_step", inputs, (run_gan_step,))
PROBES = (DISCRIMINATOR_STEP, GAN_TRAINING_STEP)
