"""In-notebook checks for the exercises: ``check("rrdb", RRDB)`` (imported as ``srlib.checks``).

A check probes the student's object on seeded inputs, packs what it saw as
plain data (exactly what ``srlib grade`` sends from a student's process to
its own), and judges that data. The tasks, probes and judges live in
``srlib.course.exercises`` (one module per exercise), not in the notebooks, so
editing a notebook cannot weaken them. Taught in: the exercise notebooks (01-05, 07, 08).
"""

from __future__ import annotations

from srlib.course.exercises import Report, find_task, judge, observe
from srlib.course.exercises.observations import pack, unpack

NOTEBOOK_SEED = 0  # the grader draws a secret seed instead


def run_check(task: str, obj, seed: int = NOTEBOOK_SEED, own_code_only: bool = True) -> Report:
    """The ``Report`` of ``task`` on ``obj``: probe, pack and unpack, judge.

    ``own_code_only=False`` lets a lesson check code built from the library's
    own blocks (the grader never does).
    """
    _, spec = find_task(task)
    observations = unpack(pack(observe(spec, obj, seed)))
    return judge(spec, observations, seed, own_code_only)


def check(task: str, obj) -> bool:
    """Run the checks of ``task`` on the student's ``obj`` and print what passed."""
    report = run_check(task, obj)
    print(report)
    return report.ok


__all__ = ["Report", "check", "run_check"]
