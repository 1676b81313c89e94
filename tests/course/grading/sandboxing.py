"""For the grading tests: whether the bubblewrap sandbox runs here (the reason to skip if not), which processes run,
and a sweep over every srlib module (which of them a student process can import)."""

import functools
import json
import os
import tempfile
from pathlib import Path

import srlib


@functools.lru_cache(maxsize=1)
def sandbox_problem() -> str:
    """'' when bubblewrap can confine a student process here, else why not."""
    from srlib.course.grading import student_library
    from srlib.course.grading.sandbox import Bwrap, find_bwrap

    with tempfile.TemporaryDirectory() as folder:
        lib, empty = student_library.build(Path(folder) / "lib"), Path(folder) / "empty"
        empty.mkdir()
        why = Bwrap(find_bwrap() or "bwrap").probe(lib, empty)
    return f"no sandbox here: {why} (install bubblewrap: apt-get install bubblewrap)" if why else ""


def running(marker: str) -> list[int]:
    """Host process ids whose command line holds ``marker`` (Linux)."""
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def srlib_modules() -> list[str]:
    """Every module of the srlib the grader imported ('srlib.models.rrdb', 'srlib.course.grading', ...)."""
    root = Path(srlib.__file__).resolve().parent
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def sweep(modules: list[str]) -> str:
    """Code that imports each of ``modules`` in a fresh interpreter's student side and prints those that load
    (JSON), then runs a notebook's set-up cell."""
    return ("import importlib, json\nloaded = []\n"
            f"for name in {modules!r}:\n"
            "    try:\n        importlib.import_module(name)\n        loaded.append(name)\n"
            "    except ImportError:\n        pass\n"
            "print('loaded:', json.dumps(loaded))\n"
            "import srlib.course.exercises as E\nprint('registry:', hasattr(E, 'EXERCISES'), hasattr(E, 'judge'))\n"
            "from srlib.checks import check\nfrom srlib.course import setup\nprofile, device = setup(seed=0)\n"
            "print('set-up ran:', profile.name, device.type, check('rrdb', None))\n")


def swept(output: str) -> tuple[set[str], str, str]:
    """(the modules that loaded, the registry line, the set-up line) from ``sweep``'s output."""
    lines = {line.split(":")[0]: line for line in output.splitlines() if line.startswith(("loaded:", "registry:",
                                                                                         "set-up ran:"))}
    assert len(lines) == 3, output
    return set(json.loads(lines["loaded"][len("loaded:"):])), lines["registry"], lines["set-up ran"]


def expected_student_side() -> set[str]:
    """The srlib modules a student process may import: the copied ones and the empty packages on their way."""
    from srlib.course.grading import student_library

    names = set()
    for module in student_library.STUDENT_SIDE:
        name = module.__name__
        while name:
            names.add(name)
            name = name.rpartition(".")[0]
    return names | {"srlib.checks"}
