"""The ``srlib`` command line.

``srlib --help`` lists the subcommands. Each subcommand is a small function
below; the heavy work lives in the library modules it calls.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from srlib import __version__


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line prints one line and the usage (exit 2)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"srlib: error: {message}\n{self.format_usage()}")


def cmd_course(args: argparse.Namespace) -> int:
    """List the course's notebooks and check that each one opens."""
    import nbformat

    from srlib.course import LESSONS, get_profile, repo_root

    # --root, else the current folder, else the checkout srlib was installed from (-e)
    candidates = [Path(args.root)] if args.root else [Path.cwd(), repo_root()]
    root = next((c.resolve() for c in candidates if (c / "notebooks").is_dir()), None)
    if root is None:
        print(f"srlib: error: no notebooks/ folder under {', '.join(map(str, candidates))}; run "
              "this from the course checkout or pass --root PATH_TO_CHECKOUT", file=sys.stderr)
        return 1
    profile = get_profile(args.profile)
    print(f"GAN super-resolution course at {root}  (profile: {profile.name})\n")
    problems = 0
    for lesson in LESSONS:
        path = root / "notebooks" / f"{lesson.stem}.ipynb"
        if not path.exists():
            status = "planned"
        else:
            try:
                nb = nbformat.read(path, as_version=4)
                nbformat.validate(nb)
                status = f"ok ({len(nb.cells)} cells)"
            except Exception as exc:  # a broken notebook is reported, not fatal
                status = f"BROKEN: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
                problems += 1
        print(f"  {lesson.number}  {lesson.title:<40} {status}")
    print("\nOpen the course with:  jupyter lab notebooks/00_welcome.ipynb")
    return 1 if problems else 0


