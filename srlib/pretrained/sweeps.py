"""Source document 004's hyper-parameter study at course scale: four sweeps, three seeds, scores only.

The document trained SRGAN (an SRResNet generator with BatchNorm and SRGAN's
discriminator) and swept, one at a time, the generator's residual blocks
(8, 16, 32), the discriminator's conv blocks (4, 8), one learning rate for both
networks (1e-6, 1e-5, 1e-4) and the HR crop (48, 64, 96, 128), each for a few
epochs (10, 10, 5 and 8), every configuration once. Here the same sweeps run
through ``srlib sweep`` with 3 seeds each, at a size a CPU trains in well
under an hour (``study_recipe``):

- SRResNet (the SRGAN paper's, BatchNorm, PReLU) with 16 features, trained
  from scratch as the document did; SRGAN's discriminator with 16 features;
- loss: MSE + 1e-3 BCE adversarial (SRGAN's weights) *without* the VGG loss,
  which would make every iteration some ten times slower on a CPU;
- Adam (0.9, 0.999), learning rate 1e-4 for both networks, batch 8, HR crop
  48, on the bundled training photos; scored on the held-out photos.

Sweep budgets keep the document's proportions at 20 iterations per "epoch"
(200, 200, 100 for the learning rates, 160 for the crops). ``tools/study.py``
runs them (``run_study``) and writes the records, with the command, time,
machine and recipe, to ``sweeps/study004.json``; notebook 09 reads it
(``load_study``) or, on the ``gpu`` profile, runs the study itself.
Taught in: notebook 09.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import torch

from srlib.models.generator_config import GeneratorConfig
from srlib.train.recipes import Recipe

STUDY_PATH = Path(__file__).resolve().parent / "sweeps" / "study004.json"
REGENERATE_STUDY = "python tools/study.py"
SEEDS = 3
ITERATIONS_PER_EPOCH = 20
# name: (axis, values, the document's epochs): its sections 3.3, 3.4, 4.1 and 4.2
SWEEPS = {
    "generator_blocks": ("generator.num_block", (8, 16, 32), 10),
    "discriminator_blocks": ("disc_blocks", (4, 8), 10),
    "learning_rate": ("learning_rate_g+learning_rate_d", (1e-6, 1e-5, 1e-4), 5),
    "crop": ("hr_patch", (48, 64, 96, 128), 8),
}


def study_recipe(iterations: int = 200) -> Recipe:
    """The base recipe every sweep of the study changes one field of (see the module docstring).

    Args:
        iterations: the run's length; validation (PSNR curve) at each quarter.
    Taught in: notebook 09.
    """
    return Recipe("study004", generator=GeneratorConfig("srresnet", num_feat=16, num_block=8), hr_patch=48,
                  batch_size=8, pixel_criterion="mse", pixel_weight=1.0, adversarial="bce", adversarial_weight=1e-3,
                  discriminator="srgan", disc_feat=16, disc_blocks=8, learning_rate_g=1e-4, learning_rate_d=1e-4,
                  betas=(0.9, 0.999), milestones=(), total_iters=iterations, ema_decay=0.0,
                  val_every=max(1, iterations // 4), save_every=max(1, iterations // 2), log_every=10)


def sweep_iterations(name: str, per_epoch: int = ITERATIONS_PER_EPOCH) -> int:
    """The iterations of sweep ``name``: the document's epochs times ``per_epoch``.

    Taught in: notebook 09.
    """
    return SWEEPS[name][2] * per_epoch


def study_sweeps(out: str | Path, per_epoch: int = ITERATIONS_PER_EPOCH, seeds: int = SEEDS,
                 device: str | torch.device | None = None, progress: bool = False) -> dict:
    """The four sweeps as ``srlib.sweep.worker.Sweep`` objects, each in ``out/<name>/``.

    ``device``: where every point trains and is scored (None: CUDA when present, else the CPU);
    each run validates on all three held-out photos. Taught in: notebook 09.
    """
    from srlib.sweep import Grid
    from srlib.sweep.worker import Sweep

    sweeps = {}
    for name, (axis, values, _) in SWEEPS.items():
        iterations = sweep_iterations(name, per_epoch)
        sweeps[name] = Sweep(study_recipe(iterations), Grid({axis: values}, seeds), Path(out) / name,
                             max_iters=iterations, device=device, progress=progress)
    return sweeps


def run_study(out: str | Path, per_epoch: int = ITERATIONS_PER_EPOCH, seeds: int = SEEDS,
              device: str | torch.device | None = None, progress: bool = False, only: tuple = ()) -> dict:
    """Run the study's sweeps through ``srlib.sweep`` (resumable); {name: {axis, iterations, records, seconds}}.

    Taught in: notebook 09 (its ``gpu`` profile) and ``tools/study.py``.
    """
    import time

    from srlib.sweep.worker import run_sweep

    result = {}
    for name, sweep in study_sweeps(out, per_epoch, seeds, device, progress).items():
        if only and name not in only:
            continue
        wall, cpu = time.perf_counter(), time.process_time()
        records = run_sweep(sweep)
        result[name] = {"axis": SWEEPS[name][0], "iterations": sweep.max_iters, "document_epochs": SWEEPS[name][2],
                        "records": records, "wall_seconds": round(time.perf_counter() - wall, 1),
                        "cpu_seconds": round(time.process_time() - cpu, 1)}
    return result


def load_study(path: str | Path = STUDY_PATH) -> dict:
    """The shipped study: {"meta": {...}, "recipe": {...}, "sweeps": {name: {axis, iterations, records, ...}}}.

    Taught in: notebook 09.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: the shipped study is missing; regenerate it with `{REGENERATE_STUDY}` "
                                "in a course checkout")
    return json.loads(path.read_text())


def small_study_recipe(iterations: int = 8) -> Recipe:
    """A few-second variant of ``study_recipe`` (4 features, 2 blocks, batch 2) for tests and notebook 09's demo.

    Taught in: notebook 09.
    """
    base = study_recipe(iterations)
    return replace(base, generator=replace(base.generator, num_feat=4, num_block=2), disc_feat=4, batch_size=2,
                   val_every=0)
