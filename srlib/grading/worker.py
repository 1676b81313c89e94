"""Grade one task of one notebook, in a fresh process (the grader starts one per task).

    python -m srlib.grading.worker NOTEBOOK EXERCISE TASK_INDEX RESULT_FILE TIMEOUT

Runs the notebook's code cells in order up to the cell that defines the task's
object (later cells cannot affect this task), each under a deadline, then runs
the task's check from ``srlib.checks`` and writes the result as JSON to
RESULT_FILE. The check function is bound before any student code runs, and
the score is read only from RESULT_FILE (in a private folder of the grader),
so printing a score or writing files earns nothing.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import sys
import tempfile
import time


class Deadline(BaseException):
    """Raised by the alarm; a BaseException so a student's `except Exception` cannot swallow it."""


def _on_alarm(signum, frame):
    raise Deadline()


def defined_names(source: str) -> set[str]:
    """Top-level functions, classes and assigned names in a cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def strip_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def main(argv: list[str]) -> int:
    notebook, exercise, task_index, result_file, timeout = argv[0], argv[1], int(argv[2]), argv[3], float(argv[4])
    import nbformat

    from srlib.checks import run_check  # bound before any student code runs
    from srlib.grading.exercises import EXERCISES

    task = EXERCISES[exercise][task_index]
    write = open(result_file, "w")  # opened before student code; the path is never shown to it
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    result = {"task": task.check, "points": 0, "max": task.points, "messages": []}
    last = max((i for i, src in enumerate(cells) if task.obj in defined_names(src)), default=None)
    if last is None:
        result["messages"].append(f"`{task.obj}` is not defined anywhere in the notebook")
        json.dump(result, write)
        return 0
    os.chdir(tempfile.mkdtemp(prefix="grading-"))  # student files land in a scratch folder
    namespace = {"__name__": "__main__"}
    signal.signal(signal.SIGALRM, _on_alarm)
    start = time.monotonic()
    for i, source in enumerate(cells[: last + 1]):
        if "check(" in source and not defined_names(source):
            continue  # the notebook's own check cells: the grader runs the check itself
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0:
            result["messages"].append(f"time limit of {timeout:g} s reached before code cell {i + 1}")
            break
        signal.setitimer(signal.ITIMER_REAL, remaining)
        try:
            exec(compile(strip_magics(source), f"<code cell {i + 1}>", "exec"), namespace)
        except Deadline:
            result["messages"].append(f"code cell {i + 1} was stopped at the time limit ({timeout:g} s)")
        except SyntaxError as exc:
            result["messages"].append(f"code cell {i + 1} has a syntax error: {exc.msg} (line {exc.lineno})")
        except BaseException as exc:  # noqa: BLE001 - a student's exception is a message, not a crash
            result["messages"].append(f"code cell {i + 1} raised {exc.__class__.__name__}: {exc}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    obj = namespace.get(task.obj)
    if obj is None:
        result["messages"].append(f"`{task.obj}` is not defined (did its cell raise an error?)")
    else:
        signal.setitimer(signal.ITIMER_REAL, max(timeout - (time.monotonic() - start), 5.0))
        try:
            report = run_check(task.check, obj)
            result["messages"] += report.failed
            result["passed"] = report.passed
            result["points"] = task.points if report.ok else 0
        except Deadline:
            result["messages"].append(f"the check of `{task.obj}` was stopped at the time limit")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    json.dump(result, write)
    write.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
