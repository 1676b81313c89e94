"""What the grader writes, once, after the whole class: the CSV, the feedback files, the closing lines.

CSV: one row per student and exercise, one column per task (points), then
``total``, ``max``, ``needs_review`` (the tasks an instructor must read before
they can score, with the cell and the reason), ``confinement`` (``bwrap``, or
``unconfined`` when graded with ``--unconfined``) and ``messages``. A cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading ``'`` (OWASP's advice against CSV injection), whoever wrote it: a
student's folder name or notebook name reaches this file. Feedback: one
markdown file per student, named from the student's name with anything but
letters, digits, ``.``, ``_`` and ``-`` replaced, and then a short hash of the
name when that changed it or when two names would give one file (also with
case ignored, as on macOS or Windows): ``alice~ex02`` and ``alice_ex02`` get
two files. What students wrote (names, file names, messages, cells) is
escaped in the markdown, so it cannot add headings, links or HTML. While the batch runs, each
finished row is also appended (and synced) to ``<csv name>.incomplete.csv``,
removed once the CSV is written (``Progress``). What reaches the console
has its control characters replaced: a folder name cannot send escape codes to
the instructor's terminal. Taught in: README (instructors' section).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
from pathlib import Path

from srlib.course.exercises import EXERCISES

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` as a spreadsheet will not run it: strings that could start a formula get a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def printable(text: str) -> str:
    """``text`` for the instructor's terminal: control characters (escape sequences) shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in str(text))


