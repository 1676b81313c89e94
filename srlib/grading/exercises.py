"""The exercises the grader knows: which object each task defines, its check, its points.

The points here are the ones printed in each exercise notebook's table (a test
keeps them equal). Taught in: the instructors' section of README.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    check: str  # name in srlib.checks.CHECKS
    obj: str  # the function or class the student defines
    points: int


EXERCISES: dict[str, list[Task]] = {
    "ex01_paired_crop_augment": [Task("paired_crop", "paired_random_crop", 3),
                                 Task("augment_pair", "augment_pair", 2)],
    "ex02_rrdb": [Task("rdb", "ResidualDenseBlock", 3), Task("rrdb", "RRDB", 3)],
    "ex03_pixel_shuffle": [Task("pixel_shuffle", "pixel_shuffle", 3),
                           Task("num_upsample_stages", "num_upsample_stages", 1)],
    "ex04_perceptual_loss": [Task("vgg_layer_index", "vgg_layer_index", 2),
                             Task("perceptual_loss", "VGGLoss", 4)],
    "ex05_gradient_penalty_ragan": [Task("gradient_penalty", "gradient_penalty", 3),
                                    Task("ragan_discriminator_loss", "ragan_discriminator_loss", 2),
                                    Task("ragan_generator_loss", "ragan_generator_loss", 2)],
}


def exercise_of(stem: str) -> str | None:
    """The exercise a file name belongs to: 'ex02_rrdb', 'alice_ex02_rrdb' or 'ex02' all give ex02_rrdb."""
    for name in EXERCISES:
        if name in stem:
            return name
    for name in EXERCISES:
        if name.split("_")[0] in stem.split("_") or stem.startswith(name.split("_")[0]):
            return name
    return None
