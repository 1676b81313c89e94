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

from pathlib import Path

PRETRAINED_DIR = Path(__file__).resolve().parent
NAMES = ("psnr", "bce", "wgan-gp", "ragan")
REGENERATE = "python tools/pretrain.py"


def pretrained_path(name: str) -> Path:
    """The shipped ``generator.pt`` of ``name``; a ValueError lists the shipped names."""
    if name not in NAMES:
        raise ValueError(f"{name!r} is neither a weights file nor a shipped model; the course ships: "
                         f"{', '.join(NAMES)} (`srlib pretrained` lists them)")
    path = PRETRAINED_DIR / name / "generator.pt"
    if not path.exists():
        raise FileNotFoundError(f"{path}: the shipped model {name!r} is missing; regenerate it with "
                                f"`{REGENERATE} --only {name}` in a course checkout")
    return path


def resolve_weights(spec) -> Path:
    """A weights file from a path or a shipped model name (a path that exists wins)."""
    path = Path(spec)
    if path.exists():
        return path
    if str(spec) in NAMES or not (path.suffix or len(path.parts) > 1):
        return pretrained_path(str(spec))  # a bare unknown name gets the list of shipped names
    return path  # a missing file: the reader says so


def damaged(path: Path, exc: Exception) -> ValueError | None:
    """For an unreadable shipped file, the error that says how to regenerate it; None for other files."""
    path = Path(path)
    if path.parent.parent != PRETRAINED_DIR:
        return None
    return ValueError(f"{path} is damaged ({exc}); regenerate it with `{REGENERATE} --only {path.parent.name}`")


def held_out_scores(model, scale: int = 4, device="cpu") -> dict:
    """Mean PSNR-Y / SSIM-Y (border = scale) of ``model`` and of MATLAB bicubic on the held-out photos.

    What each shipped file records; ``tests/test_pretrained*.py`` re-measure it.
    """
    import torch

    from srlib.data import sample_dataset
    from srlib.infer.evaluate import evaluate_generator

    with torch.no_grad():
        mean = evaluate_generator(model, sample_dataset("val", scale=scale), scale, device=device)["mean"]
    return {"psnr_y": round(mean["model_psnr"], 4), "ssim_y": round(mean["model_ssim"], 4),
            "bicubic_psnr_y": round(mean["bicubic_psnr"], 4), "bicubic_ssim_y": round(mean["bicubic_ssim"], 4)}


def describe(name: str) -> dict:
    """One row of ``srlib pretrained``: architecture, size, recipe, training and held-out scores."""
    from srlib.models.generator_file import read_metadata

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
