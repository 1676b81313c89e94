"""Loading the public ESRGAN weights, whatever their naming.

Three formats are in circulation:

1. BasicSR: ``{'params': sd, 'params_ema': sd}`` with our names
   (``conv_first``, ``body.N.rdb1.conv1``, ``conv_body``, ``conv_up1``, ...);
2. the original ESRGAN repository: ``RRDB_trunk.N.RDB1.conv1``,
   ``trunk_conv``, ``upconv1``, ``upconv2``, ``HRconv`` (``RRDB_ESRGAN_x4.pth``);
3. the oldest files: ``model.0`` (first conv), ``model.1.sub.N.RDB1.conv1.0``,
   ``model.1.sub.23`` (trunk conv), ``model.3`` / ``model.6`` (up convs),
   ``model.8`` (HR conv), ``model.10`` (last conv).

Every file is read with ``torch.load(..., weights_only=True)`` (no pickled
code runs) and loaded strictly: a missing, extra or mis-shaped key is an
error that lists them. Taught in: notebooks 02 and 08.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from torch import nn

# The authors' public x4 files (original ESRGAN naming), in their Google Drive.
# drive.usercontent's confirm=t skips the "cannot scan large files" page.
PUBLIC_WEIGHTS = {
    "RRDB_ESRGAN_x4.pth": "1TPrz5QKd8DHHt1k8SRtm6tMiPjz_Qene",
    "RRDB_PSNR_x4.pth": "1pJ_T-V1dpb1ewoEra1TGSWl5e6H7M4NN",
}
DRIVE_URL = "https://drive.usercontent.google.com/download?id={}&export=download&confirm=t"
ESRGAN_DRIVE_FOLDER = "https://drive.google.com/drive/folders/17VYV_SoZZesU6mbxz2dMAIccSSlqLecY"

_ORIGINAL = [  # original ESRGAN names -> BasicSR names
    (r"^RRDB_trunk\.(\d+)\.RDB(\d)\.", r"body.\1.rdb\2."),
    (r"^trunk_conv\.", "conv_body."),
    (r"^upconv(\d)\.", r"conv_up\1."),
    (r"^HRconv\.", "conv_hr."),
]
_OLDEST = [  # model.N names -> BasicSR names (x4 layout)
    (r"^model\.0\.", "conv_first."),
    (r"^model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.", r"body.\1.rdb\2.conv\3."),
    (r"^model\.1\.sub\.\d+\.", "conv_body."),  # the last sub-module is the trunk conv
    (r"^model\.3\.", "conv_up1."),
    (r"^model\.6\.", "conv_up2."),
    (r"^model\.8\.", "conv_hr."),
    (r"^model\.10\.", "conv_last."),
]


def _rename(state: dict, rules) -> dict:
    out = {}
    for key, value in state.items():
        for pattern, repl in rules:
            new, n = re.subn(pattern, repl, key)
            if n:
                key = new
                break
        out[key] = value
    return out


def to_basicsr_names(state: dict) -> dict:
    """Any of the three public formats -> a state dict with BasicSR names."""
    if "params_ema" in state or "params" in state:
        state = state.get("params_ema") or state["params"]
    if any(k.startswith("RRDB_trunk.") for k in state):
        return _rename(state, _ORIGINAL)
    if any(k.startswith("model.1.sub.") for k in state):
        return _rename(state, _OLDEST)
    return dict(state)


def check_state_dict(model: nn.Module, state: dict, source: str = "weights") -> None:
    """Raise ``ValueError`` listing missing, unexpected and mis-shaped keys."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    extra = [k for k in state if k not in own]
    shapes = [f"{k}: file {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
              for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or extra or shapes:
        def few(xs):
            return ", ".join(xs[:5]) + (f" (+{len(xs) - 5} more)" if len(xs) > 5 else "")
        parts = [f"missing keys: {few(missing)}" if missing else "",
                 f"unexpected keys: {few(extra)}" if extra else "",
                 f"mis-shaped: {few(shapes)}" if shapes else ""]
        raise ValueError(f"{source} do not fit {model.__class__.__name__}: "
                         + "; ".join(p for p in parts if p)
                         + ". Build the model with the architecture the file was trained with "
                           "(num_feat, num_block, num_grow_ch, scale).")


def read_weights_file(path: str | Path, missing_hint: str = "") -> object:
    """``torch.load(path, weights_only=True)`` on the CPU, with errors that name the file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such weights file{missing_hint}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        first_line = (str(exc).splitlines() or [""])[0]
        raise ValueError(f"{path}: not a readable PyTorch weights file ({exc.__class__.__name__}: "
                         f"{first_line})") from exc


def load_esrgan_weights(model: nn.Module, path: str | Path) -> nn.Module:
    """Load public ESRGAN/BasicSR weights (any of the three namings) into ``model``, strictly."""
    state = read_weights_file(path, "; on Colab run srlib.models.download_esrgan_weights()")
    if not isinstance(state, dict):
        raise ValueError(f"{path}: expected a state dict, got {type(state).__name__}")
    state = to_basicsr_names(state)
    check_state_dict(model, state, source=str(path))
    model.load_state_dict(state, strict=True)
    return model


def download_esrgan_weights(folder: str | Path = "weights",
                            names: tuple[str, ...] = ("RRDB_ESRGAN_x4.pth", "RRDB_PSNR_x4.pth")) -> list[Path]:
    """Download the public ESRGAN x4 weights (on Colab) into ``folder``; skips files present.

    Returns the paths. If Google Drive answers with a web page instead of the
    file (quota, changed link), the page is deleted and the error says how to
    fetch the file by hand from ``ESRGAN_DRIVE_FOLDER``.
    """
    from srlib.download import download

    paths = []
    for name in names:
        if name not in PUBLIC_WEIGHTS:
            raise ValueError(f"unknown weights {name!r}; choose from {', '.join(PUBLIC_WEIGHTS)}")
        path = download(DRIVE_URL.format(PUBLIC_WEIGHTS[name]), Path(folder) / name)
        with open(path, "rb") as f:
            head = f.read(64).lstrip().lower()
        if head.startswith((b"<!doctype", b"<html")):
            path.unlink()
            raise FileNotFoundError(f"Google Drive sent a web page instead of {name}. Download it "
                                    f"by hand from {ESRGAN_DRIVE_FOLDER} into {folder}/")
        paths.append(path)
    return paths