def cmd_train(args: argparse.Namespace) -> int:
    """Train a recipe; resumable; writes OUT/generator.pt."""
    from srlib.course import get_device, get_profile
    from srlib.train.recipes import get_recipe, recipe_from_yaml, scaled
    from srlib.train.run import RunOptions, train

    profile = get_profile(args.profile)
    recipe = recipe_from_yaml(args.recipe) if args.recipe.endswith((".yml", ".yaml")) else get_recipe(args.recipe)
    recipe = scaled(recipe, profile.recipe_size)
    if args.vgg_weights:
        recipe.vgg_weights = args.vgg_weights
    options = RunOptions(out=args.out, data=args.data, max_iters=args.max_iters, minutes=args.minutes,
                         resume=args.resume, overwrite=args.overwrite, init=args.init,
                         device=args.device or get_device(profile), amp=args.amp, num_workers=args.workers,
                         eval_images=profile.eval_images, progress=not args.quiet,
                         expect_cuda=profile.name == "gpu")
    path = train(recipe, options)
    print(f"generator written to {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: a small PSNR-oriented generator on the bundled photos."""
    from srlib.demo import run_demo

    if args.minutes <= 0:
        raise ValueError(f"--minutes must be positive, got {args.minutes}")
    metrics = run_demo(args.minutes, args.out, progress=not args.quiet)
    print()
    print_evaluation(metrics)
    print(f"\nmodel - bicubic: {metrics['gain_psnr_db']:+.2f} dB after {metrics['iterations']} iterations; "
          f"wrote {args.out}/generator.pt, metrics.json, comparison.png")
    return 0


def print_evaluation(metrics: dict) -> None:
    print(f"{'image':<24}{'bicubic PSNR-Y':>16}{'model PSNR-Y':>14}{'SSIM bic/model':>17}")
    rows = metrics["per_image"] + [{"image": "mean", **metrics["mean"]}]
    for row in rows:
        print(f"{row['image']:<24}{row['bicubic_psnr']:13.2f} dB{row['model_psnr']:11.2f} dB"
              f"{row['bicubic_ssim']:9.4f}/{row['model_ssim']:.4f}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    """PSNR/SSIM (Y, border = scale) of a generator beside bicubic; table, CSV and JSON."""
    from srlib.infer import evaluate_generator, evaluation_set, write_evaluation
    from srlib.models.generator_file import load_generator

    model = load_generator(args.weights)
    scale = getattr(model, "scale", 4)
    metrics = evaluate_generator(model, evaluation_set(args.data, scale, args.root), scale, args.device,
                                 with_lpips=args.lpips)
    print_evaluation(metrics)
    if "model_lpips" in metrics["mean"]:
        print(f"LPIPS (lower is better): bicubic {metrics['mean']['bicubic_lpips']:.4f}, "
              f"model {metrics['mean']['model_lpips']:.4f}")
    if "note" in metrics:
        print(metrics["note"])
    print(f"\nmodel - bicubic: {metrics['gain_psnr_db']:+.2f} dB (PSNR-Y, border {scale}, 8-bit rounding)")
    csv_path, json_path = write_evaluation(metrics, args.out)
    print(f"wrote {csv_path} and {json_path.name}")
    return 0


def cmd_interpolate(args: argparse.Namespace) -> int:
    """ESRGAN network interpolation between a PSNR-oriented and a GAN generator."""
    from srlib.infer import interpolate_files

    path = interpolate_files(args.psnr, args.gan, args.alpha, args.out)
    print(f"wrote {path} (alpha = {args.alpha}: {1 - args.alpha:g} x PSNR + {args.alpha:g} x GAN)")
    return 0


def cmd_upscale(args: argparse.Namespace) -> int:
    """Upscale one image of any size with bounded memory."""
    from srlib.infer import upscale_file
    from srlib.models.generator_file import load_generator

    model = load_generator(args.weights, args.device)
    path = upscale_file(model, args.input, args.output, tile=args.tile or None, tile_pad=args.tile_pad,
                        device=args.device)
    print(f"wrote {path} (x{model.scale})")
    return 0


def cmd_pretrained(args: argparse.Namespace) -> int:
    """List the course's shipped models with how they were trained and how they score."""
    from srlib.pretrained import REGENERATE, list_pretrained

    print(f"{'name':<8} {'architecture':<12} {'parameters':>10}  {'recipe':<15} {'iterations':>10} {'minutes':>7}  "
          f"{'PSNR-Y':>6} {'SSIM-Y':>6}  {'bicubic PSNR-Y':>14} {'SSIM-Y':>6}  {'grad. energy':>12}")
    for row in list_pretrained():
        print(f"{row['name']:<8} {row['architecture']:<12} {row['parameters']:>10,d}  {row['recipe']:<15} "
              f"{row['iterations']:>10,d} {row['minutes']:>7.1f}  {row['psnr_y']:>6.2f} {row['ssim_y']:>6.4f}  "
              f"{row['bicubic_psnr_y']:>14.2f} {row['bicubic_ssim_y']:>6.4f}  {row['gradient_energy']:>12.2f}")
    print("held out: the bundled photos chelsea, coffee, immunohistochemistry (never trained on); x4, Y channel, "
          f"border 4; gradient energy relative to HR (bicubic's is lower). Retrain: {REGENERATE}")
    from srlib.pretrained.upsamplers import UPSAMPLERS_PATH, describe_upsamplers

    rows = describe_upsamplers()
    print(f"\nnotebook 03's upsampler comparison ({UPSAMPLERS_PATH.parent.name}/{UPSAMPLERS_PATH.name}): "
          f"UpsamplerTestbed, {rows[0]['iterations']:,} iterations, seeds {'/'.join(map(str, rows[0]['seeds']))}")
    for row in rows:
        print(f"{row['variant']:<22} {row['parameters']:>7,d} parameters  mean PSNR-Y {row['psnr_y']:.2f} "
              f"(bicubic {row['bicubic_psnr_y']:.2f})  {row['minutes']:5.1f} minutes for the seeds")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade students' exercise notebooks into a CSV (and markdown feedback)."""
    from srlib.course.grading import EXERCISES, Limits, grade

    if args.exercise and args.exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {args.exercise!r}; choose from {', '.join(EXERCISES)}")
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be positive, got {args.timeout:g}")
    if args.max_notebook_mb <= 0:
        raise ValueError(f"--max-notebook-mb must be positive, got {args.max_notebook_mb:g}")
    if args.max_code_mb <= 0:
        raise ValueError(f"--max-code-mb must be positive, got {args.max_code_mb:g}")
    limits = Limits(memory_mb=args.memory, cpu_seconds=args.cpu_seconds or int(args.timeout) + 30,
                    allow_processes=args.allow_processes)
    rows = grade(args.submissions, args.out, args.feedback, args.timeout, args.exercise, limits=limits,
                 unconfined=args.unconfined, accept=args.accept, accept_file=args.accept_file,
                 max_notebook_mb=args.max_notebook_mb, max_code_mb=args.max_code_mb)
    print(f"graded {len(rows)} submission(s); wrote {args.out}" + (f" and {args.feedback}/" if args.feedback else ""))
    return 0


WEIGHTS_HELP = "generator.pt, public ESRGAN weights, or a shipped model (psnr, bce, wgan-gp, ragan)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="srlib", description="GAN super-resolution course (SRGAN to ESRGAN).")
    parser.add_argument("--version", action="version", version=f"srlib {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("course", help="list the notebooks and check that they open")
    p.add_argument("--root", default=None,
                   help="course checkout (default: the current folder, else the installed checkout)")
    p.add_argument("--profile", default=None, help="ci, cpu or gpu (default: by hardware)")
    p.set_defaults(func=cmd_course)

    p = sub.add_parser("train", help="train a recipe (PSNR pre-training or GAN), resumable")
    p.add_argument("--recipe", required=True,
                   help="srresnet_psnr, srgan, esrgan_psnr, esrgan, esrgan_wgangp, demo, or a YAML file")
    p.add_argument("--data", default="samples", help="samples, div2k (under data/) or a folder of HR images")
    p.add_argument("--out", required=True, help="output folder (checkpoints, logs, generator.pt)")
    p.add_argument("--max-iters", type=int, default=None, help="stop at this iteration (resumable)")
    p.add_argument("--minutes", type=float, default=None,
                   help="stop at the first iteration after M minutes and write a checkpoint; --resume "
                        "continues with a new budget")
    p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
    p.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    p.add_argument("--init", default=None, help="start the generator from this generator.pt (GAN recipes)")
    p.add_argument("--profile", default=None, help="ci, cpu or gpu (default: by hardware)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1, ... (default: by profile)")
    p.add_argument("--amp", default="auto", choices=["auto", "off", "bf16", "fp16"],
                   help="mixed precision (auto: bf16/fp16 on CUDA, off on CPU)")
    p.add_argument("--vgg-weights", default=None, choices=["imagenet", "random"],
                   help="VGG19 weights for perceptual losses (ci profile: random)")
    p.add_argument("--workers", type=int, default=0, help="data-loader worker processes")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("demo", help="the main job: train a small model on the bundled photos and compare")
    p.add_argument("--minutes", type=float, default=4.0, help="training time budget (default 4)")
    p.add_argument("--out", default="runs/demo", help="output folder (default runs/demo)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("evaluate", help="PSNR/SSIM of a generator beside bicubic (the literature's protocol)")
    p.add_argument("--weights", required=True, help=WEIGHTS_HELP)
    p.add_argument("--data", default="samples", help="samples, set5, set14, b100, urban100 or a folder of HR images")
    p.add_argument("--root", default="data", help="where the benchmark sets live (data/benchmark/...)")
    p.add_argument("--out", default="runs/evaluate", help="folder for evaluation.csv and evaluation.json")
    p.add_argument("--device", default="cpu")
    p.add_argument("--lpips", action="store_true", help="also LPIPS, if the lpips package is installed")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("interpolate", help="ESRGAN network interpolation of two generators")
    p.add_argument("--psnr", required=True, help="PSNR-oriented generator (alpha = 0): " + WEIGHTS_HELP)
    p.add_argument("--gan", required=True, help="GAN generator (alpha = 1): " + WEIGHTS_HELP)
    p.add_argument("--alpha", type=float, required=True, help="0 = PSNR model, 1 = GAN model")
    p.add_argument("--out", required=True, help="output generator.pt")
    p.set_defaults(func=cmd_interpolate)

    p = sub.add_parser("upscale", help="upscale an image of any size (tiles with overlap)")
    p.add_argument("input", help="image file (RGB, RGBA, grayscale or 16-bit grayscale)")
    p.add_argument("output", help="output image file (same kind as the input)")
    p.add_argument("--weights", required=True, help=WEIGHTS_HELP)
    p.add_argument("--tile", type=int, default=256, help="LR tile side; 0 = no tiling (default 256)")
    p.add_argument("--tile-pad", type=int, default=24, help="LR context around each tile (default 24)")
    p.add_argument("--device", default="cpu")
    p.set_defaults(func=cmd_upscale)

    p = sub.add_parser("pretrained", help="list the course's shipped models (usable as --weights NAME)")
    p.set_defaults(func=cmd_pretrained)

    p = sub.add_parser("grade", help="grade exercise notebooks (files or one folder per student)")
    p.add_argument("submissions", nargs="+", help="notebooks, or folders of them (submissions/student01/...)")
    p.add_argument("--out", default="grades.csv", help="CSV with one row per student and exercise")
    p.add_argument("--feedback", default=None, help="folder for one markdown feedback file per student")
    p.add_argument("--timeout", type=float, default=120, help="seconds per notebook and task (default 120)")
    p.add_argument("--exercise", default=None, help="only accept this exercise (e.g. ex02_rrdb)")
    p.add_argument("--memory", type=int, default=4096,
                   help="MB each task's process may allocate beyond PyTorch itself (default 4096)")
    p.add_argument("--cpu-seconds", type=int, default=None,
                   help="CPU seconds per task's process (default: --timeout + 30)")
    p.add_argument("--allow-processes", action="store_true",
                   help="let student code start processes (refused by default: no fork bombs)")
    p.add_argument("--unconfined", action="store_true",
                   help="grade without the bubblewrap sandbox where it cannot run (the CSV and console say so)")
    p.add_argument("--accept", action="append", default=[], metavar="STUDENT:TASK",
                   help="run and score a task flagged for review, after reading it (repeatable)")
    p.add_argument("--accept-file", default=None, help="a file of accepted STUDENT:TASK lines")
    p.add_argument("--max-notebook-mb", type=float, default=20,
                   help="larger notebooks are not read (default 20)")
    p.add_argument("--max-code-mb", type=float, default=1,
                   help="notebooks with more code in their cells are not read (default 1)")
    p.set_defaults(func=cmd_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, FileExistsError) as exc:
        print(f"srlib: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
