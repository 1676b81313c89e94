"""How the shipped course models are trained: one recipe per name, one training function.

``tools/pretrain.py`` calls these to make the shipped files; notebooks 05 and 08
call them to train the same models themselves (the ``gpu`` profile, or their
``TRAIN_HERE`` switch) instead of loading the shipped ones.

- ``psnr``: the ``demo`` recipe (ResidualESPCN, L1), learning rate / 4 after 60%
  and 85% of the iterations;
- ``bce``, ``wgan-gp``, ``ragan``: from ``psnr``, 0.1 L1 + VGG19 conv5_4 (before
  ReLU) perceptual + 5e-3 adversarial, a VGG-style discriminator of width 32
  (BatchNorm for BCE and RaGAN; none for the WGAN-GP critic, which takes 5
  critic steps per iteration with Adam betas (0, 0.9), Gulrajani et al. 2017,
  Algorithm 1). Only the adversarial formulation differs between the three.

Taught in: notebook 05, section 6 and notebook 08, section 1 (their ``TRAIN_HERE`` switch).
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import torch

from srlib.data import sample_dataset
from srlib.train.recipes import Recipe, get_recipe
from srlib.train.trainer import Trainer

SEED = 0
PSNR_ITERS, GAN_ITERS = 5000, 200  # the shipped models' budgets


def course_recipe(name: str, iters: int | None = None, vgg_weights: str = "random") -> Recipe:
    """The recipe of the shipped model ``name`` ('psnr', 'bce', 'wgan-gp' or 'ragan')."""
    base = replace(get_recipe("demo"), seed=SEED)
    if name == "psnr":
        iters = iters or PSNR_ITERS
        return replace(base, total_iters=iters, milestones=(int(0.6 * iters), int(0.85 * iters)), gamma=0.25)
    if name not in ("bce", "wgan-gp", "ragan"):
        raise ValueError(f"no course recipe {name!r}; the course models are psnr, bce, wgan-gp and ragan")
    wgan = name == "wgan-gp"
    return replace(base, name=f"course_{name}", pixel_weight=0.1, perceptual_layers={"conv5_4": 1.0},
                   perceptual_weight=1.0, adversarial=name, adversarial_weight=5e-3, disc_feat=32,
                   discriminator_norm="none" if wgan else "batch", n_critic=5 if wgan else 1,
                   betas=(0.0, 0.9) if wgan else (0.9, 0.99), learning_rate_g=1e-4, learning_rate_d=1e-4,
                   batch_size=8, total_iters=iters or GAN_ITERS, vgg_weights=vgg_weights)


def train_course_model(name: str, iters: int | None = None, init: torch.nn.Module | None = None,
                       vgg_weights: str = "random", device: str | torch.device = "cpu",
                       progress: bool = True) -> Trainer:
    """Train the course model ``name`` on the bundled training photos; a GAN model starts from ``init``.

    Returns the trainer (its ``eval_model`` is the result). The data order is
    fixed by the seed, so two runs on the same machine give the same model.
    """
    recipe = course_recipe(name, iters, vgg_weights)
    if recipe.is_gan and init is None:
        raise ValueError(f"{name!r} is fine-tuned from the PSNR-oriented model: pass init= (for example "
                         "load_generator('psnr') or the eval_model of train_course_model('psnr'))")
    torch.manual_seed(SEED)
    train = sample_dataset("train", scale=4, hr_patch=recipe.hr_patch, repeat=10_000,
                           seed=SEED + (1 if recipe.is_gan else 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the random-VGG warning: recorded in the metadata instead
        trainer = Trainer(recipe, train, device=device, amp="off")
    if init is not None:
        trainer.generator.load_state_dict(init.state_dict())
    trainer.fit(recipe.total_iters, progress=progress)
    return trainer