def review_cell(row: dict) -> str:
    """The row's tasks that need (or had) an instructor's review, with where and why."""
    return "; ".join(f"{task}: {'accepted: ' if res.get('accepted') else ''}{res['review']}"
                     for task, res in row["tasks"].items() if res.get("review"))


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` all at once: a new file renamed over the old one, never through a link."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, fresh = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(fresh, 0o666 & ~umask)  # as open() would have made it
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.replace(fresh, path)
    except BaseException:
        os.unlink(fresh)
        raise


def write_csv(rows: list[dict], path: Path, confinement: str) -> None:
    """The class's grades; ``confinement`` is how student code ran ("bwrap" or "unconfined")."""
    tasks = [t.name for ex in EXERCISES.values() for t in ex.tasks if any(t.name in r["tasks"] for r in rows)]
    with io.StringIO(newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "exercise", "file"] + tasks + ["total", "max", "needs_review", "confinement",
                                                                  "messages"])
        for r in rows:
            messages = "; ".join(filter(None, [r["messages"]] + [f"{k}: {m}" for k, res in r["tasks"].items()
                                                                   for m in res["messages"]]))
            cells = ([r["student"], r["exercise"], r["file"]]
                     + [r["tasks"][t]["points"] if t in r["tasks"] else "" for t in tasks]
                     + [r["total"], r["max"], review_cell(r), confinement, messages])
            writer.writerow([neutralise(c) for c in cells])
        write_file(path, f.getvalue())


def _tag(student: str) -> str:
    return hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:8]


class Progress:
    """The rows graded so far, each written durably as it finishes, in a file of the grader's beside the CSV
    (``grades.incomplete.csv``), every row marked incomplete: if the grader is killed, the work done stands.

    The CSV itself is still written once, after the batch; this file is removed then. Student processes
    cannot reach it in the sandbox (only ``/tmp`` of their own is writable there); unconfined they can, as
    they can reach the CSV's folder."""

    COLUMNS = ["status", "student", "exercise", "file", "tasks", "total", "max", "needs_review", "confinement",
               "messages"]

    def __init__(self, out: Path, confinement: str):
        self.path, self.confinement = out.with_name(f"{out.stem}.incomplete.csv"), confinement
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_symlink() or self.path.exists():
            self.path.unlink()  # never written through a planted link
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        self.file = os.fdopen(fd, "w", newline="")
        self.writer = csv.writer(self.file)
        self._write(self.COLUMNS)

    def _write(self, cells: list) -> None:
        self.writer.writerow([neutralise(c) for c in cells])
        self.file.flush()
        os.fsync(self.file.fileno())

    def add(self, r: dict) -> None:
        tasks = "; ".join(f"{k}: {res['points']}/{res['max']}" for k, res in r["tasks"].items())
        messages = "; ".join(filter(None, [r["messages"]] + [f"{k}: {m}" for k, res in r["tasks"].items()
                                                               for m in res["messages"]]))
        self._write(["incomplete: srlib grade did not finish", r["student"], r["exercise"], r["file"], tasks,
                     r["total"], r["max"], review_cell(r), self.confinement, messages])

    def done(self) -> None:
        """The CSV is written: this file goes."""
        self.file.close()
        self.path.unlink(missing_ok=True)


def feedback_name(student: str, tagged: bool = False) -> str:
    """A safe file name for a student's feedback (never a path, never hidden); a short hash of the name is added
    when the name had to change, or when ``tagged`` (two names would otherwise share a file)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", student).lstrip(".") or "student"
    if tagged or name != student:
        name = f"{name[:100]}-{_tag(student)}"
    return f"{name[:110]}.md"


def feedback_names(students: list[str]) -> dict[str, str]:
    """Each student's feedback file name, distinct even where the file system ignores case."""
    names = {s: feedback_name(s) for s in students}
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name.casefold()] = seen.get(name.casefold(), 0) + 1
    names = {s: feedback_name(s, True) if seen[n.casefold()] > 1 else n for s, n in names.items()}
    taken: set[str] = set()
    for s, n in names.items():  # a name planted to equal another's hashed one: numbered, never shared
        k = 1
        while names[s].casefold() in taken:
            names[s], k = f"{n[:-3]}-{k}.md", k + 1
        taken.add(names[s].casefold())
    return names


MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~<>&])")


def md(text) -> str:
    """Student-controlled ``text`` for a markdown line: one line, every markdown or HTML character escaped."""
    return MARKDOWN.sub(r"\\\1", printable(" ".join(str(text).split())))


def write_feedback(rows: list[dict], folder: Path) -> None:
    """One markdown file per student: points, what passed, what to fix, what waits for review."""
    folder.mkdir(parents=True, exist_ok=True)
    names = feedback_names(sorted({r["student"] for r in rows}))
    for student, file_name in names.items():
        lines = [f"# Feedback for {md(student)}", ""]
        for r in (r for r in rows if r["student"] == student):
            lines.append(f"## {md(r['exercise'] or r['file'] or 'submission')}: {r['total']} / {r['max']} points")
            if r["messages"]:
                lines.append(f"- {md(r['messages'])}")
            for task, res in r["tasks"].items():
                lines.append(f"- **{md(task)}**: {res['points']} / {res['max']}")
                lines += [f"  - passed: {md(p)}" for p in res.get("passed", [])]
                lines += [f"  - to fix: {md(m)}" for m in res["messages"]]
                if res.get("review") and not res.get("accepted"):
                    lines.append(f"  - waits for your instructor's review: {md(res['review'])}")
            lines.append("")
        write_file(folder / file_name, "\n".join(lines))


def closing_lines(rows: list[dict], confinement: str, missing: set[str], changed: list[str]) -> list[str]:
    """What the console says at the end: reviews pending, limits not applied, confinement, srlib changes."""
    lines = []
    pending = [(r["student"], t) for r in rows for t, res in r["tasks"].items()
               if res.get("review") and not res.get("accepted")]
    if pending:
        lines.append(f"{len(pending)} task(s) need review (column needs_review); after reading them, accept with "
                     f"--accept STUDENT:TASK, e.g. --accept {pending[0][0]}:{pending[0][1]}")
    if missing:
        lines.append(f"limits this platform could not apply: {', '.join(sorted(missing))}")
    if changed:
        lines.append(f"WARNING: srlib's installed files changed during grading ({', '.join(changed[:5])}); the tasks "
                     "that ran then need review, the other rows stand (the judges were loaded before any student "
                     "code ran); reinstall srlib before grading again")
    if confinement != "bwrap":
        lines.append("graded WITHOUT confinement (--unconfined): student code ran as you, with your files; "
                     "README, instructors' section, says what is then not guaranteed (column confinement)")
    return lines
