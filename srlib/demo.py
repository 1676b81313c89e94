"""``srlib demo``: the course's main job, on any laptop, in a few minutes, offline.

Trains a small ``ResidualESPCN`` (about 134k parameters; all its convolutions run at
LR resolution, and it predicts a residual over bicubic upsampling, so it starts at the
baseline it must beat) on the bundled
training photos for a time budget (learning rate divided by 4 after 60%
and 85% of it), then evaluates it on the held-out
bundled photos against MATLAB-bicubic upscaling under the literature's
protocol (PSNR/SSIM on Y, border 4). Writes ``generator.pt``,
``metrics.json`` and ``comparison.png``. An application of the library (it
trains, then evaluates), so it lives beside ``srlib.train`` and ``srlib.infer``
rather than inside either.
Taught in: notebook 06, section 5 (the same from the command line).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from torch import nn

from srlib.data import SRDataset, sample_dataset
from srlib.infer.evaluate import bicubic_upscale, evaluate_generator
from srlib.metrics import psnr
from srlib.models.generator_file import save_generator
from srlib.train.recipes import get_recipe
from srlib.train.trainer import Trainer


def comparison_figure(model: nn.Module, val_set: SRDataset, path: Path, index: int = 0, scale: int = 4) -> None:
    """LR | bicubic | model | HR, each with a zoomed inset, saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    img_lr, img_hr = val_set[index]
    with torch.no_grad():
        img_sr = model(img_lr[None]).clamp(0, 1)[0]
    img_bic = bicubic_upscale(img_lr[None], scale)[0]  # (3, H, W)
    lr_up = torch.nn.functional.interpolate(img_lr[None], scale_factor=scale, mode="nearest")[0]
    panels = [("LR (nearest)", lr_up), (f"bicubic {psnr(img_bic[None], img_hr[None]).item():.2f} dB", img_bic),
              (f"model {psnr(img_sr[None], img_hr[None]).item():.2f} dB", img_sr), ("HR", img_hr)]
    h, w = img_hr.shape[-2:]
    box = (h // 3, w // 3, min(96, h // 3), min(96, w // 3))  # top, left, height, width of the inset
    fig, axes = plt.subplots(2, 4, figsize=(16, 8))
    for col, (title, img) in enumerate(panels):
        arr = img.permute(1, 2, 0).numpy()
        axes[0, col].imshow(arr)
        axes[0, col].add_patch(plt.Rectangle((box[1], box[0]), box[3], box[2], fill=False, color="red"))
        axes[0, col].set_title(title)
        axes[1, col].imshow(arr[box[0]: box[0] + box[2], box[1]: box[1] + box[3]])
        axes[1, col].set_title("zoom")
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle(f"{val_set.names[index]}: held-out photo, x{scale}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def run_demo(minutes: float = 4.0, out: str | Path = "runs/demo", progress: bool = True) -> dict:
    """Train for ``minutes`` on the CPU, evaluate, and write the three files into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    recipe = get_recipe("demo")
    train_set = sample_dataset("train", scale=recipe.scale, hr_patch=recipe.hr_patch, repeat=10_000, seed=0)
    val_set = sample_dataset("val", scale=recipe.scale)
    trainer = Trainer(recipe, train_set, val_set, device="cpu", amp="off")
    budget = 60 * minutes * 0.9  # leave time for the evaluation
    start = time.perf_counter()

    def step_decay(tr: Trainer, logs: dict) -> None:
        """Learning rate / 4 after 60% and again after 85% of the time budget."""
        done = (time.perf_counter() - start) / budget
        factor = 1.0 if done < 0.6 else 0.25 if done < 0.85 else 0.0625
        for group in tr.opt_g.param_groups:
            group["lr"] = recipe.learning_rate_g * factor

    trainer.fit(recipe.total_iters, max_seconds=budget, callback=step_decay, progress=progress)
    model = trainer.eval_model
    save_generator(out / "generator.pt", model, recipe.generator, recipe.name)
    metrics = evaluate_generator(model, val_set, recipe.scale)
    metrics.update(iterations=trainer.iteration, minutes=minutes, recipe=recipe.name)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    comparison_figure(model, val_set, out / "comparison.png")
    return metrics
