"""``srlib grade``: score a class's exercise notebooks; verdicts never come from a student's process.

For each task of each notebook the grader

1. reads the code the task needs (``srlib.course.grading.source``) and flags for
   review what it cannot read to the end (``srlib.course.grading.reader``): such a
   task scores 0 and does not run unless an instructor accepts it;
2. starts a fresh student process (``srlib.course.grading.runner``), confined by
   bubblewrap (``srlib.course.grading.sandbox``), holding only the student side of
   srlib (no judge, no reference code), with resource limits, a time limit,
   a per-run nonce and a secret seed; it runs those cells and the task's probe
   and reports plain data, never a score;
3. checks that the report answers this task with this nonce, and judges the
   observations in its own process with the same judge code the notebook's
   ``check()`` uses. Points are the task's points or 0.

The judges are loaded before any student code runs, the installed srlib is
hashed at the start and verified after every task, every notebook is read
(and hashed) before any student code runs, and the CSV is written once, after
the batch (``srlib.course.grading.report``); meanwhile each finished row is
synced to a progress file beside it, so a killed grader leaves the rows
graded so far, marked incomplete. Taught in: README (instructors' section).
"""

from __future__ import annotations

import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from srlib.course.exercises import EXERCISES, Exercise, Task, judge
from srlib.course.grading.integrity import Fingerprint
from srlib.course.grading.limits import Limits
from srlib.course.grading.reader import review_reasons
from srlib.course.grading.report import Progress, closing_lines, printable, write_csv, write_feedback
from srlib.course.grading.review import parse_accepted
from srlib.course.grading.runner import Session, read_report
from srlib.course.grading.source import cells_for, prepare
from srlib.course.grading.submissions import MAX_CODE_MB, MAX_NOTEBOOK_MB, read_notebook, submission_rows

JUDGING = threading.Lock()  # judges seed torch's global generator (exercise 07's networks): one judge at a time


def _why_no_record(code: int | None, record: dict | None, timeout: float) -> str:
    if code is None:
        return f"did not finish within the time limit ({timeout:g} s)"
    if code < 0:
        return f"was stopped by signal {-code} (a memory, CPU-time or file-size limit, or a crash)"
    if code != 0:
        return f"ended with exit code {code} (did the code call sys.exit or crash?)"
    return "ended before it reported its results (did the code exit or crash the process?)"


def _student_messages(record: dict) -> list[str]:
    """The student process's own messages (cell errors), as at most 20 one-line strings."""
    raw = record.get("messages")
    raw = raw if isinstance(raw, list) else []
    return [" ".join(str(m).split())[:300] for m in raw[:20]]


def grade_task(cells: list[str], exercise: Exercise, task: Task, timeout: float, session: Session,
               accepted: bool = False, prepared: tuple[list[set[str]], list[str]] | None = None) -> dict:
    """The result of one task: points (the task's or 0), what passed, what to fix, what needs review.

    ``prepared``: ``source.prepare(cells)``, each cell read once for all the notebook's tasks."""
    result = {"task": task.name, "points": 0, "max": task.points, "messages": [], "passed": [], "review": "",
              "accepted": False, "missing": []}
    names, runs = prepared or prepare(cells)
    needed = cells_for(runs, task.obj, names)
    if needed is None:
        result["messages"].append(f"`{task.obj}` is not defined anywhere in the notebook")
        return result
    reasons = review_reasons(needed, task.forbidden)
    if reasons:
        result["review"], result["accepted"] = "; ".join(reasons), accepted
        if not accepted:
            result["messages"].append(f"needs review: {reasons[0]} (0 points until an instructor accepts it)")
            return result
    nonce, seed = secrets.token_hex(16), secrets.randbelow(2**31)
    job = {"cells": needed, "task": task.name, "nonce": nonce, "seed": seed, "timeout": timeout,
           "limits": session.limits.as_dict()}
    outcome = session.run(job, timeout)
    result["missing"] = outcome.missing
    try:
        record = read_report(outcome.report)
        if (record.get("task"), record.get("nonce")) != (task.name, nonce):
            raise ValueError("another task or run")
    except ValueError:
        record = None
    if outcome.code != 0 or record is None:
        result["messages"].append(f"running your code for `{task.obj}` {_why_no_record(outcome.code, record, timeout)}")
        return result
    result["messages"] += _student_messages(record)
    if not isinstance(record.get("observations"), dict):
        return result
    with JUDGING:
        report = judge(task, record["observations"], seed)
    result["messages"] += report.failed
    result["passed"] = report.passed
    result["points"] = task.points if report.ok else 0
    return result


