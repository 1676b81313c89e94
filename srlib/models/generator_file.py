"""``generator.pt``: a trained generator with the settings needed to rebuild it.

Format (a plain dict, loadable with ``torch.load(..., weights_only=True)``)::

    {"format": "srlib-generator-1", "config": {"generator": "rrdbnet", "num_feat": 64,
     "num_block": 23, "num_grow_ch": 32, "scale": 4}, "recipe": "esrgan",
     "state_dict": {...}}

``load_generator`` also accepts the public ESRGAN/BasicSR weight files (any of
the three namings), which are RRDBNet x4 at the paper's size. Taught in:
notebooks 06-08.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from srlib.models.espcn import ResidualESPCN
from srlib.models.rrdb import RRDBNet
from srlib.models.srresnet import MSRResNet, SRResNet
from srlib.models.weights import check_state_dict, load_esrgan_weights, read_weights_file

FORMAT = "srlib-generator-1"


def build_generator(config: dict) -> nn.Module:
    """A generator from a config dict: generator, num_feat, num_block, num_grow_ch, scale."""
    kind = config.get("generator", "rrdbnet")
    common = dict(num_feat=config["num_feat"], num_block=config["num_block"], scale=config["scale"])
    if kind == "rrdbnet":
        return RRDBNet(num_grow_ch=config.get("num_grow_ch", 32), **common)
    if kind == "srresnet":
        return SRResNet(**common)
    if kind == "msrresnet":
        return MSRResNet(**common)
    if kind == "espcn":
        return ResidualESPCN(**common)
    raise ValueError(f"unknown generator {kind!r}; use rrdbnet, srresnet, msrresnet or espcn")


def save_generator(path: str | Path, model: nn.Module, config: dict, recipe: str = "",
                   metadata: dict | None = None) -> Path:
    """Write ``generator.pt`` atomically (temporary file, then rename).

    ``metadata`` (plain types) records how the model was made and how it scored;
    ``read_metadata`` returns it without building the model.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = ("generator", "num_feat", "num_block", "num_grow_ch", "scale")
    payload = {"format": FORMAT, "config": {k: config[k] for k in keys if k in config},
               "recipe": recipe, "metadata": metadata or {},
               "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()}}
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def read_metadata(path: str | Path) -> dict:
    """The ``config``, ``recipe`` and ``metadata`` of a ``generator.pt`` (no model is built)."""
    payload = read_weights_file(path)
    if not (isinstance(payload, dict) and payload.get("format") == FORMAT):
        raise ValueError(f"{path}: not a generator.pt written by srlib")
    return {"config": payload["config"], "recipe": payload.get("recipe", ""),
            "metadata": payload.get("metadata", {}),
            "parameters": sum(p.numel() for p in build_generator(payload["config"]).parameters())}


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild and load a generator from ``generator.pt``, public ESRGAN weights, or a shipped name.

    ``path`` may name one of the course's shipped models (``"psnr"``, ``"ragan"``;
    ``srlib pretrained`` lists them).
    """
    from srlib.pretrained import damaged, resolve_weights

    path = resolve_weights(path)
    try:
        payload = read_weights_file(path, " (a generator.pt from `srlib train` or `srlib demo`, public "
                                          "ESRGAN weights, or a shipped model name: `srlib pretrained`)")
    except ValueError as exc:
        raise damaged(path, exc) or exc
    if isinstance(payload, dict) and payload.get("format") == FORMAT:
        model = build_generator(payload["config"])
        check_state_dict(model, payload["state_dict"], source=str(path))
        model.load_state_dict(payload["state_dict"])
    else:  # public ESRGAN weights: RRDBNet x4 at the paper's size
        model = load_esrgan_weights(RRDBNet(), path)
    return model.to(device).eval()
