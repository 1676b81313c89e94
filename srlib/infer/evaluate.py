"""``srlib evaluate``: PSNR/SSIM of a generator under the literature's protocol, beside bicubic.

HR images are mod-cropped to the scale; LR images come from the test set's
MATLAB-bicubic LR folder when it has one, else from ``srlib.data.imresize``;
SR output is clipped, rounded to 8 bits and measured on Y with a border of
``scale`` pixels (``srlib.metrics``). ``--data set5,set14,b100,urban100,div2k-valid``
(or ``all``) evaluates on several sets at once and prints one row per method,
bicubic first (``load_sets``, ``evaluate_sets``). Taught in: notebook 08, and notebook 09
for several sets.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from srlib.data import PairedFolderDataset, SRDataset, benchmark_folders, div2k_folders, imresize, sample_dataset
from srlib.data.samples import VAL_PHOTOS
from srlib.metrics import grid_contrast, grid_share, psnr, relative_gradient_energy, ssim

BENCHMARKS = {"set5": "Set5", "set14": "Set14", "b100": "B100", "urban100": "Urban100"}
DIV2K_VALID = "div2k-valid"  # DIV2K's 100 validation images (0801-0900) with their bicubic LR
ALL_SETS = (*BENCHMARKS, DIV2K_VALID)  # ``--data all``: source document 004's five sets


def evaluation_set(data: str, scale: int = 4, root: str = "data") -> SRDataset:
    """'samples' (held-out bundled photos), a benchmark name, 'div2k-valid', or a folder of HR images."""
    if data == "samples":
        return sample_dataset("val", scale=scale)
    if data.lower() in BENCHMARKS:
        hr_dir, lr_dir = benchmark_folders(root, BENCHMARKS[data.lower()], scale)
        return PairedFolderDataset(hr_dir, lr_dir, scale=scale)
    if data.lower() == DIV2K_VALID:
        hr_dir, lr_dir = div2k_folders(root, "valid", scale)
        return PairedFolderDataset(hr_dir, lr_dir, scale=scale)
    return PairedFolderDataset(data, scale=scale)


def parse_sets(spec: str) -> list[str]:
    """The set names of ``--data``: 'all' (the five of ``ALL_SETS``) or a comma-separated list.

    Args:
        spec: e.g. 'set5,set14,div2k-valid', 'all' or 'samples'.
    Taught in: notebook 09.
    """
    names = list(ALL_SETS) if spec.strip().lower() == "all" else [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise ValueError(f"--data {spec!r} names no evaluation set; use e.g. set5,set14 or all")
    return names


def load_sets(names: list[str], scale: int = 4, root: str = "data") -> tuple[dict[str, SRDataset], str | None]:
    """The evaluation sets among ``names`` that are on disk, and a note on those that are not.

    Sets not found under ``root`` are skipped and named in the note; when none is found
    (offline, nothing downloaded), the bundled held-out photos stand in and the note says so.
    Returns ({name: dataset}, note or None). Taught in: notebook 09.
    """
    found, missing = {}, []
    for name in names:
        try:
            found[name] = evaluation_set(name, scale, root)
        except FileNotFoundError:
            missing.append(name)
    if not missing:
        return found, None
    if found:
        return found, f"not found under {root}/, skipped: {', '.join(missing)}"
    return ({"samples": sample_dataset("val", scale=scale)},
            f"none of {', '.join(missing)} found under {root}/: evaluated on the bundled held-out photos "
            f"({', '.join(VAL_PHOTOS)}) instead; download the sets with srlib.data.download_benchmarks "
            "and srlib.data.download_div2k(splits=('valid',))")


def evaluate_sets(model: nn.Module, datasets: dict[str, Dataset], scale: int = 4, device: str | torch.device = "cpu",
                  bicubic: dict[str, dict] | None = None) -> dict[str, dict]:
    """Mean PSNR-Y / SSIM-Y of ``model`` and of bicubic on each of ``datasets`` (``load_sets``).

    Returns {set: {"images": n, "model_psnr", "model_ssim", "bicubic_psnr", "bicubic_ssim",
    "per_image": [...]}}, every number from ``evaluate_generator`` (the course's protocol).
    ``bicubic``: an earlier result of this function on the same sets, whose bicubic scores
    (they do not depend on the model) are reused instead of measured again (a sweep's points).
    Taught in: notebook 09.
    """
    result = {}
    for name, dataset in datasets.items():
        metrics = evaluate_generator(model, dataset, scale, device, with_bicubic=bicubic is None)
        known = {k: v for k, v in (bicubic or {}).get(name, {}).items() if k.startswith("bicubic_")}
        result[name] = {"images": len(metrics["per_image"]), **metrics["mean"], **known,
                        "per_image": metrics["per_image"]}
    return result


def sets_table(result: dict[str, dict]) -> str:
    """``evaluate_sets``'s result as text: one row per method (bicubic first), PSNR-Y / SSIM-Y per set.

    Taught in: notebook 09.
    """
    width = max(16, *(len(name) + 2 for name in result))
    lines = ["method  " + "".join(f"{name:>{width}}" for name in result)]
    for who in ("bicubic", "model"):
        cells = (f"{m[who + '_psnr']:.2f} / {m[who + '_ssim']:.4f}" for m in result.values())
        lines.append(f"{who:<8}" + "".join(f"{c:>{width}}" for c in cells))
    lines.append("images  " + "".join(f"{m['images']:>{width}}" for m in result.values()))
    return "\n".join(lines)


def lpips_metric(device: str | torch.device = "cpu") -> tuple[Callable[[torch.Tensor, torch.Tensor], float] | None,
                                                            str | None]:
    """LPIPS (Zhang et al. 2018, AlexNet) if the ``lpips`` package and its weights are available.

    Returns (function of two (1, 3, H, W) tensors in [0, 1], None) or (None, a message saying why not).
    """
    try:
        import lpips
    except ImportError:
        return None, "LPIPS skipped: the lpips package is not installed (`pip install lpips`)"
    try:
        net = lpips.LPIPS(net="alex", verbose=False).to(device).eval()
    except Exception as exc:  # the AlexNet backbone is downloaded on first use
        return None, (f"LPIPS skipped: its weights could not be loaded ({exc.__class__.__name__}); "
                      "run once online so torchvision caches AlexNet")
    return (lambda a, b: net(a.to(device) * 2 - 1, b.to(device) * 2 - 1).item()), None


def bicubic_upscale(img_lr: torch.Tensor, scale: int) -> torch.Tensor:
    """The baseline every SR result is compared with: MATLAB-bicubic upscaling, clipped to [0, 1].

    ``img_lr``: (B, 3, h, w) in [0, 1] -> (B, 3, h*scale, w*scale) float32 in [0, 1].
    Taught in: notebook 01, section 2 (MATLAB versus PIL versus PyTorch bicubic).
    """
    return imresize(img_lr.double(), scale).clamp(0, 1).float()


@torch.no_grad()
def evaluate_generator(model: nn.Module, dataset: Dataset, scale: int = 4, device: str | torch.device = "cpu",
                       with_lpips: bool = False, max_images: int | None = None, with_bicubic: bool = True,
                       with_gradient_energy: bool = False, with_grid: bool = False) -> dict:
    """Per-image and mean PSNR-Y / SSIM-Y (and optionally LPIPS, texture measures) for ``model`` and bicubic.

    The one evaluation loop of the course: ``srlib evaluate``, ``srlib demo``, the trainer's
    validation (``with_bicubic=False``, on the first ``max_images``) and the shipped models'
    held-out scores (``srlib.pretrained.held_out_scores``) all run it.

    Args:
        model: a generator, (B, 3, h, w) -> (B, 3, h*scale, w*scale), in [0, 1].
        dataset: (img_lr, img_hr) pairs of whole images, (3, h, w) and (3, H, W) in [0, 1],
            with ``names`` if it has them.
        scale: the upscaling factor, also the border removed before measuring.
        with_gradient_energy: also ``relative_gradient_energy`` to HR (1 = as much fine detail).
        with_grid: also ``grid_contrast`` and ``grid_share`` of what the model adds to MATLAB
            bicubic (its residual, before clipping), and ``grid_contrast`` of the residual it
            should add, HR - bicubic (``target_grid_contrast``): whether its detail is a stamped grid.
    Returns:
        ``{"per_image": [{"image", "model_psnr", ...}], "mean": {...}, "gain_psnr_db": model - bicubic}``.
    Taught in: notebook 08, section 2.
    """
    model = model.to(device).eval()
    lpips_fn, note = lpips_metric(device) if with_lpips else (None, None)
    n = len(dataset) if max_images is None else min(len(dataset), max_images)
    rows = []
    for i in range(n):
        img_lr, img_hr = dataset[i]  # (3, h, w), (3, H, W) in [0, 1]
        img_out = model(img_lr[None].to(device)).float().cpu()  # (1, 3, H, W), not clipped
        img_sr = img_out.clamp(0, 1)
        row = {"image": dataset.names[i] if hasattr(dataset, "names") else str(i)}
        if with_grid:
            row.update(grid_scores(img_out, img_lr, img_hr, scale))
        candidates = {"model": img_sr}
        if with_bicubic:
            candidates = {"bicubic": bicubic_upscale(img_lr[None], scale), "model": img_sr}
        for who, img in candidates.items():
            row[f"{who}_psnr"] = psnr(img, img_hr[None], crop_border=scale).item()
            row[f"{who}_ssim"] = ssim(img, img_hr[None], crop_border=scale).item()
            if with_gradient_energy:
                row[f"{who}_gradient_energy"] = relative_gradient_energy(img, img_hr[None], crop_border=scale)
        if lpips_fn is not None:
            for who, img in candidates.items():
                row[f"{who}_lpips"] = lpips_fn(img, img_hr[None])
        rows.append(row)
    mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k != "image"}
    result = {"per_image": rows, "mean": mean}
    if with_bicubic:
        result["gain_psnr_db"] = mean["model_psnr"] - mean["bicubic_psnr"]
    if note:
        result["note"] = note
    return result


def grid_scores(img_out: torch.Tensor, img_lr: torch.Tensor, img_hr: torch.Tensor, scale: int) -> dict:
    """Grid contrast and share of the residual over MATLAB bicubic, and the target residual's contrast.

    ``img_out``: the generator's (1, 3, H, W) output before clipping; ``img_lr`` (3, h, w), ``img_hr``
    (3, H, W) in [0, 1]. Taught in: notebook 03, section 3 and notebook 05, section 6.
    """
    bicubic = imresize(img_lr[None].double(), scale).float()  # (1, 3, H, W), not clipped
    residual = img_out - bicubic
    return {"model_grid_contrast": grid_contrast(residual), "model_grid_share": grid_share(residual),
            "target_grid_contrast": grid_contrast(img_hr[None] - bicubic)}


def write_evaluation(metrics: dict, out: str | Path) -> tuple[Path, Path]:
    """Write ``evaluate_generator``'s result as ``out/evaluation.csv`` (one row per image, then
    the mean) and ``out/evaluation.json``; returns both paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = out / "evaluation.json", out / "evaluation.csv"
    json_path.write_text(json.dumps(metrics, indent=2))
    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(metrics["per_image"][0]))
        writer.writeheader()
        writer.writerows(metrics["per_image"] + [{"image": "mean", **metrics["mean"]}])
    return csv_path, json_path


def write_sets(result: dict[str, dict], out: str | Path) -> tuple[Path, Path]:
    """Write ``evaluate_sets``'s result as ``out/evaluation_sets.csv`` (method, set, images,
    psnr_y, ssim_y; bicubic rows first) and ``out/evaluation_sets.json``; returns both paths.
    Taught in: notebook 09.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = out / "evaluation_sets.json", out / "evaluation_sets.csv"
    json_path.write_text(json.dumps(result, indent=2))
    with open(csv_path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["method", "set", "images", "psnr_y", "ssim_y"])
        for who in ("bicubic", "model"):
            for name, m in result.items():
                writer.writerow([who, name, m["images"], f"{m[who + '_psnr']:.4f}", f"{m[who + '_ssim']:.4f}"])
    return csv_path, json_path
