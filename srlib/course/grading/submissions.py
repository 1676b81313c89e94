"""Which notebooks a class handed in: one row per student and exercise, each read before any student code runs.

The student is the first folder below a named folder
(``submissions/alice/...``; deeper folders count as that student's), or the
file name of a loose notebook. The exercise comes from the notebook's metadata
(``srlib.exercise``) or its file name. Each notebook is checked and read
before any student code runs: a symbolic link, a file larger than
``max_notebook_mb`` (checked before reading), one with more than
``max_code_mb`` of code in its cells (default 1 MB), a malformed notebook or
an unknown exercise gets a row of its own with what to do. A second notebook of
the same student for the same exercise is reported on that student's row, not
graded: the one whose name is the exercise's, nearest the student's folder,
counts. The grader keeps each notebook's SHA-256, not its text, and grades
only if the file is unchanged when its turn comes. Taught in: README
(instructors' section).
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path

from srlib.course.exercises import EXERCISES, exercise_of
from srlib.course.grading.source import code_cells

MAX_NOTEBOOK_MB = 20  # default: an exercise notebook with its outputs is well below 1 MB
MAX_CODE_MB = 1.0  # default: the code cells together (an exercise's code is tens of kB; reading costs memory)


def find_submissions(paths: list[str]) -> list[tuple[str, Path | None, str]]:
    """(student, notebook or None, problem) for every submission named by ``paths``.

    Symbolic links are refused: a link could hand in someone else's notebook.
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


def read_bytes(notebook: Path, max_mb: float) -> bytes:
    """The notebook's bytes, after checking (without reading) that it is a regular file of at most ``max_mb``."""
    fd = os.open(notebook, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{notebook.name}: not a regular file")
        if info.st_size > max_mb * 2**20:
            raise ValueError(f"{notebook.name}: {info.st_size / 2**20:,.0f} MB, more than the grader reads "
                             f"({max_mb:g} MB, --max-notebook-mb); clear its outputs and hand it in again")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(int(max_mb * 2**20) + 1)
    finally:
        os.close(fd)


def parse_notebook(data: bytes, notebook: Path, expected: str | None,
                   max_code_mb: float = MAX_CODE_MB) -> tuple[str | None, list[str], str]:
    """(exercise, code cells, problem) of the notebook file ``notebook`` holding ``data``; problem is '' when fine.

    Code cells longer than ``max_code_mb`` in all are not read (the grader's memory grows with the code it reads)."""
    import nbformat

    try:
        nb = nbformat.read(io.StringIO(data.decode("utf-8")), as_version=4)
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
    cells = code_cells(nb)
    size = sum(len(c) for c in cells)
    if size > max_code_mb * 2**20:
        return None, [], (f"{notebook.name}: {size / 2**20:,.1f} MB of code in its cells, more than the grader "
                          f"reads ({max_code_mb:g} MB, --max-code-mb); an exercise needs far less")
    return exercise, cells, ""


def read_notebook(notebook: Path, expected: str | None, max_mb: float = MAX_NOTEBOOK_MB,
                  digest: str | None = None, max_code_mb: float = MAX_CODE_MB) -> tuple[str | None, list[str], str]:
    """(exercise, code cells, problem) of a notebook file; problem is '' when fine.

    With ``digest``, the file must still have that SHA-256 (it was read before any student code ran).
    """
    try:
        data = read_bytes(notebook, max_mb)
    except ValueError as exc:
        return None, [], str(exc)
    except OSError as exc:
        return None, [], f"{notebook.name}: cannot be read ({exc.strerror})"
    if digest is not None and hashlib.sha256(data).hexdigest() != digest:
        return None, [], f"{notebook.name}: changed while the class was graded; grade it again"
    return parse_notebook(data, notebook, expected, max_code_mb)


def submission_rows(paths: list[str], exercise: str | None, max_mb: float,
                    max_code_mb: float = MAX_CODE_MB) -> list[dict]:
    """One row per student and exercise (and one per unusable file), each notebook read and hashed now."""
    rows = []
    for student, notebook, problem in find_submissions(paths):
        row = {"student": student, "exercise": "", "file": notebook.name if notebook else "", "total": 0,
               "max": 0, "messages": problem, "tasks": {}, "path": notebook, "digest": None}
        if notebook is not None and not problem:
            try:
                data = read_bytes(notebook, max_mb)
                found, _, row["messages"] = parse_notebook(data, notebook, exercise, max_code_mb)
                row["exercise"] = found or ""
                row["digest"] = hashlib.sha256(data).hexdigest()
            except ValueError as exc:
                row["messages"] = str(exc)
            except OSError as exc:
                row["messages"] = f"{notebook.name}: cannot be read ({exc.strerror})"
        rows.append(row)
    graded: dict[tuple[str, str], dict] = {}
    extra: dict[int, list[str]] = {}
    rank = lambda r: (r["path"].stem != r["exercise"], len(r["path"].parts), str(r["path"]))  # noqa: E731
    for row in sorted((r for r in rows if r["exercise"]), key=rank):
        first = graded.setdefault((row["student"], row["exercise"]), row)
        if first is not row:
            extra.setdefault(id(first), []).append(row["file"])
            row["drop"] = True
    for first in graded.values():
        others = extra.get(id(first), [])
        if others:
            named = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            note = (f"{named}: {'another' if len(others) == 1 else len(others)} {first['exercise']} notebook"
                    f"{'s' if len(others) > 1 else ''} of this student, not graded (one per exercise; "
                    f"{first['file']} was)")
            first["messages"] = "; ".join(filter(None, [first["messages"], note]))
    return [r for r in rows if not r.get("drop")]
