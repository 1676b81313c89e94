"""The student process: run a notebook's code and one task's probe, report plain data.

The grader starts one per task (``srlib.course.grading.runner``), inside the sandbox
(``srlib.course.grading.sandbox``) where it can, with the student side of srlib only
(``srlib.course.grading.student_library``: no judge, no reference code), and sends
the job on stdin: the code cells to run (already read, and emptied where they
are the notebook's own check cells), the task, a per-run nonce, the seed of the
probe's inputs, the time limit, the resource limits. After its imports it
refuses the task's forbidden built-ins in every thread, limits itself
(``srlib.course.grading.limits``), says ``ready`` (the grader's clock starts then)
and runs the student's code. It decides nothing: it writes observations
(``srlib.course.exercises.observations``, never a score) to the grader, which judges
them in its own process. Whatever the student's code changes here can at worst
spoil this task's observations. Taught in: README (instructors' section).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

MAX_MESSAGES, MAX_MESSAGE_CHARS = 20, 300


class Deadline(BaseException):
    """Raised by the alarm; a BaseException so a student's `except Exception` cannot swallow it."""


def _on_alarm(signum, frame):
    raise Deadline()


def _alarm(seconds: float) -> None:
    """Raise ``Deadline`` in ``seconds`` (0 cancels); where there is no timer the grader's clock alone stops it."""
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, seconds)


def run_cells(cells: list[str], timeout: float, namespace: dict) -> list[str]:
    """Execute ``cells`` in ``namespace``, each under what is left of ``timeout``; messages for failures."""
    messages, start = [], time.monotonic()
    for i, source in enumerate(cells):
        if not source.strip():
            continue  # the course's own cells and the notebook's check cells
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0:
            messages.append(f"time limit of {timeout:g} s reached before code cell {i + 1}")
            break
        _alarm(remaining)
        try:
            exec(compile(source, f"<code cell {i + 1}>", "exec"), namespace)
        except Deadline:
            messages.append(f"code cell {i + 1} was stopped at the time limit ({timeout:g} s)")
        except SyntaxError as exc:
            messages.append(f"code cell {i + 1} has a syntax error: {exc.msg} (line {exc.lineno})")
        except MemoryError:
            messages.append(f"code cell {i + 1} ran out of memory (the grader's per-task memory limit)")
        except BaseException as exc:  # noqa: BLE001 - a student's exception is a message, not a crash
            messages.append(f"code cell {i + 1} raised {exc.__class__.__name__}: {exc}")
        finally:
            _alarm(0)
    return messages


def warm_up() -> None:
    """Run each kind of kernel once, so thread pools, JIT code and lazy imports exist before the limits."""
    import torch

    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    y = torch.nn.functional.conv2d(x, torch.randn(4, 3, 3, 3), padding=1)
    (y.relu().sum() + (x.flatten(1) @ x.flatten(1).T).sum()).backward()


def observe_task(probe, namespace: dict, job: dict, guard, start: float) -> tuple[dict | None, list[str]]:
    """(observations, messages) of the task's probe on the student's object, under what is left of the time."""
    from srlib.course.exercises.probing import SRLIB_DIR, observe

    obj = namespace.get(probe.obj)
    if obj is None:
        return None, [f"`{probe.obj}` is not defined (did its cell raise an error?)"]
    _alarm(max(job["timeout"] - (time.monotonic() - start), 5.0))
    try:
        return observe(probe, obj, job["seed"], tuple(job["library_dirs"]) + (SRLIB_DIR,), guard), []
    except Deadline:
        return None, [f"the check of `{probe.obj}` was stopped at the time limit"]
    except MemoryError:
        return None, [f"the check of `{probe.obj}` ran out of memory (the grader's per-task memory limit)"]
    finally:
        _alarm(0)


def main() -> int:
    job = json.loads(sys.stdin.read())
    report = os.fdopen(os.dup(1), "wb")  # the grader's channel; fd 1 goes to /dev/null before student code runs
    import numpy  # noqa: F401 - the libraries load before the limits are set and the clock starts
    import torch  # noqa: F401

    import srlib.checks  # noqa: F401 - what a notebook may import from srlib, loaded before the limits
    import srlib.course  # noqa: F401
    from srlib.course.exercises.observations import pack
    from srlib.course.exercises.probes import PROBES
    from srlib.course.exercises.probing import ForbiddenBuiltins
    from srlib.course.grading.limits import Limits, apply

    probe = PROBES[job["task"]]
    warm_up()
    os.makedirs(job["scratch"], exist_ok=True)
    os.chdir(job["scratch"])
    guard = ForbiddenBuiltins(probe.forbidden).__enter__()  # in every thread, before any student code
    devnull = os.open(os.devnull, os.O_WRONLY)
    missing = apply(Limits(**job["limits"]))
    report.write(b"ready " + json.dumps({"missing": missing}).encode() + b"\n")
    report.flush()
    os.dup2(devnull, 1)  # the student's prints go nowhere (a full pipe would block this process)
    os.dup2(devnull, 2)
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _on_alarm)
    start = time.monotonic()
    namespace = {"__name__": "__main__"}
    messages = run_cells(job["cells"], job["timeout"], namespace)
    observations, more = observe_task(probe, namespace, job, guard, start)
    record = {"task": probe.task, "nonce": job["nonce"], "observations": observations,
              "messages": [str(m)[:MAX_MESSAGE_CHARS] for m in (messages + more)[:MAX_MESSAGES]]}
    data = pack(record)
    report.write(b"result %d\n" % len(data) + data)
    report.flush()
    os._exit(0)  # skip exit handlers a student may have registered


if __name__ == "__main__":
    sys.exit(main())
