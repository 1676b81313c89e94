"""What an exercise task is: a *probe* beside the student's code, a *judge* elsewhere.

A task's probe runs in the student's process. It calls the student's object on
inputs drawn from a seed and records what it sees as plain data (numbers,
strings, booleans, numpy arrays, lists and dicts of them): outputs, shapes,
parameter counts. It decides nothing. The judge turns those observations into
a ``Report`` of what is right and wrong, in the student's terms, computing
every expected value itself from the same seed.

In a notebook, ``check("rrdb", RRDB)`` runs both in the notebook's process.
``srlib grade`` runs the probe in a fresh process with the student's code and
the judge in its own process, where no student code has run, with a secret
seed; both print the same messages. Taught in: the exercise notebooks (01-05, 07, 08).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

SRLIB_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # .../srlib


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
    """One sub-check: ``observe`` runs the student's code, ``judge`` decides.

    ``observe(obj, inputs)`` returns plain data (torch tensors are turned into
    numpy arrays on the way out); steps that share an ``observe`` function run
    it once. ``judge(observation, inputs)`` returns a problem sentence, or None
    when the step passes; it never runs student code.
    """

    description: str
    observe: Callable[[Any, Any], Any]
    judge: Callable[[Any, Any], str | None]


@dataclass(frozen=True)
class Task:
    """One graded task of an exercise: ``check(name, obj)`` in the notebook."""

    name: str  # "rrdb": the name the notebook's check cell uses
    obj: str  # "RRDB": the function or class the student defines
    points: int
    inputs: Callable[[int], Any]  # seed -> the inputs every step uses (both sides rebuild them)
    steps: tuple[Step, ...]
    library: tuple[str, ...]  # srlib modules that implement this task: handing them in scores 0
    forbidden: tuple[str, ...] = ()  # torch names the task must not use (e.g. "pixel_shuffle")


@dataclass(frozen=True)
class Exercise:
    name: str  # "ex02_rrdb": the notebook's stem
    lesson: str  # "02": the notebook it goes with
    title: str
    tasks: tuple[Task, ...]


# ------------------------------------------------------------------- probing
class _Trace:
    """Records which srlib files (and, if asked, which built-ins) run while the probes run.

    Python calls are seen through ``sys.settrace`` (cheap: no line events);
    built-in calls need ``sys.setprofile``, used only for tasks that forbid one.
    """

    def __init__(self, watch_builtins: bool):
        self.files: set[str] = set()
        self.builtins: set[str] = set()
        self.watch_builtins = watch_builtins
        self._skip = os.path.join(SRLIB_DIR, "course", "exercises")

    def _call(self, frame):
        path = frame.f_code.co_filename
        if path.startswith(SRLIB_DIR) and not path.startswith(self._skip):
            self.files.add(os.path.relpath(path, os.path.dirname(SRLIB_DIR)))

    def _trace(self, frame, event, arg):
        if event == "call":
            self._call(frame)
        return None  # no line events

    def _profile(self, frame, event, arg):
        if event == "call":
            self._call(frame)
        elif event == "c_call":
            self.builtins.add(getattr(arg, "__name__", "?"))

    def __enter__(self):
        self._previous = sys.gettrace(), sys.getprofile()
        (sys.setprofile(self._profile) if self.watch_builtins else sys.settrace(self._trace))
        if self.watch_builtins:  # and every ATen operator, however it was reached (torch.ops, map, C)
            from torch.utils._python_dispatch import TorchDispatchMode

            trace = self

            class _Ops(TorchDispatchMode):
                def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                    trace.builtins.add(func.__name__.split(".")[0])
                    return func(*args, **(kwargs or {}))

            self._ops = _Ops()
            self._ops.__enter__()
        return self

    def __exit__(self, *exc):
        if self.watch_builtins:
            self._ops.__exit__(*exc)
        sys.settrace(self._previous[0])
        sys.setprofile(self._previous[1])


def _identity(obj) -> dict:
    """Where the handed-in object comes from: its module, and its base classes' modules."""
    target = getattr(obj, "func", obj)  # functools.partial
    mro = getattr(target, "__mro__", (target,))
    return {"modules": [str(getattr(c, "__module__", "") or "") for c in mro],
            "name": str(getattr(target, "__qualname__", type(target).__name__))}


def probes(task: Task) -> list:
    """The task's distinct probe functions, in order (steps may share one: it runs once)."""
    order = []
    for step in task.steps:
        if step.observe not in order:
            order.append(step.observe)
    return order


def observe(task: Task, obj, seed: int) -> dict:
    """Run each of the task's probes on ``obj`` (the student's code) and collect plain data."""
    from srlib.course.exercises.observations import to_plain

    inputs = task.inputs(seed)
    obs: dict[str, Any] = {"identity": _identity(obj), "values": [], "errors": []}
    with _Trace(watch_builtins=bool(task.forbidden)) as trace:
        for probe in probes(task):
            value, error = None, ""
            torch.manual_seed(seed)
            try:
                value = probe(obj, inputs)
            except NotImplementedError:
                error = "not implemented yet (the cell still raises NotImplementedError)"
            except (Exception, SystemExit, KeyboardInterrupt) as exc:  # the student's code failed: say so
                error = f"raised {exc.__class__.__name__}: {exc}"
            try:
                value = to_plain(value)
            except TypeError as exc:
                value, error = None, f"returned something unexpected ({exc})"
            obs["values"].append(value)
            obs["errors"].append(error)
    obs["srlib_files"] = sorted(trace.files)
    obs["builtins"] = sorted(trace.builtins & set(task.forbidden))
    return obs


# ------------------------------------------------------------------- judging
def expect_count(values, n: int, what: str) -> None:
    """Judges call this first: an observation must hold exactly ``n`` results (empty ones fail)."""
    if not isinstance(values, (list, dict)) or len(values) != n:
        raise ValueError(f"expected {n} {what}")


def _library_use(task: Task, obs: dict) -> str | None:
    modules = [m for m in obs["identity"]["modules"] if m == "srlib" or m.startswith("srlib.")]
    if modules:
        return (f"`{obs['identity']['name']}` is the course library's own code (from {modules[0]}), "
                f"not yours: write `{task.obj}` yourself")
    files = {f.replace(os.sep, "/") for f in obs["srlib_files"]}
    used = [m for m in task.library if m.replace(".", "/") + ".py" in files]
    if used:
        return (f"`{task.obj}` calls the course library's own implementation ({used[0]}): "
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
