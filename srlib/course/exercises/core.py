"""What an exercise task is: a *probe* beside the student's code, a *judge* elsewhere.

A task's probe (``srlib.course.exercises.probing``, one module per exercise in
``srlib.course.exercises.probes``) runs in the student's process. It calls the
student's object on inputs drawn from a seed and records what it sees as plain
data (numbers, strings, booleans, numpy arrays, lists and dicts of them):
outputs, shapes, parameter counts. It decides nothing. The judge (this module,
and one module per exercise in ``srlib.course.exercises``) turns those observations
into a ``Report`` of what is right and wrong, in the student's terms,
computing every expected value itself from the same seed.

In a notebook, ``check("rrdb", RRDB)`` runs both in the notebook's process.
``srlib grade`` runs the probe in a confined process that holds no judge and
no reference code, with the student's code and a secret seed, and the judge in
its own process, where no student code has run; both print the same messages.
Taught in: the exercise notebooks (01-05, 07, 08).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from srlib.course.exercises.probing import SRLIB_DIR, Probe
from srlib.course.exercises.probing import observe as observe_probe

# The srlib files a graded notebook's code may run: ``from srlib.checks import check`` and ``from srlib.course
# import setup`` with what ``srlib.course`` loads (run profiles, the notebook helpers, the course map). A task
# whose object runs any other srlib file (the library, a judge, the grader) scores 0; ``srlib grade``'s student
# process holds no other srlib module beside the probes and the worker (``srlib.course.grading.student_library``).
ALLOWED_LIBRARY = ("srlib/__init__.py", "srlib/checks.py", "srlib/course/__init__.py", "srlib/course/lessons.py",
                   "srlib/course/notebook.py", "srlib/course/profiles.py")


@dataclass
class Report:
    """What passed and what failed, in the student's terms."""

    task: str
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        lines = [f"check {self.task!r}: {'all passed' if self.ok else 'some checks failed'}"]
        lines += [f"  [ok]   {m}" for m in self.passed] + [f"  [FAIL] {m}" for m in self.failed]
        return "\n".join(lines)


@dataclass(frozen=True)
class Step:
    """One sub-check: ``observe`` (one of the probe's observers) runs the student's code, ``judge`` decides.

    Steps that share an observer run it once. ``judge(observation, inputs)``
    returns a problem sentence, or None when the step passes; it never runs
    student code.
    """

    description: str
    observe: Callable[[Any, Any], Any]
    judge: Callable[[Any, Any], str | None]


@dataclass(frozen=True)
class Task:
    """One graded task of an exercise: ``check(name, obj)`` in the notebook."""

    probe: Probe  # the student-side half: name, object, inputs, observers, forbidden built-ins
    points: int
    steps: tuple[Step, ...]
    library: tuple[str, ...]  # srlib modules that implement this task: handing them in scores 0

    def __post_init__(self):
        used = {id(step.observe) for step in self.steps}
        if used != {id(o) for o in self.probe.observers}:
            raise ValueError(f"task {self.probe.task!r}: its steps must use exactly its probe's observers")

    @property
    def name(self) -> str:
        return self.probe.task

    @property
    def obj(self) -> str:
        return self.probe.obj

    @property
    def inputs(self) -> Callable[[int], Any]:
        return self.probe.inputs

    @property
    def forbidden(self) -> tuple[str, ...]:
        return self.probe.forbidden


@dataclass(frozen=True)
class Exercise:
    name: str  # "ex02_rrdb": the notebook's stem
    lesson: str  # "02": the notebook it goes with
    title: str
    tasks: tuple[Task, ...]


def probes(task: Task) -> list:
    """The task's distinct observer functions, in order (steps may share one: it runs once)."""
    return list(task.probe.observers)


def observe(task: Task, obj, seed: int) -> dict:
    """Run the task's probe on ``obj`` (the student's code) in this process and collect plain data."""
    return observe_probe(task.probe, obj, seed, library_dirs=(SRLIB_DIR,))


def expect_count(values, n: int, what: str) -> None:
    """Judges call this first: an observation must hold exactly ``n`` results (empty ones fail)."""
    if not isinstance(values, (list, dict)) or len(values) != n:
        raise ValueError(f"expected {n} {what}")


def _library_use(task: Task, obs: dict) -> str | None:
    modules = [m for m in obs["identity"]["modules"] if m == "srlib" or m.startswith("srlib.")]
    if modules:
        return (f"`{obs['identity']['name']}` is the course library's own code (from {modules[0]}), "
                f"not yours: write `{task.obj}` yourself")
    files = [str(f).replace("\\", "/") for f in obs["srlib_files"]]
    used = [f for f in files if f not in ALLOWED_LIBRARY]
    if used:
        named = [m for m in task.library if m.replace(".", "/") + ".py" in used]
        what = named[0] if named else used[0][:-3].replace("/", ".")
        return (f"`{task.obj}` calls the course library's own implementation ({what}): "
                "write it yourself instead of wrapping srlib")
    if obs["builtins"]:
        return f"`{task.obj}` calls torch's built-in {obs['builtins'][0]}, which this task asks you to write yourself"
    return None


def judge(task: Task, obs: dict, seed: int, own_code_only: bool = True) -> Report:
    """The report on a task from its observations alone (no student code runs here).

    ``own_code_only=False`` skips the check that the object is not the course
    library's own code (notebook 02 demonstrates bugs on library blocks); the
    grader always keeps it.
    """
    report = Report(task.name)
    order = probes(task)
    try:
        values, errors = list(obs["values"]), [str(e) for e in obs["errors"]]
        problem = _library_use(task, obs) if own_code_only else None
        if len(values) != len(order) or len(errors) != len(order):
            raise ValueError("wrong number of observations")
    except (KeyError, TypeError, AttributeError, ValueError):
        report.failed.append("the observations of your code are incomplete (was the grader tampered with?)")
        return report
    if problem:
        report.failed.append(problem)
        return report
    inputs = task.inputs(seed)
    for step in task.steps:
        j = order.index(step.observe)
        if errors[j]:
            problem = errors[j]
        else:
            try:
                problem = step.judge(values[j], inputs)
            except Exception as exc:  # an output of an unexpected form: say so, never crash
                problem = f"returned something of an unexpected form ({exc.__class__.__name__}: {exc})"
        (report.failed.append(f"{step.description}: {problem}") if problem
         else report.passed.append(step.description))
    return report
