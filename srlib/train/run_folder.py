"""A run's folder: refusing to mix runs, and what is written there after each step.

``srlib train`` (``srlib.train.run``) writes, on rank 0: ``metrics.csv`` and
``tb/`` (``RunLogger``), ``samples/iter_NNNNNN.png`` (``save_samples``),
``ckpt_NNNNNN.pt``, ``best.pt`` and ``status.json`` (``save_run_checkpoint``);
``RunRecorder`` decides when, as ``Trainer.fit``'s callback. Every file is
written atomically (``srlib.files.atomic_path``), so a disconnect never leaves
half a file. Taught in: notebook 07, sections 4 and 7.
"""

from __future__ import annotations

import csv
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from srlib.files import atomic_path
from srlib.infer.evaluate import bicubic_upscale
from srlib.train.budget import write_status
from srlib.train.checkpoint import device_name, latest_checkpoint, save_checkpoint
from srlib.train.trainer import Trainer

SAVE_MINUTES = 10.0  # a checkpoint at least this often, whatever the recipe's save_every


def prepare_out_dir(out: Path, resume: bool, overwrite: bool) -> Path | None:
    """The checkpoint to resume from (or None); refuses to mix runs in one folder."""
    ckpt = latest_checkpoint(out) if out.is_dir() else None
    if resume:
        if ckpt is None:
            raise FileNotFoundError(f"--resume: no checkpoint (ckpt_*.pt) in {out}; drop --resume "
                                    "to start a new run there")
        return ckpt
    holds_run = out.is_dir() and (ckpt is not None or (out / "generator.pt").exists())
    if holds_run and not overwrite:
        raise FileExistsError(f"{out} holds another run; pass --resume to continue it, --overwrite "
                              "to replace it, or choose another --out")
    if holds_run:
        for p in list(out.glob("ckpt_*.pt")) + [out / "best.pt", out / "generator.pt", out / "metrics.csv"]:
            p.unlink(missing_ok=True)
    return None


class RunLogger:
    """metrics.csv (appended across resumes) and TensorBoard, on rank 0."""

    def __init__(self, out: Path, start_iteration: int):
        self.path = out / "metrics.csv"
        rows = []
        if self.path.exists():  # drop rows past the checkpoint we resume from
            with open(self.path) as f:
                rows = [r for r in csv.DictReader(f) if int(r["iteration"]) <= start_iteration]
        self.rows = rows
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.tb = SummaryWriter(str(out / "tb"), purge_step=start_iteration + 1)
        except ImportError:  # tensorboard is optional at run time
            self.tb = None

    def log(self, iteration: int, values: dict) -> None:
        """Add ``values`` to the row of ``iteration`` (metrics.csv, rewritten atomically; TensorBoard)."""
        row = {k: f"{v:.6g}" for k, v in values.items()}
        if self.rows and int(self.rows[-1]["iteration"]) == iteration:  # more values for the same row
            self.rows[-1].update(row)
        else:
            self.rows.append({"iteration": iteration, **row})
        if self.tb is not None:
            for k, v in values.items():
                self.tb.add_scalar(k, v, iteration)
        keys = ["iteration"] + sorted({k for r in self.rows for k in r} - {"iteration"})
        with atomic_path(self.path) as tmp, open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.rows)


def save_samples(trainer: Trainer, out: Path) -> None:
    """bicubic | SR | HR crops of the first validation image, as ``samples/iter_NNNNNN.png``."""
    from srlib.data import save_image

    img_lr, img_hr = trainer.val_set[0]
    with torch.no_grad():
        img_sr = trainer.eval_model(img_lr[None].to(trainer.device)).float().clamp(0, 1)[0].cpu()
    size = min(128, img_hr.shape[-1], img_hr.shape[-2])
    crop = lambda t: t[:, :size, :size].permute(1, 2, 0).numpy()  # noqa: E731
    bicubic = bicubic_upscale(img_lr[None], trainer.recipe.scale)[0]  # (3, H, W)
    row = np.concatenate([crop(bicubic), crop(img_sr), crop(img_hr)], axis=1)  # (size, 3 * size, 3)
    save_image(row, out / "samples" / f"iter_{trainer.iteration:06d}.png")


def save_run_checkpoint(out: Path, trainer: Trainer, stop: int, is_best: bool = False) -> None:
    """``ckpt_NNNNNN.pt`` (and ``best.pt``), then ``status.json`` beside it."""
    recipe = trainer.recipe
    save_checkpoint(out, trainer.iteration, trainer.state_dict(), recipe.keep_last, is_best=is_best)
    write_status(out, {"recipe": recipe.name, "iteration": trainer.iteration, "total_iters": recipe.total_iters,
                       "stop": stop, "trained_minutes": trainer.clock.seconds / 60,
                       "seconds_per_iteration": trainer.seconds_per_iteration,
                       "device": device_name(trainer.device)})


class RunRecorder:
    """What ``srlib train`` does after each step, on rank 0 (``Trainer.fit``'s callback).

    Logs every ``log_every`` iterations (``metrics.csv``, TensorBoard), validates every
    ``val_every`` (PSNR-Y / SSIM-Y, a sample crop, ``best.pt``), writes a checkpoint every
    ``save_every`` iterations and every ``SAVE_MINUTES``, and does all three at the
    session's last iteration.
    """

    def __init__(self, out: Path, stop: int, logger: RunLogger, cpu_estimate: bool = False):
        self.out, self.stop, self.logger, self.cpu_estimate = out, stop, logger, cpu_estimate
        self.best = max((float(r["psnr"]) for r in logger.rows if r.get("psnr")), default=-1.0)
        self.started = self.last_save = time.perf_counter()
        self.first: int | None = None

    def __call__(self, trainer: Trainer, logs: dict) -> None:
        """Log, validate and checkpoint after the step that reached ``trainer.iteration``."""
        it, recipe, last = trainer.iteration, trainer.recipe, trainer.last_of_session
        self.first = it - 1 if self.first is None else self.first
        if self.cpu_estimate and it == self.first + 3:
            per_it = (time.perf_counter() - self.started) / 3
            warnings.warn(f"about {per_it * (self.stop - it) / 3600:.1f} hours to go on this CPU", stacklevel=2)
        validate = bool(recipe.val_every) and (it % recipe.val_every == 0 or last)
        is_best = False
        if it % recipe.log_every == 0 or validate or last:
            row = {k: float(v) for k, v in logs.items()}  # the one read of this step's values
            row["learning_rate_g"] = trainer.opt_g.param_groups[0]["lr"]
            if validate:
                row.update(trainer.validate())  # psnr, ssim
                save_samples(trainer, self.out)
                is_best, self.best = row["psnr"] > self.best, max(self.best, row["psnr"])
            self.logger.log(it, row)
        if ((recipe.save_every and it % recipe.save_every == 0) or last
                or time.perf_counter() - self.last_save > 60 * SAVE_MINUTES):
            save_run_checkpoint(self.out, trainer, self.stop, is_best)
            self.last_save = time.perf_counter()
