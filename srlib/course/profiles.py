"""Run profiles: how big every notebook's work is (``ci``, ``cpu``, ``gpu``).

A *profile* is a small dataclass of sizes; notebooks read sizes from it instead
of hard-coding them:

- ``ci``  tiny, CPU only, every notebook executes in well under 90 s on
  2 cores; the stored notebook outputs are produced under this profile, so
  ``pytest --nbval`` can compare them.
- ``cpu`` a student's laptop: minutes per notebook, visibly learning.
- ``gpu`` Colab T4 and up: the papers' recipes.

The profile is chosen automatically (CUDA present -> ``gpu``, else ``cpu``)
and forced with the environment variable ``SRLIB_PROFILE``; CI sets
``SRLIB_PROFILE=ci``. A training recipe is shrunk to a profile by
``srlib.train.scaled(recipe, profile.recipe_size)``: the library knows the sizes
(``RecipeSize``), not the profiles.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # the library half is imported only when a recipe is scaled (see recipe_size)
    from srlib.train.recipes import RecipeSize

PROFILE_ENV = "SRLIB_PROFILE"


@dataclass(frozen=True)
class Profile:
    """How much work a notebook does. Every size a notebook uses lives here."""

    name: str
    description: str
    train_iters: int  # optimisation steps of a small in-notebook experiment
    batch_size: int  # patches per step
    hr_patch: int  # HR crop side in pixels (LR side = hr_patch // scale)
    num_feat: int  # generator width for in-notebook experiments
    num_block: int  # generator depth for in-notebook experiments
    toy_steps: int  # steps of the 2-D toy GAN experiments
    eval_images: int  # held-out photos evaluated (0 = all)
    device_kind: str  # "cpu" forces the CPU; "auto" takes CUDA when present

    @property
    def recipe_size(self) -> RecipeSize | None:
        """The sizes ``srlib.train.scaled`` shrinks a recipe to; None on ``gpu`` (the papers' recipes).

        ``ci`` runs offline, so its perceptual losses use random VGG19 weights.
        """
        from srlib.train.recipes import RecipeSize  # imported here: loading profiles loads no library code

        if self.name == "gpu":
            return None
        return RecipeSize(train_iters=self.train_iters, batch_size=self.batch_size, hr_patch=self.hr_patch,
                          num_feat=self.num_feat, num_block=self.num_block,
                          vgg_weights="random" if self.name == "ci" else None)


PROFILES: dict[str, Profile] = {
    "ci": Profile("ci", "tiny, CPU, reproducible stored outputs (CI)",
                  train_iters=40, batch_size=8, hr_patch=48, num_feat=16, num_block=2,
                  toy_steps=2000, eval_images=2, device_kind="cpu"),
    "cpu": Profile("cpu", "a laptop CPU: minutes per notebook",
                   train_iters=600, batch_size=16, hr_patch=64, num_feat=32, num_block=4,
                   toy_steps=3000, eval_images=0, device_kind="auto"),
    "gpu": Profile("gpu", "a CUDA GPU (Colab T4 and up): the papers' recipes",
                   train_iters=5000, batch_size=16, hr_patch=128, num_feat=64, num_block=16,
                   toy_steps=5000, eval_images=0, device_kind="auto"),
}


def get_profile(name: str | None = None) -> Profile:
    """The active profile: ``name``, else ``$SRLIB_PROFILE``, else by hardware."""
    name = name or os.environ.get(PROFILE_ENV) or ("gpu" if torch.cuda.is_available() else "cpu")
    key = name.strip().lower()
    if key not in PROFILES:
        valid = ", ".join(PROFILES)
        raise ValueError(f"unknown profile {name!r} (from {PROFILE_ENV} or --profile); "
                         f"valid profiles: {valid}")
    return PROFILES[key]


def get_device(profile: Profile | None = None) -> torch.device:
    """CUDA when present and the profile allows it, else the CPU."""
    profile = profile or get_profile()
    if profile.device_kind == "auto" and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")
