"""The course's exercises: one module per exercise, each with its tasks, points and judges.

This is the one registry: ``check("rrdb", RRDB)`` in a notebook, ``srlib
grade`` and the course map (``srlib.course.LESSONS``) all read it. Each
task's student-side half (its inputs and observers) lives in
``srlib.course.exercises.probes``, a module of the same name per exercise: the part
``srlib grade`` puts beside student code, with no judge in it.

- ``ex01_paired_crop_augment``  aligned random crop, dihedral augmentation (notebook 01)
- ``ex02_rrdb``                 residual dense block and RRDB (notebook 02)
- ``ex03_pixel_shuffle``        pixel shuffle by hand, x2 stage count (notebook 03)
- ``ex04_perceptual_loss``      VGG19 layer indices, the perceptual loss (notebook 04)
- ``ex05_gradient_penalty_ragan``  WGAN-GP penalty, RaGAN losses (notebook 05)
- ``ex07_gan_training_step``    the D step and the alternating G/D iteration (notebook 07)
- ``ex08_evaluation_protocol``  Y channel, border crop, 8-bit rounding: PSNR as published (notebook 08)

Taught in: README (instructors' section) and every exercise notebook.
"""

from __future__ import annotations

from srlib.course.exercises import (ex01_paired_crop_augment, ex02_rrdb, ex03_pixel_shuffle, ex04_perceptual_loss,
                             ex05_gradient_penalty_ragan, ex07_gan_training_step, ex08_evaluation_protocol)
from srlib.course.exercises.core import Exercise, Report, Step, Task, judge, observe

EXERCISES: dict[str, Exercise] = {module.EXERCISE.name: module.EXERCISE for module in (
    ex01_paired_crop_augment, ex02_rrdb, ex03_pixel_shuffle, ex04_perceptual_loss, ex05_gradient_penalty_ragan,
    ex07_gan_training_step, ex08_evaluation_protocol)}


def find_task(name: str) -> tuple[Exercise, Task]:
    """The exercise and task that ``check(name, ...)`` means; a ValueError lists the valid names."""
    for exercise in EXERCISES.values():
        for task in exercise.tasks:
            if task.name == name:
                return exercise, task
    valid = ", ".join(t.name for e in EXERCISES.values() for t in e.tasks)
    raise ValueError(f"unknown check {name!r}; available: {valid}")


def exercise_of(stem: str) -> str | None:
    """The exercise a file name belongs to: 'ex02_rrdb', 'alice_ex02_rrdb' or 'ex02' all give ex02_rrdb."""
    for name in EXERCISES:
        if name in stem:
            return name
    for name in EXERCISES:
        if name.split("_")[0] in stem.split("_") or stem.startswith(name.split("_")[0]):
            return name
    return None


def for_lesson(number: str) -> Exercise | None:
    """The exercise that goes with notebook ``number`` ("02"), if any."""
    return next((e for e in EXERCISES.values() if e.lesson == number), None)


__all__ = ["EXERCISES", "Exercise", "Report", "Step", "Task", "exercise_of", "find_task", "for_lesson",
           "judge", "observe"]