def _grade_row(row: dict, timeout: float, session: Session, accepted: set, pool: ThreadPoolExecutor,
               fingerprint: Fingerprint, max_mb: float, max_code_mb: float = MAX_CODE_MB) -> None:
    """Fill ``row`` with its tasks' results (one student process per task, ``pool`` wide)."""
    exercise = EXERCISES[row["exercise"]]
    row["max"] = sum(t.points for t in exercise.tasks)
    _, cells, problem = read_notebook(row["path"], row["exercise"], max_mb, digest=row["digest"],
                                      max_code_mb=max_code_mb)
    if problem:
        row["messages"] = "; ".join(filter(None, [row["messages"], problem]))
        return

    prepared = prepare(cells)  # each cell read once, for all the tasks

    def one(task: Task) -> dict:
        result = grade_task(cells, exercise, task, timeout, session, (row["student"], task.name) in accepted,
                            prepared)
        changed = fingerprint.changed()
        if changed:  # this task (or one beside it) changed the installed library: a person must look
            result["points"], result["accepted"] = 0, False
            result["review"] = f"srlib's installed files changed while it ran ({', '.join(changed[:5])})"
        return result

    row["tasks"] = dict(zip((t.name for t in exercise.tasks), pool.map(one, exercise.tasks)))
    row["total"] = sum(r["points"] for r in row["tasks"].values())


def grade(paths: list[str], out_csv: str | Path, feedback: str | Path | None = None, timeout: float = 120,
          exercise: str | None = None, progress: bool = True, limits: Limits | None = None,
          unconfined: bool = False, accept: list[str] = (), accept_file: str | None = None,
          max_notebook_mb: float = MAX_NOTEBOOK_MB, bwrap: str | None = None,
          max_code_mb: float = MAX_CODE_MB) -> list[dict]:
    """Grade every submission; write the CSV (and feedback) once, at the end; return the rows.

    Raises ConfinementUnavailable (a ValueError) when student code cannot be
    confined here and ``unconfined`` is not set.
    """
    limits = limits or Limits(cpu_seconds=int(timeout) + 30)
    accepted = parse_accepted(list(accept), accept_file)
    fingerprint = Fingerprint()
    session = Session(limits, unconfined, bwrap)  # refuses here, before anything else, when it cannot confine
    workers = 1 if unconfined else max(1, min(4, os.cpu_count() or 1))  # unconfined: one task at a time
    rows: list[dict] = []
    try:
        rows = submission_rows(paths, exercise, max_notebook_mb, max_code_mb)  # read before any student code
        progress_file = Progress(Path(out_csv), session.name)  # the rows so far, should the grader be killed
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for row in rows:
                if row["exercise"]:
                    try:
                        _grade_row(row, timeout, session, accepted, pool, fingerprint, max_notebook_mb, max_code_mb)
                    except Exception as exc:  # noqa: BLE001 - one notebook must never stop the class
                        row["messages"] = f"the grader could not grade this notebook ({exc.__class__.__name__}: {exc})"
                    if progress:
                        print(printable(f"{row['student']:<20} {row['exercise']:<30} {row['total']}/{row['max']}"),
                              flush=True)
                if row["messages"] and progress:
                    print(printable(f"{row['student']:<20} {row['messages']}"), flush=True)
                progress_file.add(row)
    finally:
        session.close()
    changed = sorted(fingerprint.reported | set(fingerprint.changed()))
    missing = {m for r in rows for res in r["tasks"].values() for m in res.get("missing", [])}
    write_csv(rows, Path(out_csv), session.name)
    progress_file.done()
    if feedback:
        write_feedback(rows, Path(feedback))
    for line in closing_lines(rows, session.name, missing, changed):
        print(printable(f"srlib grade: {line}"), flush=True)
    for row in rows:
        for key in ("path", "digest"):
            row.pop(key, None)
    return rows
