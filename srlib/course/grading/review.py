"""The instructor's word on flagged tasks: ``--accept STUDENT:TASK`` and ``--accept-file FILE``.

A task the reader flags (``srlib.course.grading.reader``) scores 0 and does not run
until an instructor, having read the cell the CSV names, accepts it: then it
runs, confined as any other, and scores what its code earns. A file of
accepted tasks holds one ``STUDENT:TASK`` per line; blank lines and lines
starting with ``#`` are ignored. Taught in: README (instructors' section).
"""

from __future__ import annotations

from pathlib import Path

from srlib.course.exercises import EXERCISES


def parse_accepted(items: list[str] = (), file: str | Path | None = None) -> set[tuple[str, str]]:
    """{(student, task)} from ``STUDENT:TASK`` strings and the lines of ``file``; ValueError names a bad one."""
    lines = list(items)
    if file is not None:
        lines += [line.strip() for line in Path(file).read_text().splitlines()]
    tasks = {t.name for e in EXERCISES.values() for t in e.tasks}
    accepted = set()
    for line in lines:
        if not line or line.startswith("#"):
            continue
        student, sep, task = line.rpartition(":")
        if not sep or not student or task not in tasks:
            raise ValueError(f"--accept {line!r}: give STUDENT:TASK with a task name of the exercises "
                             f"({', '.join(sorted(tasks))})")
        accepted.add((student, task))
    return accepted
