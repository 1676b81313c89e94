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
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from srlib.data import sample_dataset  # noqa: E402
from srlib.data.samples import TRAIN_PHOTOS, VAL_PHOTOS  # noqa: E402
from srlib.infer.evaluate import evaluate_generator  # noqa: E402
from srlib.metrics import relative_gradient_energy  # noqa: E402
from srlib.models.generator_file import save_generator  # noqa: E402
from srlib.pretrained import NAMES, PRETRAINED_DIR, pretrained_path  # noqa: E402
from srlib.train.recipes import Recipe, get_recipe, recipe_dict  # noqa: E402
from srlib.train.trainer import Trainer  # noqa: E402

SEED = 0


def vgg_weights_available() -> str:
    """'imagenet' when torchvision's VGG19 weights are cached (no download here), else 'random'."""
    from torchvision.models import VGG19_Weights

    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(VGG19_Weights.IMAGENET1K_V1.url).name
    return "imagenet" if cached.exists() else "random"


def gan_recipe(adversarial: str, iters: int, vgg: str) -> Recipe:
    base = get_recipe("demo")
    return replace(base, name=f"course_{adversarial}", pixel_weight=0.1, perceptual_layers={"conv5_4": 1.0},
                   perceptual_weight=1.0, adversarial=adversarial, adversarial_weight=5e-3, disc_feat=32,
                   discriminator_norm="none" if adversarial == "wgan-gp" else "batch",
                   n_critic=5 if adversarial == "wgan-gp" else 1,
                   betas=(0.0, 0.9) if adversarial == "wgan-gp" else (0.9, 0.99),
                   learning_rate_g=1e-4, learning_rate_d=1e-4, batch_size=8, total_iters=iters,
                   seed=SEED, vgg_weights=vgg)


def held_out(model) -> dict:
    """Mean PSNR-Y / SSIM-Y of model and bicubic, and gradient energy relative to HR, on the held-out photos."""
    from srlib.data import imresize

    val = sample_dataset("val", scale=4)
    mean = evaluate_generator(model, val, 4)["mean"]
    energy = {"model": [], "bicubic": []}
    with torch.no_grad():
        for i in range(len(val)):
            img_lr, img_hr = val[i]
            img_sr = model(img_lr[None]).clamp(0, 1)
            img_bic = imresize(img_lr[None].double(), 4).clamp(0, 1).float()
            energy["model"].append(relative_gradient_energy(img_sr, img_hr[None]))
            energy["bicubic"].append(relative_gradient_energy(img_bic, img_hr[None]))
    return {"psnr_y": round(mean["model_psnr"], 4), "ssim_y": round(mean["model_ssim"], 4),
            "bicubic_psnr_y": round(mean["bicubic_psnr"], 4), "bicubic_ssim_y": round(mean["bicubic_ssim"], 4),
            "gradient_energy": round(sum(energy["model"]) / len(val), 4),
            "bicubic_gradient_energy": round(sum(energy["bicubic"]) / len(val), 4),
            "photos": list(VAL_PHOTOS)}


def save(name: str, trainer: Trainer, seconds: float, init: str | None, command: str) -> dict:
    model = trainer.eval_model.eval()
    r = trainer.recipe
    meta = {"name": name, "recipe": recipe_dict(r), "init": init, "iterations": trainer.iteration, "seed": r.seed,
            "training_seconds": round(seconds, 1), "device": f"CPU ({platform.processor() or platform.machine()}, "
                                                               f"{torch.get_num_threads()} threads)",
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


def train_psnr(iters: int, command: str) -> None:
    recipe = replace(get_recipe("demo"), seed=SEED, total_iters=iters,
                     milestones=(int(0.6 * iters), int(0.85 * iters)), gamma=0.25)
    train = sample_dataset("train", scale=4, hr_patch=recipe.hr_patch, repeat=10_000, seed=SEED)
    trainer = Trainer(recipe, train, device="cpu", amp="off")
    start = time.perf_counter()
    trainer.fit(iters)
    save("psnr", trainer, time.perf_counter() - start, None, command)


def train_gan(name: str, iters: int, command: str) -> None:
    from srlib.models.generator_file import load_generator

    recipe = gan_recipe(name, iters, vgg_weights_available())
    train = sample_dataset("train", scale=4, hr_patch=recipe.hr_patch, repeat=10_000, seed=SEED + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the random-VGG warning: recorded in the metadata instead
        trainer = Trainer(recipe, train, device="cpu", amp="off")
    trainer.generator.load_state_dict(load_generator(pretrained_path("psnr")).state_dict())
    start = time.perf_counter()
    trainer.fit(iters)
    save(name, trainer, time.perf_counter() - start, "psnr", command)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=NAMES, help="retrain one model")
    parser.add_argument("--psnr-iters", type=int, default=5000)
    parser.add_argument("--gan-iters", type=int, default=200)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # one thread: steady speed on a loaded machine
    command = "python tools/pretrain.py " + " ".join(argv if argv is not None else sys.argv[1:])
    for name in [args.only] if args.only else NAMES:
        torch.manual_seed(SEED)
        if name == "psnr":
            train_psnr(args.psnr_iters, command.strip())
        else:
            train_gan(name, args.gan_iters, command.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
