"""The part of srlib that a student process may import: probes and the worker, no judge, no reference code.

``build(folder)`` writes a package ``folder/srlib`` holding copies of
``STUDENT_SIDE`` (``srlib.course`` with the modules it loads, which a
notebook's set-up imports; the exercises' probes; the worker and its limits)
and a ``srlib.checks`` whose ``check()`` does nothing (the grader judges each
task itself). Every other package on the way is an empty ``__init__.py``:
``import srlib.course.exercises`` gives an empty package (its probes only, no
``EXERCISES``, no judge), ``import srlib.course.exercises.ex02_rrdb``,
``srlib.course.grading.grader``, ``srlib.course.colab``, ``srlib.course.checks``
and ``srlib.models`` fail. The student process runs with this
folder first on ``sys.path`` and no ``.pth`` files, in the sandbox and when
unconfined alike. The grader builds it once per run, from the files it
imported itself. Taught in: README (instructors' section).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import srlib
from srlib import checks, course
from srlib.course import lessons, notebook, profiles
from srlib.course.exercises import observations, probes, probing
from srlib.course.grading import limits, seccomp, worker

SETTINGS = (srlib, course, lessons, notebook, profiles)  # what `from srlib.course import setup` loads (no library code)
STUDENT_SIDE = (*SETTINGS, observations, probing, probes, *probes.MODULES, worker, limits, seccomp)
CHECKS_STUB = '''"""srlib.checks as the grader's student process sees it: the grader judges each task itself."""


def check(task, obj):
    """Does nothing while ``srlib grade`` runs the notebook."""
    return True
'''


def _relative(module) -> Path:
    """Where ``module``'s file sits inside the srlib package ("course/exercises/probing.py")."""
    root = Path(srlib.__file__).resolve().parent
    return Path(module.__file__).resolve().relative_to(root)


def build(folder: str | Path) -> Path:
    """Write the student side of srlib as ``folder/srlib``; returns ``folder`` (for ``sys.path``).

    Files are world-readable, so a sandbox that runs under another user id can import them.
    """
    folder = Path(folder)
    package = folder / "srlib"
    for module in STUDENT_SIDE:
        target = package / _relative(module)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(module.__file__, target)
    (package / _relative(checks)).write_text(CHECKS_STUB)
    for sub in [package, *(p for p in package.rglob("*") if p.is_dir())]:
        (sub / "__init__.py").touch()  # every folder on the way is a package, empty unless copied
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return folder


def boot(lib: str, paths: list[str], statement: str) -> str:
    """Python code that puts the student side (``lib``) and the installation's ``paths`` on ``sys.path``, then runs
    ``statement``; for ``python -I -S -c`` (no ``.pth`` file runs, so no other srlib is found)."""
    return f"import sys; sys.path[:0] = [{lib!r}]; sys.path += {paths!r}; {statement}"


def files(folder: str | Path) -> list[str]:
    """The files ``build`` wrote, relative to ``folder`` ("srlib/course/exercises/probing.py", ...)."""
    folder = Path(folder)
    return sorted(str(p.relative_to(folder)).replace(os.sep, "/") for p in folder.rglob("*.py"))
