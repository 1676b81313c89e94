"""``srlib grade``: score a class's exercise notebooks; verdicts never come from a student's process.

For each task of each notebook the grader

1. reads the notebook itself and keeps the code cells up to the one that
   defines the task's object; a cell that reaches for the course library's
   own implementation of the task scores 0 (``srlib.course.grading.source``);
2. starts a fresh student process (``srlib.course.grading.worker``) with resource
   limits (``srlib.course.grading.limits``), a time limit, a per-run nonce and a
   secret seed; it runs those cells and the task's probe, and writes
   observations as plain data, never a score;
3. checks that the file answers this task of this exercise with this nonce,
   and judges the observations in its own process with the same judge code
   the notebook's ``check()`` uses. Points are the task's points or 0.

A syntax error, an exception, an endless loop, a crash or a bomb costs only
the tasks it touches, and the batch goes on. The exercise is recognised from
the notebook's metadata (``srlib.exercise``) or its file name; the student
from the folder (``submissions/student01/ex02_rrdb.ipynb``) or the file name.
Output: one CSV row per student and exercise, one markdown feedback file per student.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import select
import signal
import stat
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from srlib.course.exercises import EXERCISES, Exercise, Task, exercise_of, judge
from srlib.course.exercises.observations import MAX_BYTES, unpack
from srlib.course.grading.limits import Limits, unsupported_limits
from srlib.course.grading.source import cells_for, code_cells, policy_problems

STARTUP_SECONDS = 90  # a fresh process importing torch, before the task's own time limit starts


def find_submissions(paths: list[str]) -> list[tuple[str, Path | None, str]]:
    """(student, notebook or None, problem) for every submission named by ``paths``.

    The student is the first folder below a named folder (``submissions/alice/...``),
    or the file name of a loose notebook. Symbolic links are refused: a link could
    hand in someone else's notebook.
    """
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_symlink():
            found.append((path.stem, None, f"{path}: a symbolic link; hand in the notebook itself"))
        elif path.is_dir():
            notebooks = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            if not notebooks:
                found.append((path.name, None, f"{path}: the folder holds no notebooks (.ipynb)"))
            for nb in notebooks:
                rel = nb.relative_to(path)
                student = rel.parts[0] if len(rel.parts) > 1 else nb.stem
                linked = any(p.is_symlink() for p in [nb, *nb.parents] if path in p.parents or p == nb)
                found.append((student, None if linked else nb,
                              f"{nb}: a symbolic link; hand in the notebook itself" if linked else ""))
        elif path.suffix == ".ipynb" and path.exists():
            found.append((path.stem, path, ""))
        else:
            why = "no such file" if not path.exists() else "not a notebook (.ipynb)"
            found.append((path.stem, None, f"{path}: {why}"))
    return found


def read_notebook(notebook: Path, expected: str | None) -> tuple[str | None, list[str], str]:
    """(exercise, code cells, problem) from the notebook's metadata or file name; problem is '' when fine."""
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # malformed JSON, not a notebook, a cell that is not text, ...
        return None, [], f"{notebook.name}: not a readable notebook ({exc.__class__.__name__}); re-download it from Jupyter"
    meta = nb.metadata.get("srlib", {})
    meta = meta.get("exercise") if isinstance(meta, dict) else None
    meta = meta if isinstance(meta, str) and meta in EXERCISES else None
    by_name = exercise_of(notebook.stem)
    exercise = meta or by_name
    if exercise is None:
        return None, [], f"{notebook.name}: cannot tell which exercise this is (name it like ex02_rrdb.ipynb)"
    if meta and by_name and meta != by_name:
        return None, [], f"{notebook.name}: the file name says {by_name} but the notebook is {meta}"
    if expected and exercise != expected:
        return None, [], f"{notebook.name}: this is {exercise}, not the exercise being graded ({expected})"
    return exercise, code_cells(nb), ""


