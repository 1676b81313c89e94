"""``srlib sweep``: a grid over recipe fields times seeds, each point a resumable run (``srlib.sweep``).

The command resolves the run profile (the recipe's size, the device, how many
held-out images each run validates on) as ``srlib train`` does, then hands a
``srlib.sweep.worker.Sweep`` to ``run_sweep``. Run it again after an
interruption, or on several machines against one ``--storage`` / ``--journal``,
and it takes the points nobody has finished.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_sweep(args: argparse.Namespace) -> int:
    """A grid over recipe fields times seeds, each point a resumable run; tables, CSV and a figure."""
    from srlib.course import get_device, get_profile
    from srlib.infer.evaluate import parse_sets
    from srlib.sweep import parse_grid
    from srlib.sweep.table import format_summary, summarize
    from srlib.sweep.worker import Sweep, run_sweep
    from srlib.train.recipes import get_recipe, recipe_from_yaml, scaled

    grid = parse_grid(args.grid, args.seeds)  # before anything heavy: a bad grid costs one line
    profile = get_profile(args.profile)
    recipe = recipe_from_yaml(args.recipe) if args.recipe.endswith((".yml", ".yaml")) else get_recipe(args.recipe)
    sweep = Sweep(scaled(recipe, profile.recipe_size), grid, Path(args.out), data=args.data,
                  sets=tuple(parse_sets(args.eval)), max_iters=args.max_iters, minutes=args.minutes,
                  storage=args.storage, journal=args.journal, study_name=args.study, root=args.root,
                  device=args.device or get_device(profile), eval_images=profile.eval_images,
                  progress=not args.quiet)
    records = run_sweep(sweep, max_points=args.max_points)
    waiting = sum(r["state"] in ("waiting", "running") for r in records)
    print(f"\n{sum(r['state'] == 'complete' for r in records)} of {len(records)} points complete, "
          f"{sum(r['state'] == 'failed' for r in records)} failed" + (f", {waiting} waiting or running" if waiting else ""))
    if any(r["state"] == "complete" for r in records):
        print("PSNR-Y (dB), mean ± sd over seeds:\n" + format_summary(summarize(records)))
    print(f"wrote {args.out}/results.csv, summary.csv, paired.csv and sweep.png")
    return 0


def add_sweep_parser(sub: argparse._SubParsersAction) -> None:
    """The ``sweep`` subcommand's options, on ``srlib``'s subparsers."""
    p = sub.add_parser("sweep", help="a grid over recipe fields x seeds, each point a resumable run (Optuna)")
    p.add_argument("--recipe", required=True, help="base recipe: a name as for srlib train, or a YAML file")
    p.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2,...",
                   help="one axis: a recipe field (hr_patch, disc_blocks, learning_rate_g, ...), a generator "
                        "field (generator.num_block) or fields joined by + that take the same value; repeat "
                        "for more axes (every combination runs)")
    p.add_argument("--seeds", type=int, default=3, help="runs per configuration, seeds 0..N-1 (default 3)")
    p.add_argument("--out", required=True, help="the sweep's folder: sweep.db, runs/<point>/, tables, figure")
    p.add_argument("--data", default="samples", help="training data: samples, div2k or a folder of HR images")
    p.add_argument("--eval", default="samples",
                   help="evaluation sets: samples, set5,set14,b100,urban100,div2k-valid or all (missing "
                        "sets are skipped; with none on disk, the bundled held-out photos)")
    p.add_argument("--max-iters", type=int, default=None, help="iterations per point")
    p.add_argument("--minutes", type=float, default=None, help="training minutes per point")
    p.add_argument("--storage", default=None, help="a database URL shared by several machines "
                                                  "(default: sqlite in --out)")
    p.add_argument("--journal", default=None, help="an Optuna journal file on a shared folder, instead of a database")
    p.add_argument("--study", default=None, help="the study's name in the storage (default: the --out folder's name)")
    p.add_argument("--root", default="data", help="where the evaluation sets live")
    p.add_argument("--max-points", type=int, default=None, help="stop this worker after N points")
    p.add_argument("--profile", default=None, help="ci, cpu or gpu (default: by hardware)")
    p.add_argument("--device", default=None, help="cpu, cuda, ... (default: by profile)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_sweep)
