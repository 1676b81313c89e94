"""Run source document 004's study at course scale and ship its scores: ``python tools/study.py``.

Four sweeps (``srlib.pretrained.sweeps.SWEEPS``), three seeds each, through
``srlib sweep``'s engine (an Optuna study per sweep, in ``--out``; resumable:
run the same command again after an interruption), on one CPU thread. Writes
``srlib/pretrained/sweeps/study004.json``: every point's scores on the
held-out photos (PSNR-Y / SSIM-Y beside bicubic), its validation curve, and
the command, date, machine, thread count, times and recipe. No model files
are shipped; notebook 09 reads this file.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from srlib.pretrained.sweeps import (ITERATIONS_PER_EPOCH, REGENERATE_STUDY, SEEDS, STUDY_PATH, run_study,  # noqa: E402
                                     study_recipe)
from srlib.train.recipes import recipe_dict  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/study004", help="the sweeps' folders (runs, Optuna studies)")
    parser.add_argument("--per-epoch", type=int, default=ITERATIONS_PER_EPOCH,
                        help="iterations per document epoch (default %(default)s)")
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=(), help="run only these sweeps (the file keeps the others)")
    parser.add_argument("--target", default=str(STUDY_PATH), help="the JSON file to write")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    started, wall = time.strftime("%Y-%m-%d %H:%M"), time.perf_counter()
    with warnings.catch_warnings():  # the study trains SRGAN from scratch, as the document did: said once here
        warnings.filterwarnings("ignore", message=".*starts from scratch")
        sweeps = run_study(args.out, args.per_epoch, args.seeds, device="cpu", progress=False,
                           only=tuple(args.only))
    target = Path(args.target)
    old = json.loads(target.read_text())["sweeps"] if args.only and target.exists() else {}
    payload = {
        "meta": {"command": REGENERATE_STUDY + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:])),
                 "started": started, "wall_seconds": round(time.perf_counter() - wall, 1),
                 "cpu_seconds": round(sum(s["cpu_seconds"] for s in sweeps.values()), 1),
                 "machine": f"{platform.machine()}, {platform.processor() or platform.platform()}",
                 "threads": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version(),
                 "seeds": args.seeds, "iterations_per_epoch": args.per_epoch, "data": "samples (bundled photos)",
                 "evaluation": "held-out photos chelsea, coffee, immunohistochemistry; PSNR-Y / SSIM-Y, border 4"},
        "recipe": recipe_dict(study_recipe()),
        "sweeps": {**old, **sweeps},
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(payload, indent=1))
    print(f"wrote {target} ({target.stat().st_size / 1024:.0f} KB) in {payload['meta']['wall_seconds'] / 60:.1f} min "
          f"({payload['meta']['cpu_seconds'] / 60:.1f} min of CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
