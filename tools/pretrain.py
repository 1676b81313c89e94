"""Train the course's shipped models on the CPU: ``python tools/pretrain.py`` (one thread; time in README).

1. ``psnr``: the ``demo`` recipe (ResidualESPCN, L1) on the bundled training
   photos for ``--psnr-iters`` iterations, learning rate / 4 after 60% and 85% of them;
2. ``bce``, ``wgan-gp``, ``ragan``: each starts from ``psnr`` and trains
   ``--gan-iters`` iterations (the same budget for all three) with
   0.1 L1 + VGG19 conv5_4 perceptual (before ReLU) + 5e-3 adversarial loss,
   a VGG-style discriminator of width 32 (BatchNorm for BCE and RaGAN, none
   for the WGAN-GP critic, which takes 5 critic steps per iteration).

The perceptual loss uses ImageNet VGG19 weights when torchvision has them
cached, else explicitly random ones (recorded in each file's metadata). Each
model is evaluated on the held-out bundled photos (PSNR-Y / SSIM-Y, border 4,
beside MATLAB bicubic, and the gradient energy relative to HR) and written to
``srlib/pretrained/<name>/generator.pt`` with that metadata.
``--only NAME`` retrains one model (a GAN model needs ``psnr`` already there).

3. ``upsamplers`` (notebook 03): ``UpsamplerTestbed`` with each of 4 upsamplers
   (pixel shuffle, + ICNR, nearest + conv, transposed conv) x 3 seeds, L1,
   ``--upsampler-iters`` iterations each, in ``srlib/pretrained/upsamplers/upsamplers.pt``
   (``--only upsamplers`` retrains just these).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from srlib.data.samples import TRAIN_PHOTOS, VAL_PHOTOS  # noqa: E402
from srlib.losses.perceptual import vgg19_weights_cached  # noqa: E402
from srlib.models.generator_file import load_generator, save_generator  # noqa: E402
from srlib.pretrained import NAMES, PRETRAINED_DIR, held_out_scores, pretrained_path  # noqa: E402
from srlib.pretrained.recipes import GAN_ITERS, PSNR_ITERS, train_course_model  # noqa: E402
from srlib.pretrained.upsamplers import SEEDS, VARIANTS, UpsamplerRecipe, save_upsamplers, train_upsampler  # noqa: E402
from srlib.train.recipes import recipe_dict  # noqa: E402
from srlib.train.trainer import Trainer  # noqa: E402


def threads(n: int) -> str:
    return f"{n} thread" + ("" if n == 1 else "s")


def held_out(model) -> dict:
    """Mean PSNR-Y / SSIM-Y of model and bicubic, and gradient energy relative to HR, on the held-out photos."""
    return {**held_out_scores(model, 4, with_gradient_energy=True), "photos": list(VAL_PHOTOS)}


def save(name: str, trainer: Trainer, seconds: float, init: str | None, command: str) -> dict:
    model = trainer.eval_model.eval()
    r = trainer.recipe
    meta = {"name": name, "recipe": recipe_dict(r), "init": init, "iterations": trainer.iteration, "seed": r.seed,
            "training_seconds": round(seconds, 1), "device": f"CPU ({platform.processor() or platform.machine()}, "
                                                               f"{threads(torch.get_num_threads())})",
            "data": f"bundled scikit-image photos {', '.join(TRAIN_PHOTOS)} (train split), HR patches of "
                    f"{r.hr_patch} px, MATLAB-bicubic x4 LR",
            "vgg_weights": r.vgg_weights if r.perceptual_weight > 0 else None,
            "command": command, "torch": str(torch.__version__), "held_out": held_out(model)}
    save_generator(PRETRAINED_DIR / name / "generator.pt", model, recipe_dict(r), r.name, metadata=meta)
    h = meta["held_out"]
    print(f"{name:>8}: {trainer.iteration} iterations in {seconds / 60:.1f} min; held-out PSNR-Y {h['psnr_y']:.2f} dB "
          f"(bicubic {h['bicubic_psnr_y']:.2f}), SSIM-Y {h['ssim_y']:.4f} (bicubic {h['bicubic_ssim_y']:.4f}), "
          f"gradient energy {h['gradient_energy']:.2f} of HR's (bicubic {h['bicubic_gradient_energy']:.2f})",
          flush=True)
    return meta


def train(name: str, iters: int, command: str) -> None:
    init = None if name == "psnr" else load_generator(pretrained_path("psnr"))
    vgg = "imagenet" if name != "psnr" and vgg19_weights_cached() else "random"
    start = time.perf_counter()
    trainer = train_course_model(name, iters, init=init, vgg_weights=vgg)
    save(name, trainer, time.perf_counter() - start, None if init is None else "psnr", command)


def train_upsamplers(iters: int, command: str) -> None:
    """Notebook 03's 4 upsamplers x 3 seeds, each evaluated on the held-out photos, in one file."""
    recipe = UpsamplerRecipe(iters=iters)
    nets, runs = {}, {}
    for variant in VARIANTS:
        nets[variant], runs[variant] = [], []
        for seed in SEEDS:
            start = time.perf_counter()
            net = train_upsampler(variant, seed, recipe)
            seconds = time.perf_counter() - start
            scores = held_out_scores(net, recipe.scale)
            nets[variant].append(net)
            runs[variant].append({"seed": seed, "training_seconds": round(seconds, 1), "held_out": scores})
            print(f"{variant:>22}, seed {seed}: {iters} iterations in {seconds / 60:.1f} min; held-out PSNR-Y "
                  f"{scores['psnr_y']:.2f} dB (bicubic {scores['bicubic_psnr_y']:.2f})", flush=True)
    meta = {"runs": runs, "command": command, "torch": str(torch.__version__),
            "device": f"CPU ({platform.processor() or platform.machine()}, {threads(torch.get_num_threads())})",
            "data": f"bundled scikit-image photos {', '.join(TRAIN_PHOTOS)} (train split), HR patches of "
                    f"{recipe.hr_patch} px, MATLAB-bicubic x4 LR; held out: {', '.join(VAL_PHOTOS)}"}
    save_upsamplers(nets, recipe, meta)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=(*NAMES, "upsamplers"), help="retrain one model (or notebook 03's set)")
    parser.add_argument("--psnr-iters", type=int, default=PSNR_ITERS)
    parser.add_argument("--gan-iters", type=int, default=GAN_ITERS)
    parser.add_argument("--upsampler-iters", type=int, default=UpsamplerRecipe.iters)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one thread: steady speed on a loaded machine
    command = "python tools/pretrain.py " + " ".join(argv if argv is not None else sys.argv[1:])
    for name in [args.only] if args.only else (*NAMES, "upsamplers"):
        if name == "upsamplers":
            train_upsamplers(args.upsampler_iters, command.strip())
        else:
            train(name, args.psnr_iters if name == "psnr" else args.gan_iters, command.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
