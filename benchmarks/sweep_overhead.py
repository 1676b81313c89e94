"""A sweep adds no measurable overhead to its runs: one grid point through ``srlib sweep`` versus ``srlib train``.

Both sides do the same work, in this process, in fresh folders each round:

(a) ``srlib train``'s function (``srlib.train.run.train(recipe, RunOptions(...))``), then
    ``srlib evaluate``'s functions on the held-out photos (what a student does by hand);
(b) a one-point sweep of the same recipe (an axis set to the recipe's own value,
    one seed, so the run is the same one) through ``srlib.sweep.worker.run_sweep``:
    the Optuna study in a new SQLite file, the point enqueued and claimed, its
    heartbeat, training, evaluation, the study's record and the report files.

Target: time (a) / time (b) >= 0.95. ``--trials`` interleaved rounds (at least
5, ``trials.py``); prints the median ratio last.

    python benchmarks/sweep_overhead.py [--iters 300] [--trials 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

import torch
from trials import describe, interleaved, ratio_line

from srlib.infer.evaluate import evaluate_sets, load_sets
from srlib.models.generator_file import load_generator
from srlib.sweep import Grid
from srlib.sweep.worker import Sweep, run_sweep
from srlib.train.recipes import get_recipe
from srlib.train.run import RunOptions, train


def by_hand(recipe, iters: int) -> float:
    """Seconds for (a): train, then evaluate on the held-out photos."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = train(recipe, RunOptions(Path(tmp) / "run", "samples", max_iters=iters, device="cpu", progress=False))
        datasets, _ = load_sets(["samples"], recipe.scale)
        evaluate_sets(load_generator(path), datasets, recipe.scale)
        return time.perf_counter() - start


def through_sweep(recipe, iters: int) -> float:
    """Seconds for (b): the same run as the one point of a sweep."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        sweep = Sweep(recipe, Grid({"hr_patch": (recipe.hr_patch,)}, seeds=1), Path(tmp) / "sweep",
                      max_iters=iters, device="cpu", progress=False)
        records = run_sweep(sweep)
        assert records[0]["state"] == "complete" and records[0]["iterations"] == iters
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=300, help="training iterations of the point")
    parser.add_argument("--trials", type=int, default=5, help="interleaved rounds (at least 5)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    recipe = replace(get_recipe("demo"), seed=0)  # ResidualESPCN, L1: srlib demo's run
    print(f"one point: the demo recipe, {args.iters} iterations, then PSNR-Y / SSIM-Y on the held-out photos; "
          f"1 thread")
    through_sweep(recipe, 2)  # warm-up: imports, the photos' LR, Optuna's tables
    a, b = interleaved(lambda: by_hand(recipe, args.iters), lambda: through_sweep(recipe, args.iters), args.trials)
    print(f"(a) srlib train + evaluate: {describe(a, 's')}")
    print(f"(b) srlib sweep, one point: {describe(b, 's')}")
    print(ratio_line("(a)/(b)", a, b, target=0.95))


if __name__ == "__main__":
    main()
