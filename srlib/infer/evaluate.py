"""``srlib evaluate``: PSNR/SSIM of a generator under the literature's protocol, beside bicubic.

HR images are mod-cropped to the scale; LR images come from the test set's
MATLAB-bicubic LR folder when it has one, else from ``srlib.data.imresize``;
SR output is clipped, rounded to 8 bits and measured on Y with a border of
``scale`` pixels (``srlib.metrics``). Taught in: notebook 08.
"""

from __future__ import annotations

import numpy as np
import torch

from srlib.data import PairedFolderDataset, benchmark_folders, imresize, sample_dataset
from srlib.metrics import psnr, ssim

BENCHMARKS = {"set5": "Set5", "set14": "Set14", "b100": "B100", "urban100": "Urban100"}


def evaluation_set(data: str, scale: int = 4, root: str = "data"):
    """'samples' (held-out bundled photos), a benchmark name, or a folder of HR images."""
    if data == "samples":
        return sample_dataset("val", scale=scale)
    if data.lower() in BENCHMARKS:
        hr_dir, lr_dir = benchmark_folders(root, BENCHMARKS[data.lower()], scale)
        return PairedFolderDataset(hr_dir, lr_dir, scale=scale)
    return PairedFolderDataset(data, scale=scale)


def lpips_metric(device="cpu"):
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


@torch.no_grad()
def evaluate_generator(model, dataset, scale: int = 4, device="cpu", with_lpips: bool = False) -> dict:
    """Per-image and mean PSNR-Y / SSIM-Y (and optionally LPIPS) for bicubic and for ``model``."""
    model = model.to(device).eval()
    lpips_fn, note = lpips_metric(device) if with_lpips else (None, None)
    rows = []
    for i in range(len(dataset)):
        img_lr, img_hr = dataset[i]
        img_sr = model(img_lr[None].to(device)).float().clamp(0, 1).cpu()
        img_bic = imresize(img_lr[None].double(), scale).clamp(0, 1).float()
        rows.append({"image": dataset.names[i],
                     "bicubic_psnr": psnr(img_bic, img_hr[None], crop_border=scale).item(),
                     "bicubic_ssim": ssim(img_bic, img_hr[None], crop_border=scale).item(),
                     "model_psnr": psnr(img_sr, img_hr[None], crop_border=scale).item(),
                     "model_ssim": ssim(img_sr, img_hr[None], crop_border=scale).item()})
        if lpips_fn is not None:
            rows[-1].update(bicubic_lpips=lpips_fn(img_bic, img_hr[None]), model_lpips=lpips_fn(img_sr, img_hr[None]))
    mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k != "image"}
    result = {"per_image": rows, "mean": mean, "gain_psnr_db": mean["model_psnr"] - mean["bicubic_psnr"]}
    if note:
        result["note"] = note
    return result
