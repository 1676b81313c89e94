"""The student process: run a notebook's code and one task's probe, report plain data.

    python -m srlib.course.grading.worker < job.json

The grader starts one per task and sends the job on stdin: the code cells
to run (those up to the task's definition, already read and checked by the
grader), the task, a per-run nonce, the seed of the probe's inputs, the time
limit, the resource limits, the file to write and a scratch folder. After its
imports it limits itself, says ``ready`` on stdout (the grader's clock starts
then), and runs the student's code. It decides nothing: it writes
observations (``srlib.course.exercises.observations``, never a score), and the
grader judges them in its own process. Whatever the student's code changes
here can at worst spoil this task's observations.
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


def run_cells(cells: list[str], timeout: float, namespace: dict) -> list[str]:
    """Execute ``cells`` in ``namespace``, each under what is left of ``timeout``; messages for failures."""
    from srlib.course.grading.source import is_check_cell, strip_magics

    messages, start = [], time.monotonic()
    for i, source in enumerate(cells):
        if is_check_cell(source):
            continue  # the notebook's own check cells: the grader judges the task itself
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0:
            messages.append(f"time limit of {timeout:g} s reached before code cell {i + 1}")
            break
        signal.setitimer(signal.ITIMER_REAL, remaining)
        try:
            exec(compile(strip_magics(source), f"<code cell {i + 1}>", "exec"), namespace)
        except Deadline:
            messages.append(f"code cell {i + 1} was stopped at the time limit ({timeout:g} s)")
        except SyntaxError as exc:
            messages.append(f"code cell {i + 1} has a syntax error: {exc.msg} (line {exc.lineno})")
        except MemoryError:
            messages.append(f"code cell {i + 1} ran out of memory (the grader's per-task memory limit)")
        except BaseException as exc:  # noqa: BLE001 - a student's exception is a message, not a crash
            messages.append(f"code cell {i + 1} raised {exc.__class__.__name__}: {exc}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return messages


def warm_up(task) -> None:
    """Run each kind of kernel once, so thread pools, JIT code and lazy imports exist before the limits."""
    import torch

    from srlib.course.exercises.core import observe

    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    y = torch.nn.functional.conv2d(x, torch.randn(4, 3, 3, 3), padding=1)
    (y.relu().sum() + (x.flatten(1) @ x.flatten(1).T).sum()).backward()
    if task.forbidden:  # the first operator-level trace imports much of torch: seconds of CPU
        observe(task, lambda *args: torch.zeros(1), 0)


def main() -> int:
    job = json.loads(sys.stdin.read())
    out = open(job["out"], "wb")  # opened before any student code runs
    import numpy  # noqa: F401 - the libraries load before the limits are set and the clock starts
    import torch  # noqa: F401

    import srlib.checks  # noqa: F401 - what a notebook may import from srlib, loaded before files close
    import srlib.course  # noqa: F401
    from srlib.course.exercises import find_task
    from srlib.course.exercises.core import observe
    from srlib.course.exercises.observations import pack
    from srlib.course.grading.limits import Limits, apply

    exercise, task = find_task(job["task"])
    warm_up(task)
    os.makedirs(job["scratch"], exist_ok=True)
    os.chdir(job["scratch"])  # student files land in the grader's private folder, removed afterwards
    devnull = os.open(os.devnull, os.O_WRONLY)  # opened before the files close
    apply(Limits(**job["limits"]), scratch=job["scratch"])
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    os.dup2(devnull, 1)  # the student's prints go nowhere (a full pipe would block this process)
    signal.signal(signal.SIGALRM, _on_alarm)
    start = time.monotonic()
    namespace = {"__name__": "__main__"}
    messages = run_cells(job["cells"], job["timeout"], namespace)
    observations = None
    obj = namespace.get(task.obj)
    if obj is None:
        messages.append(f"`{task.obj}` is not defined (did its cell raise an error?)")
    else:
        signal.setitimer(signal.ITIMER_REAL, max(job["timeout"] - (time.monotonic() - start), 5.0))
        try:
            observations = observe(task, obj, job["seed"])
        except Deadline:
            messages.append(f"the check of `{task.obj}` was stopped at the time limit")
        except MemoryError:
            messages.append(f"the check of `{task.obj}` ran out of memory (the grader's per-task memory limit)")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    record = {"exercise": exercise.name, "task": task.name, "nonce": job["nonce"],
              "messages": [str(m)[:MAX_MESSAGE_CHARS] for m in messages[:MAX_MESSAGES]],
              "observations": observations}
    out.write(pack(record))
    out.close()
    os._exit(0)  # skip exit handlers a student may have registered


if __name__ == "__main__":
    sys.exit(main())
