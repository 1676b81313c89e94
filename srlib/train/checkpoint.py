"""Checkpoints that survive a Colab disconnect.

- Atomic: written to ``name.tmp`` and renamed, so an interrupted save never
  leaves a half file where a whole one was.
- The last ``keep_last`` are kept (``ckpt_000100.pt``, ...) plus ``best.pt``.
- Everything a bit-identical resume needs: models, optimisers, schedulers,
  grad scaler, EMA, RNG states, the iteration (the data order is a function
  of the seed and the iteration), and the recipe.
- Loaded with ``weights_only=True``: no pickled code runs.
- Portable: written on a GPU, resumed on another GPU type or on the CPU
  (tensors are loaded to the CPU first; the optimiser's fused/foreach flags and
  the grad scaler follow the machine that resumes; ``device_name`` is stored so
  the resume can say what changed).
Taught in: notebook 07.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import torch

from srlib.files import atomic_path

PATTERN = re.compile(r"ckpt_(\d+)\.pt$")


def rng_state() -> dict:
    """Every random-number generator's state (PyTorch, CUDA, Python, NumPy) as plain types."""
    state = {"torch": torch.get_rng_state(), "python": _listify(random.getstate()),
             "numpy": _numpy_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what ``rng_state`` saved (on as many GPUs as both machines have)."""
    torch.set_rng_state(state["torch"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    if "cuda" in state and torch.cuda.is_available():  # as many GPUs as both machines have
        for index, cuda_state in enumerate(state["cuda"][: torch.cuda.device_count()]):
            torch.cuda.set_rng_state(cuda_state, index)


def device_name(device: torch.device) -> str:
    """'cpu' or 'cuda (Tesla T4)': stored in checkpoints, compared on resume."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type


def device_change_note(state: dict, device: torch.device) -> str | None:
    """A sentence when a checkpoint is resumed on another kind of device, else None."""
    written, here = state.get("device"), device_name(device)
    if written is None or written == here:
        return None
    return (f"resuming a checkpoint written on {written} on {here}: this works (tensors are moved, "
            "mixed precision follows this machine), but the continuation matches an uninterrupted "
            "run only to rounding, not bit for bit")


def load_optimizer_state(optimizer: torch.optim.Optimizer, state: dict) -> None:
    """``optimizer.load_state_dict``, keeping this machine's fused/foreach implementation.

    A CPU checkpoint (foreach Adam) resumed on CUDA (fused Adam), or the reverse:
    the saved flags would otherwise replace ours, and fused Adam needs its step
    counts on the device (``load_state_dict`` moves them when the flag says fused).
    """
    groups = [dict(saved, **{k: mine[k] for k in ("fused", "foreach") if k in mine})
              for saved, mine in zip(state["param_groups"], optimizer.param_groups)]
    optimizer.load_state_dict(dict(state, param_groups=groups))


def load_scaler_state(scaler: torch.amp.GradScaler, state: dict) -> None:
    """A disabled scaler (CPU, bf16) saves ``{}``; an fp16 resume then starts a fresh scale."""
    if state and scaler.is_enabled():
        scaler.load_state_dict(state)


def _listify(x):
    return [_listify(v) for v in x] if isinstance(x, (tuple, list)) else x


def _numpy_state():
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return [kind, keys.tolist(), int(pos), int(has_gauss), float(cached)]


def checkpoints(folder: str | Path) -> list[Path]:
    """Numbered checkpoints in ``folder``, oldest first."""
    folder = Path(folder)
    found = [(int(m.group(1)), p) for p in folder.glob("ckpt_*.pt") if (m := PATTERN.search(p.name))]
    return [p for _, p in sorted(found)]


def save_atomic(payload: dict, path: Path) -> None:
    """``torch.save`` through ``srlib.files.atomic_path``: never half a checkpoint."""
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def save_checkpoint(folder: str | Path, iteration: int, payload: dict, keep_last: int = 3,
                    is_best: bool = False) -> Path:
    """Write ``folder/ckpt_NNNNNN.pt`` (and ``best.pt``) atomically; keep the last ``keep_last``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"ckpt_{iteration:06d}.pt"
    save_atomic(payload, path)
    if is_best:
        save_atomic(payload, folder / "best.pt")
    for old in checkpoints(folder)[:-keep_last] if keep_last > 0 else []:
        old.unlink()
    return path


def load_checkpoint(path: str | Path) -> dict:
    """A checkpoint's contents, on the CPU, with ``weights_only=True`` (no pickled code runs)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"{path}: not a readable checkpoint ({exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0]}); delete it to resume from an older one") from exc


def latest_checkpoint(folder: str | Path) -> Path | None:
    """The newest ``ckpt_NNNNNN.pt`` in ``folder``, or None."""
    found = checkpoints(folder)
    return found[-1] if found else None
