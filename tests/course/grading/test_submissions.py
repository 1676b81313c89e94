"""What the grader makes of a class's files, and what it writes: no student code runs here."""

import csv
import json
import os
import shutil

import nbformat
import pytest

from helpers import ROOT
from srlib.course.grading.report import feedback_name, neutralise, write_csv, write_feedback
from srlib.course.grading.review import parse_accepted
from srlib.course.grading.submissions import read_notebook, submission_rows

SOLUTIONS = ROOT / "solutions"


def test_one_row_per_student_and_exercise(tmp_path):
    """The duplicate-notebooks trick: three copies of one exercise give one row, the others are named on it."""
    student = tmp_path / "class" / "eve"
    (student / "sub").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "ex03_pixel_shuffle.ipynb", student / "sub" / "ex03_pixel_shuffle.ipynb")
    shutil.copy(SOLUTIONS / "ex03_pixel_shuffle.ipynb", student / "ex03_pixel_shuffle.ipynb")
    nb = nbformat.read(SOLUTIONS / "ex03_pixel_shuffle.ipynb", as_version=4)
    nb.metadata["srlib"] = {"exercise": "ex03_pixel_shuffle"}
    nbformat.write(nb, student / "homework.ipynb")
    shutil.copy(SOLUTIONS / "ex02_rrdb.ipynb", student / "ex02_rrdb.ipynb")
    rows = submission_rows([str(tmp_path / "class")], None, 20)
    assert sorted((r["student"], r["exercise"]) for r in rows) == [("eve", "ex02_rrdb"), ("eve", "ex03_pixel_shuffle")]
    ex03 = next(r for r in rows if r["exercise"] == "ex03_pixel_shuffle")
    assert ex03["path"] == student / "ex03_pixel_shuffle.ipynb"  # the one named as the exercise, nearest the top
    assert ex03["messages"] == ("ex03_pixel_shuffle.ipynb, homework.ipynb: 2 ex03_pixel_shuffle notebooks of this "
                                "student, not graded (one per exercise; ex03_pixel_shuffle.ipynb was)")
    for k in range(20):  # a flood of copies: still one row, and a short message
        shutil.copy(SOLUTIONS / "ex03_pixel_shuffle.ipynb", student / "sub" / f"ex03_copy{k}.ipynb")
    (ex03,) = [r for r in submission_rows([str(tmp_path / "class")], None, 20) if r["exercise"] == "ex03_pixel_shuffle"]
    assert "and 19 more: 22 ex03_pixel_shuffle notebooks" in ex03["messages"] and len(ex03["messages"]) < 300


def test_a_giant_notebook_is_refused_before_it_is_read(tmp_path):
    """The giant-notebook trick: its size is checked before a byte of it is read."""
    big = tmp_path / "zed" / "ex03_pixel_shuffle.ipynb"
    big.parent.mkdir()
    with open(big, "wb") as f:
        f.truncate(3000 * 2**20)  # 3 GB on paper, no disk used: reading it would take the grader down
    rows = submission_rows([str(tmp_path)], None, 20)
    assert rows[0]["exercise"] == "" and "3,000 MB, more than the grader reads (20 MB, --max-notebook-mb)" in \
        rows[0]["messages"]
    with open(big, "wb") as f:
        f.truncate(21 * 2**20)
    assert "more than the grader reads" in submission_rows([str(tmp_path)], None, 20)[0]["messages"]
    assert "not a readable notebook" in submission_rows([str(tmp_path)], None, 22)[0]["messages"]  # the cap moves


def test_a_notebook_of_too_much_code_gets_a_clear_row_without_being_parsed(tmp_path, monkeypatch):
    """Red team, round 4: a 2 MB notebook of cells ``"a;" * 99_999`` took the grader to 2.1 GB and 4 minutes."""
    import srlib.course.grading.source as source

    nb = nbformat.read(SOLUTIONS / "ex03_pixel_shuffle.ipynb", as_version=4)
    nb.cells += [nbformat.v4.new_code_cell("a;" * 99_999) for _ in range(10)]
    nbformat.write(nb, tmp_path / "mallory.ipynb")
    nb.metadata["srlib"] = {"exercise": "ex03_pixel_shuffle"}
    nbformat.write(nb, tmp_path / "mallory.ipynb")
    monkeypatch.setattr(source.ast, "parse", lambda *a, **k: pytest.fail("the capped notebook was parsed"))
    (row,) = submission_rows([str(tmp_path / "mallory.ipynb")], None, 20)
    assert row["exercise"] == "" and row["tasks"] == {}
    assert "1.9 MB of code in its cells, more than the grader reads (1 MB, --max-code-mb)" in row["messages"]
    _, cells, problem = read_notebook(tmp_path / "mallory.ipynb", None, 20)
    assert cells == [] and "--max-code-mb" in problem
    monkeypatch.undo()
    (row,) = submission_rows([str(tmp_path / "mallory.ipynb")], None, 20, max_code_mb=3)  # the cap moves
    assert row["exercise"] == "ex03_pixel_shuffle" and not row["messages"]


