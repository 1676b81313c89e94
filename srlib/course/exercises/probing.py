"""The student-side half of an exercise task: its inputs, its observers, and ``observe``.

A ``Probe`` names the object a task grades (``RRDB``), draws the task's inputs
from a seed, and lists the *observers*: functions that call the student's
object on those inputs and return what they saw as plain data. Nothing here
judges. This module, ``observations`` and ``srlib.course.exercises.probes`` are all of
the course library that ``srlib grade`` puts beside a student's code; the
judges and the course's reference code stay in the grader's process.

Two things are watched while the observers run:

- which files of the course library run (``sys.settrace``, the calling thread
  and threads started through ``threading``): a task that calls the course's
  own implementation scores 0;
- the torch built-ins a task forbids (``F.pixel_shuffle`` in exercise 03):
  their kernels are replaced, for every thread of the process, by one that
  records the call and raises (``ForbiddenBuiltins``).

Taught in: README (instructors' section); every exercise notebook's ``check()``.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

import srlib
from srlib.course.exercises.observations import to_plain

SRLIB_DIR = os.path.dirname(os.path.abspath(srlib.__file__))  # the srlib this process imported
_HERE = os.path.dirname(os.path.abspath(__file__))
PROBE_SIDE = (os.path.join(_HERE, "probing.py"), os.path.join(_HERE, "observations.py"),
              os.path.join(_HERE, "probes") + os.sep)  # the files that run beside student code: not "library use"
# The dispatch keys whose kernels a forbidden built-in loses: the CPU kernel, the quantized one and
# the composite one that serves every other backend.
FORBIDDEN_KEYS = ("CPU", "QuantizedCPU", "CompositeExplicitAutogradNonFunctional")


@dataclass(frozen=True)
class Probe:
    """The student-side half of one task: what to call, on which inputs, and how to look at it."""

    task: str  # "rrdb": the name the notebook's check cell uses
    obj: str  # "RRDB": the function or class the student defines
    inputs: Callable[[int], Any]  # seed -> the inputs every observer uses (the judge rebuilds them)
    observers: tuple[Callable[[Any, Any], Any], ...]  # (student's object, inputs) -> plain data
    forbidden: tuple[str, ...] = ()  # torch names the task must not use (e.g. "pixel_shuffle")


class ForbiddenBuiltins:
    """While active, each named torch operator raises in every thread, and each call is recorded.

    ``seen`` holds the names called. The original kernels come back on exit.
    Names that are not ATen operators (``"PixelShuffle"``, a Python class) are
    left to the grader's reading of the source.
    """

    def __init__(self, names: tuple[str, ...]):
        self.ops = tuple(n for n in names if hasattr(torch.ops.aten, n))
        self.seen: set[str] = set()
        self._library = None

    def _refusal(self, name: str):
        def refuse(*args, **kwargs):
            self.seen.add(name)
            raise RuntimeError(f"torch's built-in {name} is what this task asks you to write yourself")
        return refuse

    def __enter__(self) -> ForbiddenBuiltins:
        if self.ops:
            self._library = torch.library.Library("aten", "IMPL")
            with warnings.catch_warnings():  # "overriding a previously registered kernel": that is the point
                warnings.simplefilter("ignore")
                for name in self.ops:
                    for key in FORBIDDEN_KEYS:
                        self._library.impl(name, self._refusal(name), key)
        return self

    def __exit__(self, *exc) -> None:
        if self._library is not None:
            self._library._destroy()
            self._library = None


class LibraryTrace:
    """Records which course-library files run, in this thread and in threads started meanwhile.

    ``library_dirs`` are the srlib folders to watch (this process's own, and in
    the grader's unconfined mode the installed one); the probe side's own files
    are not counted. Only call events are traced, no lines: cheap.
    """

    def __init__(self, library_dirs: tuple[str, ...] = (SRLIB_DIR,)):
        self.roots = tuple(os.path.abspath(d) for d in library_dirs)
        self.files: set[str] = set()

    def _trace(self, frame, event, arg):
        path = frame.f_code.co_filename
        if event == "call" and path.startswith(self.roots) and not path.startswith(PROBE_SIDE):
            root = next(r for r in self.roots if path.startswith(r))
            self.files.add(os.path.relpath(path, os.path.dirname(root)).replace(os.sep, "/"))
        return None  # no line events

    def __enter__(self) -> LibraryTrace:
        self._previous = sys.gettrace(), threading.gettrace()
        sys.settrace(self._trace)
        threading.settrace(self._trace)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(self._previous[0])
        threading.settrace(self._previous[1])


def identity(obj) -> dict:
    """Where the handed-in object comes from: its module, and its base classes' modules."""
    target = getattr(obj, "func", obj)  # functools.partial
    mro = getattr(target, "__mro__", (target,))
    return {"modules": [str(getattr(c, "__module__", "") or "") for c in mro],
            "name": str(getattr(target, "__qualname__", type(target).__name__))}


def observe(probe: Probe, obj, seed: int, library_dirs: tuple[str, ...] = (SRLIB_DIR,),
            guard: ForbiddenBuiltins | None = None) -> dict:
    """Run each observer of ``probe`` on ``obj`` (the student's code) and collect plain data.

    ``guard``: forbidden built-ins already refused for the whole process (the
    grader's student process installs it before any student code runs); without
    it they are refused while the observers run.
    """
    inputs = probe.inputs(seed)
    obs: dict[str, Any] = {"identity": identity(obj), "values": [], "errors": []}
    own_guard = guard is None
    guard = guard or ForbiddenBuiltins(probe.forbidden)
    try:
        if own_guard:
            guard.__enter__()
        with LibraryTrace(library_dirs) as trace:
            for observer in probe.observers:
                value, error = _run_one(observer, obj, inputs, seed)
                obs["values"].append(value)
                obs["errors"].append(error)
    finally:
        if own_guard:
            guard.__exit__(None, None, None)
    obs["srlib_files"] = sorted(trace.files)
    obs["builtins"] = sorted(guard.seen & set(probe.forbidden))
    return obs


def _run_one(observer, obj, inputs, seed: int) -> tuple[Any, str]:
    """(what ``observer`` saw as plain data, '') or (None, why it saw nothing)."""
    value, error = None, ""
    torch.manual_seed(seed)
    try:
        value = observer(obj, inputs)
    except NotImplementedError:
        error = "not implemented yet (the cell still raises NotImplementedError)"
    except (Exception, SystemExit, KeyboardInterrupt) as exc:  # the student's code failed: say so
        error = f"raised {exc.__class__.__name__}: {exc}"
    try:
        value = to_plain(value)
    except TypeError as exc:
        value, error = None, f"returned something unexpected ({exc})"
    return value, error
