"""The student-side halves of every exercise task: ``PROBES["rrdb"]`` is exercise 02's RRDB probe.

One module per exercise, named as its judge module in ``srlib.course.exercises``.
Nothing here imports a judge or the course's reference code: ``srlib grade``
puts this package (with ``srlib.course.exercises.probing`` and ``observations``)
beside a student's code, and nothing else of the course library. Taught in:
README (instructors' section).
"""

from __future__ import annotations

from srlib.course.exercises.probes import (ex01_paired_crop_augment, ex02_rrdb, ex03_pixel_shuffle,
                                           ex04_perceptual_loss, ex05_gradient_penalty_ragan, ex07_gan_training_step,
                                           ex08_evaluation_protocol)
from srlib.course.exercises.probing import Probe

MODULES = (ex01_paired_crop_augment, ex02_rrdb, ex03_pixel_shuffle, ex04_perceptual_loss,
           ex05_gradient_penalty_ragan, ex07_gan_training_step, ex08_evaluation_protocol)
PROBES: dict[str, Probe] = {probe.task: probe for module in MODULES for probe in module.PROBES}

__all__ = ["MODULES", "PROBES", "Probe"]
