"""``generator.pt``: a trained generator with the ``GeneratorConfig`` that rebuilds it.

Format (a plain dict, loadable with ``torch.load(..., weights_only=True)``)::

    {"format": "srlib-generator-2",
     "config": {"architecture": "rrdbnet", "num_feat": 64, "num_block": 23,
                "num_grow_ch": 32, "scale": 4},
     "recipe": "esrgan", "metadata": {...}, "state_dict": {...}}

``read_generator`` is the one reader of generator weights: it takes a
``generator.pt`` (this format, or ``srlib-generator-1``, whose config key was
``generator`` instead of ``architecture``: the shipped course models are
such files and are read as they are), the public ESRGAN/BasicSR weight files
(any of the three namings; RRDBNet x4 at the paper's size), or a shipped
model's name (``"ragan"``). ``load_generator``, ``srlib interpolate``,
``srlib evaluate`` and ``srlib upscale`` all go through it.
Taught in: notebook 06, section 5 and notebook 08, sections 1 and 3.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from srlib.files import atomic_path
from srlib.models.generator_config import GeneratorConfig, build_generator
from srlib.models.shipped import damaged, resolve_weights
from srlib.models.weights import check_state_dict, read_weights_file, to_basicsr_names

FORMAT = "srlib-generator-2"
OLD_FORMATS = ("srlib-generator-1",)
WHAT_WEIGHTS = (" (a generator.pt from `srlib train` or `srlib demo`, public ESRGAN weights, or a shipped "
                "model name: `srlib pretrained`)")

__all__ = ["FORMAT", "GeneratorConfig", "build_generator", "save_generator", "read_generator",
           "read_metadata", "load_generator"]


def _config_of(config) -> GeneratorConfig:
    """A GeneratorConfig from a config, its dict, or (old callers) a recipe or recipe dict."""
    if isinstance(config, GeneratorConfig):
        return config
    if hasattr(config, "generator") and isinstance(config.generator, GeneratorConfig):  # a Recipe
        return config.generator
    if isinstance(config, dict) and isinstance(config.get("generator"), (dict, GeneratorConfig)):
        return _config_of(config["generator"])  # a nested recipe dict
    keys = ("architecture", "generator", "num_feat", "num_block", "num_grow_ch", "scale")
    return GeneratorConfig.from_dict({k: config[k] for k in keys if k in config})


def save_generator(path: str | Path, model: nn.Module, config: GeneratorConfig | dict | object, recipe: str = "",
                   metadata: dict | None = None, weights_dtype: torch.dtype | None = None) -> Path:
    """Write ``generator.pt`` atomically (temporary file, then rename).

    ``config``: the ``GeneratorConfig`` the model was built from (a recipe, or a
    dict of its settings, are accepted too). ``metadata`` (plain types) records
    how the model was made and how it scored; ``read_metadata`` returns it.
    ``weights_dtype=torch.float16`` halves the file (the course's shipped models,
    within their 5 MB); ``read_generator`` gives the weights back as float32.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    if weights_dtype is not None:
        state = {k: v.to(weights_dtype) if v.is_floating_point() else v for k, v in state.items()}
    payload = {"format": FORMAT, "config": _config_of(config).to_dict(), "recipe": recipe,
               "metadata": metadata or {}, "state_dict": state}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def _read_payload(path: str | Path) -> tuple[Path, object]:
    """(the file ``path`` names, its contents); a damaged shipped file says how to regenerate it."""
    path = resolve_weights(path)
    try:
        return path, read_weights_file(path, WHAT_WEIGHTS)
    except ValueError as exc:
        raise damaged(path, exc) or exc


def _is_srlib_file(payload) -> bool:
    return isinstance(payload, dict) and payload.get("format") in (FORMAT, *OLD_FORMATS)


def read_generator(path: str | Path) -> tuple[GeneratorConfig, dict]:
    """(config, state dict) of a generator.pt, public ESRGAN weights, or a shipped model's name.

    Weights stored in half precision (the shipped models) come back as float32.
    """
    path, payload = _read_payload(path)
    if _is_srlib_file(payload):
        state = {k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()}
        return GeneratorConfig.from_dict(payload["config"]), state
    if not isinstance(payload, dict):
        raise ValueError(f"{path}: expected a state dict or a generator.pt, got {type(payload).__name__}")
    return GeneratorConfig(), to_basicsr_names(payload)  # public ESRGAN weights: RRDBNet x4, paper's size


def read_metadata(path: str | Path) -> dict:
    """The ``config``, ``recipe``, ``metadata`` and parameter count of a ``generator.pt``."""
    path, payload = _read_payload(path)
    if not _is_srlib_file(payload):
        raise ValueError(f"{path}: not a generator.pt written by srlib")
    config = GeneratorConfig.from_dict(payload["config"])
    return {"config": config.to_dict(), "recipe": payload.get("recipe", ""),
            "metadata": payload.get("metadata", {}),
            "parameters": sum(p.numel() for p in build_generator(config).parameters())}


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild and load a generator (anything ``read_generator`` reads), in eval mode, strictly."""
    config, state = read_generator(path)
    model = build_generator(config)
    check_state_dict(model, state, source=str(path))
    model.load_state_dict(state)
    return model.to(device).eval()
