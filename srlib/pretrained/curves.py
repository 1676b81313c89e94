"""Training curves of the shipped models, recorded while they train: what notebook 07's health check reads.

A ``CurveRecorder`` is a ``Trainer.fit`` callback. Every ``log_every``
iterations it appends the mean of each logged value over those iterations
(the losses; for a GAN also ``loss_d`` and the discriminator's mean logits
``d_real`` and ``d_fake``); every ``eval_every`` iterations it scores the
generator on the held-out photos (PSNR-Y, as ``srlib.infer.evaluate_generator``
measures it). ``tools/pretrain.py`` saves the result as ``curves.json``
beside each ``generator.pt`` (and, for the provoked run that notebook 07
compares with ``ragan``'s, as ``ragan/curves_d_lr_x50.json``).

Format: ``{"name", "log_every", "iteration": [...], "<value>": [...], ...,
"eval_every", "eval_iteration": [...], "psnr_y": [...], "bicubic_psnr_y": float}``.
Taught in: notebook 07, section 8.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from srlib.files import atomic_path
from srlib.models.shipped import PRETRAINED_DIR, REGENERATE
from srlib.train.trainer import Trainer


class CurveRecorder:
    """A ``Trainer.fit`` callback that keeps the mean logged values every ``log_every`` iterations
    and ``score(model) -> held-out PSNR-Y`` every ``eval_every`` (0: never)."""

    def __init__(self, name: str, log_every: int = 10, eval_every: int = 0,
                 score: Callable[[nn.Module], float] | None = None):
        if log_every < 1 or eval_every < 0 or (eval_every and score is None):
            raise ValueError("log_every must be >= 1, eval_every >= 0, and eval_every needs score=")
        self.curves: dict = {"name": name, "log_every": log_every, "iteration": [], "eval_every": eval_every,
                             "eval_iteration": [], "psnr_y": []}
        self.log_every, self.eval_every, self.score = log_every, eval_every, score
        self._sums: dict[str, float] = {}
        self._count = 0

    def __call__(self, trainer: Trainer, logs: dict[str, torch.Tensor]) -> None:
        """After each step: accumulate ``logs``; at the boundaries, append their means and the score."""
        for key, value in logs.items():
            self._sums[key] = self._sums.get(key, 0.0) + float(value)
        self._count += 1
        if trainer.iteration % self.log_every == 0:
            self.curves["iteration"].append(trainer.iteration)
            for key, total in self._sums.items():
                self.curves.setdefault(key, []).append(round(total / self._count, 6))
            self._sums, self._count = {}, 0
        if self.eval_every and trainer.iteration % self.eval_every == 0:
            self.evaluate(trainer)

    def evaluate(self, trainer: Trainer) -> None:
        """Score the generator now (its EMA weights when it keeps them) and append it to the curve."""
        model = trainer.eval_model
        was_training = model.training
        with torch.no_grad():
            self.curves["psnr_y"].append(round(float(self.score(model.eval())), 4))
        model.train(was_training)
        self.curves["eval_iteration"].append(trainer.iteration)


def curves_path(name: str, variant: str = "") -> Path:
    """``<name>/curves.json`` in the shipped folder, or ``<name>/curves_<variant>.json``."""
    return PRETRAINED_DIR / name / (f"curves_{variant}.json" if variant else "curves.json")


def save_curves(curves: dict, path: str | Path) -> Path:
    """Write ``curves`` as JSON (atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(curves, separators=(",", ":")))
    return path


def load_curves(name: str, variant: str = "") -> dict:
    """The recorded training curves of the shipped model ``name`` (``variant='d_lr_x50'``: the provoked run)."""
    path = curves_path(name, variant)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no recorded curves; regenerate them with `{REGENERATE} --only "
                                f"{name if not variant else 'provoked'}` in a course checkout")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is damaged ({exc}); regenerate it with `{REGENERATE} --only "
                         f"{name if not variant else 'provoked'}`") from exc