def _run_student_process(job: dict, timeout: float) -> int | None:
    """Run the worker on ``job``; its exit code, or None when it was stopped at the time limit.

    The time limit starts when the worker says it is ready (its imports done),
    so a slow start costs nothing and a student who ignores the alarm is
    stopped at the limit.
    """
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")  # several workers share the machine
    proc = subprocess.Popen([sys.executable, "-I", "-m", "srlib.course.grading.worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
                            cwd=job["private"])  # -I and this cwd: nothing of the grader's folders on sys.path
    try:
        proc.stdin.write(json.dumps(job).encode())
        proc.stdin.close()
        ready, _, _ = select.select([proc.stdout], [], [], STARTUP_SECONDS)
        if not ready or not proc.stdout.readline().startswith(b"ready"):
            return None if proc.poll() is None else proc.returncode
        return proc.wait(timeout=timeout + 10)  # + the probe's own deadline margin
    except (subprocess.TimeoutExpired, OSError):
        return None
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever the student's code left behind
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        proc.stdout.close()


def _read_record(path: Path, exercise: Exercise, task: Task, nonce: str) -> tuple[dict | None, str]:
    """The record if it answers exactly this task and run, else (None, why); never follows links or FIFOs."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None, "ended before it reported its results (did the code exit or crash the process?)"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None, "left something other than its results where the grader reads them"
        with os.fdopen(fd, "rb", closefd=False) as f:
            record = unpack(f.read(MAX_BYTES + 1))
    except (OSError, ValueError):
        return None, "reported results the grader cannot read (did the code tamper with the grader?)"
    finally:
        os.close(fd)
    if (record.get("exercise"), record.get("task"), record.get("nonce")) != (exercise.name, task.name, nonce):
        return None, "reported results for another task or run (did the code tamper with the grader?)"
    return record, ""


def _student_messages(record: dict) -> list[str]:
    """The student process's own messages (cell errors), as at most 20 one-line strings."""
    raw = record.get("messages")
    raw = raw if isinstance(raw, list) else []
    return [" ".join(str(m).split())[:300] for m in raw[:20]]


def grade_task(cells: list[str], exercise: Exercise, task: Task, timeout: float, limits: Limits) -> dict:
    """The result of one task: points (the task's or 0), what passed, what to fix."""
    result = {"task": task.name, "points": 0, "max": task.points, "messages": [], "passed": []}
    needed = cells_for(cells, task.obj)
    if needed is None:
        result["messages"].append(f"`{task.obj}` is not defined anywhere in the notebook")
        return result
    found = policy_problems(needed, task.forbidden)
    if found:
        result["messages"].append(f"{found[0]}: the grader does not run it (`{task.obj}` scores 0; README, "
                                  "instructors' section, says what an exercise may use)")
        return result
    nonce, seed = secrets.token_hex(16), secrets.randbelow(2**31)
    with tempfile.TemporaryDirectory(prefix="srlib-grade-") as private:
        path = Path(private) / "results.npz"
        job = {"cells": needed, "task": task.name, "nonce": nonce, "seed": seed, "timeout": timeout,
               "limits": limits.as_dict(), "out": str(path), "scratch": str(Path(private) / "scratch"),
               "private": private}
        code = _run_student_process(job, timeout)
        record, why = _read_record(path, exercise, task, nonce)
    if code != 0 or record is None:
        if code is None:
            why = f"did not finish within the time limit ({timeout:g} s)"
        elif code < 0:
            why = f"was stopped by signal {-code} (a memory, CPU-time or file-size limit, or a crash)"
        elif code != 0:
            why = f"ended with exit code {code} (did the code call sys.exit or crash?)"
        result["messages"].append(f"running your code for `{task.obj}` {why}")
        return result
    result["messages"] += _student_messages(record)
    if not isinstance(record.get("observations"), dict):
        return result
    report = judge(task, record["observations"], seed)
    result["messages"] += report.failed
    result["passed"] = report.passed
    result["points"] = task.points if report.ok else 0
    return result


def _grade_notebook(cells: list[str], name: str, timeout: float, limits: Limits, workers: int) -> dict:
    tasks = EXERCISES[name].tasks
    with ThreadPoolExecutor(max_workers=workers) as pool:  # one student process per task
        return dict(zip((t.name for t in tasks),
                        pool.map(lambda t: grade_task(cells, EXERCISES[name], t, timeout, limits), tasks)))


def grade(paths: list[str], out_csv: str | Path, feedback: str | Path | None = None, timeout: float = 120,
          exercise: str | None = None, progress: bool = True, limits: Limits | None = None) -> list[dict]:
    """Grade every submission; write the CSV (and feedback); return the rows."""
    limits = limits or Limits(cpu_seconds=int(timeout) + 30)
    workers = max(1, min(4, os.cpu_count() or 1))
    missing = unsupported_limits(limits)
    if missing:
        print(f"srlib grade: this platform cannot limit {', '.join(missing)} per task (README, instructors' "
              "section)", file=sys.stderr)
    rows = []
    # every notebook is read before any student code runs: no submission can change another one
    for student, notebook, problem in find_submissions(paths):
        row = {"student": student, "exercise": "", "file": notebook.name if notebook else "", "total": 0,
               "max": 0, "messages": problem, "tasks": {}, "cells": []}
        if notebook is not None and not problem:
            row["exercise"], row["cells"], row["messages"] = read_notebook(notebook, exercise)
        rows.append(row)
    seen = set()
    for row in rows:
        key = (row["student"], row["exercise"])
        if row["exercise"] and key in seen:
            row["messages"] = f"{row['file']}: a second {row['exercise']} notebook of {row['student']}; graded too"
        seen.add(key)
        if row["exercise"]:
            try:
                row["tasks"] = _grade_notebook(row["cells"], row["exercise"], timeout, limits, workers)
            except Exception as exc:  # noqa: BLE001 - one notebook must never stop the class
                row["messages"] = f"the grader could not grade this notebook ({exc.__class__.__name__}: {exc})"
            row["total"] = sum(r["points"] for r in row["tasks"].values())
            row["max"] = sum(t.points for t in EXERCISES[row["exercise"]].tasks)
            if progress:
                print(f"{row['student']:<20} {row['exercise']:<30} {row['total']}/{row['max']}", flush=True)
        if row["messages"] and progress:
            print(f"{row['student']:<20} {row['messages']}", flush=True)
        del row["cells"]
    write_csv(rows, Path(out_csv))
    if feedback:
        write_feedback(rows, Path(feedback))
    return rows


def write_csv(rows: list[dict], path: Path) -> None:
    tasks = [t.name for ex in EXERCISES.values() for t in ex.tasks if any(t.name in r["tasks"] for r in rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "exercise", "file"] + tasks + ["total", "max", "messages"])
        for r in rows:
            messages = r["messages"] or "; ".join(f"{k}: {m}" for k, res in r["tasks"].items() for m in res["messages"])
            writer.writerow([r["student"], r["exercise"], r["file"]]
                            + [r["tasks"][t]["points"] if t in r["tasks"] else "" for t in tasks]
                            + [r["total"], r["max"], messages])


def write_feedback(rows: list[dict], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for student in sorted({r["student"] for r in rows}):
        lines = [f"# Feedback for {student}", ""]
        for r in (r for r in rows if r["student"] == student):
            lines.append(f"## {r['exercise'] or r['file'] or 'submission'}: {r['total']} / {r['max']} points")
            if r["messages"]:
                lines.append(f"- {r['messages']}")
            for task, res in r["tasks"].items():
                lines.append(f"- **{task}**: {res['points']} / {res['max']}")
                lines += [f"  - passed: {p}" for p in res.get("passed", [])]
                lines += [f"  - to fix: {m}" for m in res["messages"]]
            lines.append("")
        (folder / f"{student}.md").write_text("\n".join(lines))
