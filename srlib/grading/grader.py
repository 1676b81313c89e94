"""``srlib grade``: score a class's exercise notebooks with the checks the students saw.

Each task of each notebook is graded in its own fresh Python process
(``srlib.grading.worker``) with a time limit, so a syntax error, an
exception, a missing function, an endless loop or a crashed process costs
only the tasks it touches, and never stops the batch. The exercise is
recognised from the notebook's metadata (``srlib.exercise``, written into
every handed-out exercise) or its file name; the student from the folder
(``submissions/student01/ex02_rrdb.ipynb``) or, for loose files, the file name.
Output: one CSV row per student and exercise (one column per task, ``total``,
``max``, ``messages``) and a markdown feedback file per student.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from srlib.grading.exercises import EXERCISES, exercise_of


def find_submissions(paths: list[str]) -> list[tuple[str, Path | None, str]]:
    """(student, notebook or None, problem) for every submission named by ``paths``."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            notebooks = sorted(path.rglob("*.ipynb"))
            notebooks = [p for p in notebooks if ".ipynb_checkpoints" not in p.parts]
            if not notebooks:
                found.append((path.name, None, f"{path}: the folder holds no notebooks (.ipynb)"))
            for nb in notebooks:
                student = nb.parent.name if nb.parent != path else nb.stem
                found.append((student, nb, ""))
        elif path.suffix == ".ipynb" and path.exists():
            found.append((path.stem, path, ""))
        else:
            why = "no such file" if not path.exists() else "not a notebook (.ipynb)"
            found.append((path.stem, None, f"{path}: {why}"))
    return found


def identify(notebook: Path, expected: str | None) -> tuple[str | None, str]:
    """(exercise, problem) from metadata or file name; problem is '' when fine."""
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as exc:  # malformed JSON, not a notebook, ...
        return None, f"{notebook.name}: not a readable notebook ({exc.__class__.__name__}); re-download it from Jupyter"
    meta = nb.metadata.get("srlib", {}).get("exercise")
    by_name = exercise_of(notebook.stem)
    exercise = meta or by_name
    if exercise is None:
        return None, f"{notebook.name}: cannot tell which exercise this is (name it like ex02_rrdb.ipynb)"
    if meta and by_name and meta != by_name:
        return None, f"{notebook.name}: the file name says {by_name} but the notebook is {meta}"
    if expected and exercise != expected:
        return None, f"{notebook.name}: this is {exercise}, not the exercise being graded ({expected})"
    return exercise, ""


def grade_task(notebook: Path, exercise: str, index: int, timeout: float) -> dict:
    task = EXERCISES[exercise][index]
    with tempfile.TemporaryDirectory(prefix="srlib-grade-") as private:
        result_file = Path(private) / "result.json"
        cmd = [sys.executable, "-m", "srlib.grading.worker", str(notebook.resolve()), exercise, str(index),
               str(result_file), str(timeout)]
        try:
            env = dict(os.environ, OMP_NUM_THREADS="1")  # several workers share the machine
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 120,
                                  stdin=subprocess.DEVNULL, env=env)
            crashed = proc.returncode != 0
        except subprocess.TimeoutExpired:
            crashed, proc = True, None
        try:
            result = json.loads(result_file.read_text())
        except (OSError, ValueError):
            why = "did not finish in time" if proc is None else f"crashed (exit code {proc.returncode})"
            result = {"task": task.check, "points": 0, "max": task.points,
                      "messages": [f"the grading process for `{task.obj}` {why}"]}
        if crashed and proc is not None and result.get("points"):
            result["points"] = 0  # a result is only trusted from a worker that exited cleanly
    return result


def grade(paths: list[str], out_csv: str | Path, feedback: str | Path | None = None, timeout: float = 120,
          exercise: str | None = None, progress: bool = True) -> list[dict]:
    """Grade every submission; write the CSV (and feedback); return the rows."""
    workers = max(1, min(4, os.cpu_count() or 1))
    rows = []
    for student, notebook, problem in find_submissions(paths):
        row = {"student": student, "exercise": "", "file": notebook.name if notebook else "", "total": 0,
               "max": 0, "messages": problem, "tasks": {}}
        if notebook is not None and not problem:
            ex, problem = identify(notebook, exercise)
            row["messages"] = problem
            if ex:
                row["exercise"] = ex
                tasks = EXERCISES[ex]
                with ThreadPoolExecutor(max_workers=workers) as pool:  # one process per task
                    results = list(pool.map(lambda i: grade_task(notebook, ex, i, timeout), range(len(tasks))))
                for task, result in zip(tasks, results):
                    row["tasks"][task.check] = result
                    row["total"] += result["points"]
                    row["max"] += task.points
                if progress:
                    print(f"{student:<20} {ex:<30} {row['total']}/{row['max']}", flush=True)
        if problem and progress:
            print(f"{student:<20} {problem}", flush=True)
        rows.append(row)
    write_csv(rows, Path(out_csv))
    if feedback:
        write_feedback(rows, Path(feedback))
    return rows


def write_csv(rows: list[dict], path: Path) -> None:
    tasks = [t.check for ex in EXERCISES.values() for t in ex if any(t.check in r["tasks"] for r in rows)]
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