def test_bad_inputs_get_a_row_each(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hi")
    (tmp_path / "broken_ex02_rrdb.ipynb").write_text("{not json")
    wrong = tmp_path / "dave"
    wrong.mkdir()
    nbformat.write(nbformat.read(SOLUTIONS / "ex03_pixel_shuffle.ipynb", as_version=4), wrong / "ex02_rrdb.ipynb")
    (tmp_path / "linked").mkdir()
    os.symlink(SOLUTIONS / "ex03_pixel_shuffle.ipynb", tmp_path / "linked" / "ex03_pixel_shuffle.ipynb")
    raw = json.loads((SOLUTIONS / "ex03_pixel_shuffle.ipynb").read_text())
    raw["cells"].insert(3, {"cell_type": "code", "source": 12345, "metadata": {}, "outputs": [],
                            "execution_count": None, "id": "abc"})
    (tmp_path / "number_cell").mkdir()
    (tmp_path / "number_cell" / "ex03_pixel_shuffle.ipynb").write_text(json.dumps(raw))
    paths = [tmp_path / n for n in ("empty", "notes.txt", "broken_ex02_rrdb.ipynb", "dave", "linked", "number_cell")]
    rows = submission_rows([str(p) for p in paths], None, 20)
    messages = [r["messages"] for r in rows]
    assert "holds no notebooks" in messages[0] and "not a notebook" in messages[1]
    assert "not a readable notebook" in messages[2] and "file name says ex02_rrdb" in messages[3]
    assert "symbolic link" in messages[4] and "not a readable notebook" in messages[5]
    assert all(r["exercise"] == "" for r in rows)
    assert "not the exercise being graded" in read_notebook(SOLUTIONS / "ex03_pixel_shuffle.ipynb", "ex02_rrdb")[2]


def test_a_notebook_changed_after_it_was_read_is_not_graded(tmp_path):
    path = tmp_path / "ex03_pixel_shuffle.ipynb"
    shutil.copy(SOLUTIONS / "ex03_pixel_shuffle.ipynb", path)
    row = submission_rows([str(path)], None, 20)[0]
    assert read_notebook(path, None, digest=row["digest"])[2] == ""
    path.write_text(path.read_text().replace("log2", "log"))
    assert "changed while the class was graded" in read_notebook(path, None, digest=row["digest"])[2]


def test_csv_cells_cannot_start_a_formula(tmp_path):
    """The CSV-injection trick: a notebook named =HYPERLINK(...) and a formula in a message."""
    assert [neutralise(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "ok", 3, "")] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "ok", 3, ""]
    rows = [{"student": '=HYPERLINK("http:evil","x") ex03', "exercise": "ex03_pixel_shuffle", "file": "@x.ipynb",
             "total": 3, "max": 4, "messages": "-1 point",
             "tasks": {"pixel_shuffle": {"points": 3, "max": 3, "messages": [], "passed": ["ok"], "review": ""},
                       "num_upsample_stages": {"points": 0, "max": 1, "messages": ["=cmd"], "passed": [],
                                               "review": "code cell 2 (`+x`) uses exec", "accepted": False}}}]
    write_csv(rows, tmp_path / "g.csv", "bwrap")
    with open(tmp_path / "g.csv") as f:
        (row,) = list(csv.DictReader(f))
    assert row["student"].startswith("'=HYPERLINK") and row["file"] == "'@x.ipynb"
    assert row["messages"].startswith("'-1 point") and row["confinement"] == "bwrap"
    assert row["needs_review"] == "num_upsample_stages: code cell 2 (`+x`) uses exec" and row["total"] == "3"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "linked.csv").symlink_to(victim)  # planted where the CSV goes: replaced, not written through
    write_csv(rows, tmp_path / "linked.csv", "bwrap")
    assert victim.read_text() == "keep me" and not (tmp_path / "linked.csv").is_symlink()
    write_feedback(rows, tmp_path / "fb")
    assert [p.name for p in (tmp_path / "fb").iterdir()] == [feedback_name(rows[0]["student"])]
    assert feedback_name("../../etc/passwd").startswith("_.._etc_passwd-") and feedback_name("...").startswith("student-")


def test_feedback_files_never_clash_and_escape_what_students_wrote(tmp_path):
    """Red team, round 4: alice_ex02_rrdb.ipynb and alice~ex02_rrdb.ipynb both became alice_ex02_rrdb.md."""
    task = {"points": 0, "max": 3, "messages": ["[click](http://evil) <img src=x> # heading"], "passed": [],
            "review": "", "accepted": False}
    students = ["alice_ex02_rrdb", "alice~ex02_rrdb", "Alice_ex02_rrdb", "alice ex02_rrdb"]
    rows = [{"student": s, "exercise": "ex02_rrdb", "file": f"{s}.ipynb", "total": 0, "max": 3,
             "messages": "", "tasks": {"rrdb": task}} for s in students]
    rows.append(dict(rows[0], student=feedback_name("alice~ex02_rrdb")[:-3]))  # planted: another's hashed name
    write_feedback(rows, tmp_path / "fb")
    files = sorted((tmp_path / "fb").iterdir())
    assert len(files) == 5 and len({f.name.casefold() for f in files}) == 5, [f.name for f in files]
    for f in files:
        text = f.read_text()
        assert "\\[click\\]\\(http://evil\\)" in text and "\\<img" in text and "\\# heading" in text, text
        assert "](" not in text and "<img" not in text.replace("\\<img", "")


def test_accepted_tasks_are_parsed_and_checked(tmp_path):
    listing = tmp_path / "accepted.txt"
    listing.write_text("# read on Monday\nalice:rdb\n\nbob:c:psnr_y\n")
    assert parse_accepted(["carol:rrdb"], listing) == {("carol", "rrdb"), ("alice", "rdb"), ("bob:c", "psnr_y")}
    for bad in ("alice", "alice:nope", ":rdb"):
        with pytest.raises(ValueError, match="STUDENT:TASK"):
            parse_accepted([bad])
