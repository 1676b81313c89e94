"""The course's shipped generators by name: which file ``"psnr"`` or ``"ragan"`` means.

Every place that takes a weights file takes these names too
(``load_generator("ragan")``, ``srlib upscale --weights ragan``), so the
reader of weight files (``generator_file.py``) resolves them; the models
themselves, their recipes and their scores live in ``srlib.pretrained``,
which re-exports these names. Taught in: notebooks 00 and 05-08.
"""

from __future__ import annotations

from pathlib import Path

PRETRAINED_DIR = Path(__file__).resolve().parents[1] / "pretrained"  # srlib/pretrained/<name>/generator.pt
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


def resolve_weights(spec: str | Path) -> Path:
    """A weights file from a path or a shipped model name (a path that exists wins)."""
    path = Path(spec)
    if path.exists():
        return path
    if str(spec) in NAMES or not (path.suffix or len(path.parts) > 1):
        return pretrained_path(str(spec))  # a bare unknown name gets the list of shipped names
    return path  # a missing file: the reader says so


def damaged(path: str | Path, exc: Exception) -> ValueError | None:
    """For an unreadable shipped file, the error that says how to regenerate it; None for other files."""
    path = Path(path)
    if path.parent.parent != PRETRAINED_DIR:
        return None
    return ValueError(f"{path} is damaged ({exc}); regenerate it with `{REGENERATE} --only {path.parent.name}`")
