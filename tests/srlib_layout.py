"""The house drawn from srlib's imports: rooms (top-level modules and packages) on floors.

Read by ``test_layout.py`` and ``test_docstrings.py``; CONTRIBUTING.md draws the
same map. Files are read with ``ast``, never imported.
"""

import ast
from pathlib import Path

SRLIB = Path(__file__).resolve().parents[1] / "srlib"

# Bottom to top. An import may point to a room on a lower floor or inside its own room; never
# to a room on its own floor or above. The library half is floors 0-6; the course half is
# floor 7, and the command line sits on both.
FLOORS = (
    ("srlib", "srlib.download", "srlib.files"),  # the version; fetching and writing files
    ("srlib.data", "srlib.metrics"),  # images, the degradation, the measurements
    ("srlib.models", "srlib.losses"),  # networks, and what they are trained with
    ("srlib.infer",),  # evaluation (also the trainer's validation), upscaling, interpolation
    ("srlib.train",),  # recipes, the trainer and its one loop, runs
    ("srlib.sweep",),  # grids of runs times seeds in an Optuna study, and their tables
    ("srlib.pretrained", "srlib.demo"),  # models made with the trainer, the main job
    ("srlib.course",),  # the course's machinery (srlib.checks is a door into it)
    ("srlib.cli",),  # the `srlib` command: both halves
    ("srlib.__main__",),  # python -m srlib
)
LIBRARY_FLOORS = 7  # floors 0-6
ROOM_ALIASES = {"srlib.checks": "srlib.course"}  # kept for `from srlib.checks import check`
COURSE = "srlib.course"


def module_name(path: Path) -> str:
    """'srlib.models.rrdb' for srlib/models/rrdb.py, 'srlib.models' for its __init__.py."""
    parts = list(path.relative_to(SRLIB.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of srlib by name."""
    return {module_name(p): p for p in sorted(SRLIB.rglob("*.py"))}


def room(module: str) -> str:
    """The room a module belongs to: its top-level module or package under srlib."""
    top = ".".join(module.split(".")[:2])
    return ROOM_ALIASES.get(top, top)


def floor(room_name: str) -> int:
    """The floor of a room; a ValueError for a room FLOORS does not place."""
    for level, rooms in enumerate(FLOORS):
        if room_name in rooms:
            return level
    raise ValueError(f"{room_name} is on no floor: add it to FLOORS in tests/srlib_layout.py and to "
                     "CONTRIBUTING.md's map")


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The srlib modules a file imports, anywhere in it (a function's lazy import is an arrow too)."""
    found = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "srlib"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this file's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "srlib":
                continue
            for alias in node.names:  # `from srlib.course import diagrams` imports a module
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return found


def arrows() -> dict[str, set[str]]:
    """module -> the srlib modules it imports."""
    known = modules()
    return {name: imports(path, known) for name, path in known.items()}


def library_modules() -> dict[str, Path]:
    """The modules of the library half (floors 0-6): what a student reads to learn SR."""
    return {name: path for name, path in modules().items() if floor(room(name)) < LIBRARY_FLOORS}
