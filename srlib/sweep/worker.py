"""Running a sweep: take the next point, train it like ``srlib train``, evaluate it, record it, repeat.

Each point is an ordinary training run in ``OUT/runs/<point>/`` (checkpoints,
``status.json``, ``metrics.csv``, ``generator.pt``), trained by the same
function as ``srlib train``, ``srlib.train.run.train(recipe, RunOptions(...))``
and so by the course's one loop, ``Trainer.fit`` (``train_point`` is the one
place that calls it), then evaluated under the course's protocol on the sweep's evaluation sets
(``srlib.infer.evaluate_sets``: PSNR-Y / SSIM-Y, border = scale, beside
bicubic). Interrupted and started again, the sweep skips finished points and
resumes an unfinished one from its last checkpoint. A point whose training
fails (non-finite losses in a row, out of memory, ...) is recorded as failed,
with the reason, and the sweep goes on with the next. Run the same command on
several machines against one shared storage and they share the grid.
Taught in: notebook 09.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from optuna.exceptions import UpdateFinishedTrialError
from torch.utils.data import Dataset

from srlib.files import atomic_path
from srlib.infer.evaluate import evaluate_sets, load_sets
from srlib.models.generator_file import load_generator, save_generator
from srlib.sweep.grid import Grid, Point, check_points, point_recipe
from srlib.sweep.study import (WORKER, Heartbeat, SweepStudy, claim_next, collect, finish, open_storage, open_study,
                               requeue)
from srlib.train.budget import run_status
from srlib.train.checkpoint import latest_checkpoint, load_checkpoint
from srlib.train.recipes import Recipe, recipe_dict
from srlib.train.run import RunOptions, train

DONE = "point.json"  # written in a run folder once its training is finished


@dataclass
class Sweep:
    """A sweep: the base recipe, the grid, the budget per point, the data, and where it all lives.

    Args:
        recipe: the base recipe; each point replaces the grid's fields (and ``seed``) in it.
        grid: axes and seeds (``srlib.sweep.Grid``).
        out: the sweep's folder: ``sweep.db`` (default storage), ``runs/<point>/``, the tables.
        data: training data, as for ``srlib train`` ('samples', 'div2k' or a folder).
        sets: evaluation sets ('samples', 'set5', ..., 'div2k-valid'); missing ones are skipped,
            and with none on disk the bundled held-out photos stand in (``load_sets``).
        max_iters, minutes: the budget of each point (iterations, and/or minutes of training).
        storage, journal: a shared database URL or journal file (default: ``out/sweep.db``).
        study_name: the study's name in the storage (default: the folder's name).
        root: where the evaluation sets live (``data/``).
        device: where each point trains and is evaluated; None: CUDA when present, else the CPU.
        eval_images: the held-out images each run validates on (its first ones; 0 = all), as
            ``RunOptions.eval_images`` (``srlib sweep`` takes it from the run profile).
        progress: each run's progress bar.
        heartbeat_seconds, stale_after_seconds: a running point's heartbeat, and the silence after
            which another worker takes it over (keep it well above the heartbeat).
    """

    recipe: Recipe
    grid: Grid
    out: Path
    data: str = "samples"
    sets: tuple = ("samples",)
    max_iters: int | None = None
    minutes: float | None = None
    storage: str | None = None
    journal: str | None = None
    study_name: str | None = None
    root: str = "data"
    device: str | torch.device | None = None
    eval_images: int = 0
    progress: bool = True
    heartbeat_seconds: float = 60.0
    stale_after_seconds: float = 600.0
    log: list = field(default_factory=list)  # what this worker did, one line per point (also printed)
    bicubic: dict | None = None  # bicubic's scores on the evaluation sets, once measured

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.run_options(self.out)  # the budget is checked as srlib train checks it (RunOptions)

    def run_options(self, out: Path) -> RunOptions:
        """What ``srlib.train.run.train`` gets for a point trained in ``out``: the sweep's data, budget
        and device (``train_point`` adds whether it resumes).

        Taught in: notebook 09, section 2.
        """
        return RunOptions(out=out, data=self.data, max_iters=self.max_iters, minutes=self.minutes,
                          device=self.device, eval_images=self.eval_images, progress=self.progress)

    @property
    def eval_device(self) -> torch.device:
        """Where points are evaluated: the training device (CUDA when present if none was named)."""
        return torch.device(self.device or ("cuda" if torch.cuda.is_available() else "cpu"))


def definition(sweep: Sweep, sets: list[str]) -> dict:
    """What makes two workers' sweeps the same one (the study records it and compares).

    Taught in: notebook 09.
    """
    return {"recipe": recipe_dict(sweep.recipe), "grid": sweep.grid.to_dict(), "data": sweep.data, "sets": sets,
            "max_iters": sweep.max_iters, "minutes": sweep.minutes}


def train_point(recipe: Recipe, options: RunOptions) -> Path:
    """Train one point in ``options.out`` as ``srlib train`` does, resuming its checkpoint; returns ``generator.pt``.

    The one call of ``srlib.train.run.train`` in the sweep, so every point goes through the
    course's one training loop (``Trainer.fit``). A folder with a checkpoint is resumed, an
    empty one started; with a ``minutes`` budget a resumed point gets what its checkpoint
    has not used yet. Taught in: notebook 09, section 2.
    """
    out = Path(options.out)
    status = run_status(out)  # None without a checkpoint
    max_iters, minutes = options.max_iters, options.minutes
    stop = min(max_iters, recipe.total_iters) if max_iters else recipe.total_iters
    left = minutes if status is None or minutes is None else minutes - status["trained_minutes"]
    if status is not None and (status["iteration"] >= stop or (left is not None and left <= 0)):
        return _generator_from_checkpoint(recipe, out)  # trained; stopped before writing its result
    return train(recipe, replace(options, resume=status is not None, overwrite=status is None, minutes=left))


def _generator_from_checkpoint(recipe: Recipe, out: Path) -> Path:
    """``generator.pt`` from the last checkpoint (the EMA weights if the recipe keeps them), as ``train`` writes it."""
    from srlib.models.generator_config import build_generator

    state = load_checkpoint(latest_checkpoint(out))
    model = build_generator(recipe.generator)
    model.load_state_dict(state.get("ema") or state["generator"])
    return save_generator(out / "generator.pt", model, recipe.generator, recipe.name)


def run_point(sweep: Sweep, point: Point, datasets: dict[str, Dataset]) -> dict:
    """Train and evaluate one point; its result record (scores per set, iterations, minutes, curve).

    Taught in: notebook 09.
    """
    recipe = point_recipe(sweep.recipe, point)
    out = sweep.out / "runs" / point.key
    done = out / DONE
    if not done.exists():
        before = run_status(out)  # None: a new run
        if before is not None:
            say(sweep, f"{point.key}: resuming from its checkpoint at iteration {before['iteration']}")
        train_point(recipe, sweep.run_options(out))
        after = run_status(out) or {}
        with atomic_path(done) as tmp:  # its presence says "trained": never half of it
            tmp.write_text(json.dumps({"iterations": after.get("iteration"), "minutes": after.get("trained_minutes"),
                                       "resumed_from": before and before["iteration"]}))
    trained = json.loads(done.read_text())
    model = load_generator(out / "generator.pt")
    scores = evaluate_sets(model, datasets, recipe.scale, sweep.eval_device, bicubic=sweep.bicubic)
    for set_scores in scores.values():
        set_scores.pop("per_image")
    sweep.bicubic = sweep.bicubic or scores  # measured once per worker: it does not depend on the point
    return {"scores": scores, **trained, "curve": read_curve(out / "metrics.csv")}


def read_curve(path: Path) -> list[dict]:
    """The validation rows of a run's ``metrics.csv``: iteration, psnr, and the losses logged there.

    Taught in: notebook 09.
    """
    import csv

    if not path.exists():
        return []
    with open(path) as f:
        rows = [r for r in csv.DictReader(f) if r.get("psnr")]
    keep = ("iteration", "psnr", "ssim", "loss_g", "loss_d", "d_real", "d_fake")
    return [{k: float(r[k]) for k in keep if r.get(k)} for r in rows]


def start(sweep: Sweep) -> tuple[SweepStudy, dict, dict[str, Point]]:
    """Check the grid, resolve the evaluation sets, open (or create, or join) the study.

    Taught in: notebook 09.
    """
    check_points(sweep.recipe, sweep.grid)  # a bad combination fails here, before anything is written
    datasets, note = load_sets(list(sweep.sets), sweep.recipe.scale, sweep.root)
    if note:
        print(note)
    if sweep.storage is None and sweep.journal is None:
        sweep.out.mkdir(parents=True, exist_ok=True)
    storage = open_storage(sweep.out, sweep.storage, sweep.journal)
    name = sweep.study_name or sweep.out.resolve().name
    study = open_study(storage, name, definition(sweep, list(datasets)), sweep.grid)
    sweep.out.mkdir(parents=True, exist_ok=True)
    return study, datasets, {p.key: p for p in sweep.grid.points()}


def run_sweep(sweep: Sweep, max_points: int | None = None) -> list[dict]:
    """Work through the sweep's grid until no point waits (or after ``max_points``); returns every record.

    Writes the tables and the figure (``srlib.sweep.report.write_report``) before returning.
    Taught in: notebook 09.
    """
    from srlib.sweep.report import write_report

    study, datasets, points = start(sweep)
    done = 0
    while max_points is None or done < max_points:
        claimed = claim_next(study, points, sweep.stale_after_seconds)
        if claimed is None:
            break
        number, point = claimed
        say(sweep, f"{point.key}: training ({WORKER['host']}, pid {WORKER['pid']}, trial {number})")
        started, result, failure = time.perf_counter(), None, None
        try:
            with Heartbeat(study, number, sweep.heartbeat_seconds):
                result = run_point(sweep, point, datasets)
        except KeyboardInterrupt:  # back in the queue: the next start resumes it from its checkpoint
            trial = next(t for t in study.study.get_trials(deepcopy=False) if t.number == number)
            requeue(study, trial, "interrupted", points)
            raise
        except Exception as exc:  # diverged, out of memory, ...: recorded, and the sweep goes on
            failure = f"{exc.__class__.__name__}: {str(exc).strip()}"
        _record(sweep, study, number, point, result, failure, time.perf_counter() - started)
        done += 1
    records = collect(study.study, sweep.grid)
    write_report(records, sweep.out)
    return records


def _record(sweep: Sweep, study: SweepStudy, number: int, point: Point, result: dict | None, failure: str | None,
            seconds: float) -> None:
    """Store a point's result or failure in the study, and say it."""
    try:
        finish(study, number, result=result, failure=failure)
    except (ValueError, UpdateFinishedTrialError):  # silent too long: another worker took the point over
        say(sweep, f"{point.key}: finished, but another worker has taken it over meanwhile; it will evaluate the "
                   "same run folder (or train it again if that folder is not shared)")
        return
    if failure is not None:
        say(sweep, f"{point.key}: FAILED ({failure})")
        return
    first, scores = next(iter(result["scores"].items()))
    say(sweep, f"{point.key}: {first} PSNR-Y {scores['model_psnr']:.2f} dB (bicubic {scores['bicubic_psnr']:.2f}) "
               f"after {result['iterations']} iterations, {seconds:.0f} s")


def say(sweep: Sweep, line: str) -> None:
    """Print a progress line and keep it in ``sweep.log``.

    Taught in: notebook 09.
    """
    sweep.log.append(line)
    print(line, flush=True)
