"""``srlib grade``: score a class's exercise notebooks; verdicts never come from a student's process.

For each task of each notebook the grader

1. reads the notebook itself and keeps the code cells up to the one that
   defines the task's object; a cell that reaches for the course library's
   own implementation of the task scores 0 (``srlib.grading.source``);
2. starts a fresh student process (``srlib.grading.worker``) with resource
   limits (``srlib.grading.limits``), a time limit, a per-run nonce and a
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
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from srlib.exercises import EXERCISES, Exercise, Task, exercise_of, judge
from srlib.exercises.observations import MAX_BYTES, unpack
from srlib.grading.limits import Limits
from srlib.grading.source import cells_for, library_references

STARTUP_SECONDS = 60  # importing torch in a fresh process, on top of the task's time limit


def find_submissions(paths: list[str]) -> list[tuple[str, Path | None, str]]:
    """(student, notebook or None, problem) for every submission named by ``paths``."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            notebooks = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            if not notebooks:
                found.append((path.name, None, f"{path}: the folder holds no notebooks (.ipynb)"))
            for nb in notebooks:
                found.append((nb.parent.name if nb.parent != path else nb.stem, nb, ""))
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
    except Exception as exc:  # malformed JSON, not a notebook, ...
        return None, [], f"{notebook.name}: not a readable notebook ({exc.__class__.__name__}); re-download it from Jupyter"
    meta = nb.metadata.get("srlib", {}).get("exercise")
    by_name = exercise_of(notebook.stem)
    exercise = meta if meta in EXERCISES else by_name
    if exercise is None:
        return None, [], f"{notebook.name}: cannot tell which exercise this is (name it like ex02_rrdb.ipynb)"
    if meta and by_name and meta != by_name:
        return None, [], f"{notebook.name}: the file name says {by_name} but the notebook is {meta}"
    if expected and exercise != expected:
        return None, [], f"{notebook.name}: this is {exercise}, not the exercise being graded ({expected})"
    return exercise, [c.source for c in nb.cells if c.cell_type == "code"], ""


def _run_student_process(job: dict, timeout: float) -> int | None:
    """Run the worker on ``job``; its exit code, or None when it was stopped at the time limit."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")  # several workers share the machine
    proc = subprocess.Popen([sys.executable, "-m", "srlib.grading.worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        proc.communicate(json.dumps(job).encode(), timeout=timeout + STARTUP_SECONDS)
        return proc.returncode
    except subprocess.TimeoutExpired:
        return None
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever the student's code left behind
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()


def _read_record(path: Path, exercise: Exercise, task: Task, nonce: str) -> tuple[dict | None, str]:
    """The observation record if it answers exactly this task and run, else (None, why)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None, "wrote an observation file over the size limit"
        record = unpack(path.read_bytes())
    except (OSError, ValueError):
        return None, "wrote no readable observations"
    if (record.get("exercise"), record.get("task"), record.get("nonce")) != (exercise.name, task.name, nonce):
        return None, "wrote observations for another task or run"
    return record, ""


def grade_task(cells: list[str], exercise: Exercise, task: Task, timeout: float, limits: Limits) -> dict:
    """The result of one task: points (the task's or 0), what passed, what to fix."""
    result = {"task": task.name, "points": 0, "max": task.points, "messages": [], "passed": []}
    needed = cells_for(cells, task.obj)
    if needed is None:
        result["messages"].append(f"`{task.obj}` is not defined anywhere in the notebook")
        return result
    found = library_references(needed, task.library)
    if found:
        result["messages"].append(f"{found[0]}, the course library's own implementation: write `{task.obj}` yourself")
        return result
    nonce, seed = secrets.token_hex(16), secrets.randbelow(2**31)
    with tempfile.TemporaryDirectory(prefix="srlib-grade-") as private:
        path = Path(private) / "observations.npz"
        job = {"cells": needed, "task": task.name, "nonce": nonce, "seed": seed, "timeout": timeout,
               "limits": limits.as_dict(), "out": str(path)}
        code = _run_student_process(job, timeout)
        record, why = _read_record(path, exercise, task, nonce)
    if code != 0 or record is None:
        what = "did not finish in time" if code is None else (
            f"crashed (exit code {code})" if code != 0 else why)
        result["messages"].append(f"the grading process for `{task.obj}` {what}")
        return result
    result["not_applied"] = [str(m) for m in record.get("not_applied", [])]
    result["messages"] += [str(m) for m in record.get("messages", [])][:20]
    if not isinstance(record.get("observations"), dict):
        return result
    report = judge(task, record["observations"], seed)
    result["messages"] += report.failed
    result["passed"] = report.passed
    result["points"] = task.points if report.ok else 0
    return result


def grade(paths: list[str], out_csv: str | Path, feedback: str | Path | None = None, timeout: float = 120,
          exercise: str | None = None, progress: bool = True, limits: Limits | None = None) -> list[dict]:
    """Grade every submission; write the CSV (and feedback); return the rows."""
    limits = limits or Limits(cpu_seconds=int(timeout) + 30)
    workers = max(1, min(4, os.cpu_count() or 1))
    rows = []
    for student, notebook, problem in find_submissions(paths):
        row = {"student": student, "exercise": "", "file": notebook.name if notebook else "", "total": 0,
               "max": 0, "messages": problem, "tasks": {}}
        if notebook is not None and not problem:
            name, cells, problem = read_notebook(notebook, exercise)
            row["messages"] = problem
            if name:
                row["exercise"] = name
                tasks = EXERCISES[name].tasks
                with ThreadPoolExecutor(max_workers=workers) as pool:  # one student process per task
                    results = list(pool.map(lambda t: grade_task(cells, EXERCISES[name], t, timeout, limits), tasks))
                for task, result in zip(tasks, results):
                    row["tasks"][task.name] = result
                    row["total"] += result["points"]
                    row["max"] += task.points
                if progress:
                    print(f"{student:<20} {name:<30} {row['total']}/{row['max']}", flush=True)
        if problem and progress:
            print(f"{student:<20} {problem}", flush=True)
        rows.append(row)
    not_applied = sorted({m for r in rows for t in r["tasks"].values() for m in t.get("not_applied", [])})
    if not_applied:
        print(f"srlib grade: this platform could not limit {', '.join(not_applied)} per task "
              "(README, instructors' section)", file=sys.stderr)
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
