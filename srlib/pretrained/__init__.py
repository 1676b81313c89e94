"""The course's own small models, shipped with the package and trained by ``tools/pretrain.py``.

- ``psnr``: a PSNR-oriented ``ResidualESPCN`` (the ``demo`` recipe), L1 loss;
- ``bce``, ``wgan-gp``, ``ragan``: each fine-tuned from ``psnr`` on the same
  budget with L1 + VGG19 conv5_4 perceptual + that adversarial loss.

Each ``<name>/generator.pt`` records in its metadata the recipe, iterations,
seed, training time, data, VGG weights, the command, and its held-out
PSNR-Y / SSIM-Y beside bicubic's. Every place that takes a weights file takes
these names too: ``load_generator("ragan")``, ``srlib upscale --weights ragan``.
Notebook 03's upsampler comparison (12 small networks in one file) lives in
``srlib.pretrained.upsamplers``.
Taught in: notebooks 00, 03 and 05-08.
"""

from __future__ import annotations

import torch
from torch import nn

from srlib.data import sample_dataset
from srlib.infer.evaluate import evaluate_generator
from srlib.models.generator_file import read_metadata
from srlib.models.shipped import NAMES, PRETRAINED_DIR, REGENERATE, damaged, pretrained_path, resolve_weights

__all__ = ["NAMES", "PRETRAINED_DIR", "REGENERATE", "damaged", "pretrained_path", "resolve_weights",
           "held_out_scores", "describe", "list_pretrained"]


def held_out_scores(model: nn.Module, scale: int = 4, device: str | torch.device = "cpu",
                    with_gradient_energy: bool = False, with_grid: bool = False) -> dict:
    """Mean PSNR-Y / SSIM-Y (border = scale) of ``model`` and of MATLAB bicubic on the held-out photos.

    With ``with_gradient_energy``, also each one's gradient energy relative to HR
    (``srlib.metrics.relative_gradient_energy``); with ``with_grid``, the grid contrast and
    grid share of the model's residual over bicubic (``srlib.metrics.grid_contrast``), whose
    largest values over the photos are what a stamped grid shows in. Either adds a
    ``per_photo`` list. What each shipped file records, measured by the course's one
    evaluation loop (``srlib.infer.evaluate_generator``); ``tests/pretrained/`` re-measures it.
    """
    val = sample_dataset("val", scale=scale)
    result = evaluate_generator(model, val, scale, device=device, with_gradient_energy=with_gradient_energy,
                                with_grid=with_grid)
    mean = result["mean"]
    keys = {"psnr_y": "model_psnr", "ssim_y": "model_ssim", "bicubic_psnr_y": "bicubic_psnr",
            "bicubic_ssim_y": "bicubic_ssim"}
    if with_gradient_energy:
        keys.update(gradient_energy="model_gradient_energy", bicubic_gradient_energy="bicubic_gradient_energy")
    scores = {name: round(mean[key], 4) for name, key in keys.items()}
    if with_grid:
        scores["grid_contrast_max"] = round(max(r["model_grid_contrast"] for r in result["per_image"]), 2)
        scores["grid_share_max"] = round(max(r["model_grid_share"] for r in result["per_image"]), 5)
    if with_gradient_energy or with_grid:
        per_photo = {"psnr_y": "model_psnr", "bicubic_psnr_y": "bicubic_psnr", "gradient_energy":
                     "model_gradient_energy", "grid_contrast": "model_grid_contrast",
                     "grid_share": "model_grid_share", "target_grid_contrast": "target_grid_contrast"}
        scores["per_photo"] = [{"photo": row["image"], **{name: round(row[key], 5) for name, key in per_photo.items()
                                                           if key in row}} for row in result["per_image"]]
    return scores


def describe(name: str) -> dict:
    """One row of ``srlib pretrained``: architecture, size, recipe, training and held-out scores."""
    path = pretrained_path(name)
    try:
        info = read_metadata(path)
    except (ValueError, KeyError, TypeError) as exc:
        raise damaged(path, exc) or exc
    meta = info["metadata"]
    return {"name": name, "architecture": info["config"]["architecture"], "parameters": info["parameters"],
            "recipe": info["recipe"], "iterations": meta.get("iterations"),
            "minutes": meta.get("training_seconds", 0) / 60, **meta.get("held_out", {})}


def list_pretrained() -> list[dict]:
    """``describe`` for every shipped model."""
    return [describe(name) for name in NAMES]
