"""The grader on real exercise notebooks, confined: honest work written differently, planted mistakes, a hostile class.

One grading run of a whole class (honest students, the hostile class of
``benchmarks/hostile_class.py``, malformed files) feeds most tests; a second
run accepts the flagged tricks (one per defence the sandbox adds), as a
careless instructor would, and checks that the sandbox still gives them nothing.
"""

import contextlib
import csv
import io
import re
import shutil
import sys

import pytest

from grading_class import EXERCISE_NBS, SOLUTIONS, VARIANTS, honest_class, plant, with_cell
from hostile_class import CHEATS, hostile_class
from srlib.cli import main
from srlib.course.grading import EXERCISES, Limits, grade
from sandboxing import running, sandbox_problem

pytestmark = [pytest.mark.slow,  # grading starts one sandboxed Python per task
              pytest.mark.skipif(bool(sandbox_problem()), reason=sandbox_problem())]
FLAGGED = [s for s, c in CHEATS.items() if c[4]]
# accepted again, one per defence the sandbox adds (the others fail as one of these does: a module that is not there)
ACCEPTED = ["run_exec_judge", "forged_report", "thread_builtin", "disk_fill", "patch_checks", "library_classes",
            "library_from_disk", "aten_op", "kill_the_grader", "fork_bomb", "report_flood", "read_classmates",
            "annotation_code", "course_machinery"]


def srlib_modules() -> set[str]:
    return {name for name in sys.modules if name.startswith("srlib")}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Grade an honest class and the hostile class in one run: (rows, CSV rows, console, modules loaded meanwhile)."""
    folder = tmp_path_factory.mktemp("class") / "class"
    honest = honest_class(folder, len(EXERCISES) + len(VARIANTS))
    hostile = hostile_class(folder)
    out = folder.parent / "grades.csv"
    before = srlib_modules()
    console = io.StringIO()
    with contextlib.redirect_stdout(console):
        rows = grade([str(folder)], out, feedback=folder.parent / "feedback", timeout=15,
                     limits=Limits(memory_mb=1024, cpu_seconds=60))
    with open(out, newline="") as f:
        table = list(csv.DictReader(f))
    return {"rows": {(r["student"], r["exercise"]): r for r in rows}, "table": table, "console": console.getvalue(),
            "loaded": srlib_modules() - before, "honest": honest, "hostile": hostile, "folder": folder}


def test_points_match_the_notebook_tables():
    for name, exercise in EXERCISES.items():
        text = (SOLUTIONS / f"{name}.py").read_text()
        assert sorted(re.findall(r"\| (\d+) \|", text), key=int) == sorted(str(t.points) for t in exercise.tasks), name


def test_honest_students_written_differently_keep_full_marks(graded_class):
    """The solutions and seven rewrites (ModuleList, setattr/getattr on self, lerp, softplus, einsum, ...)."""
    rows = graded_class["rows"]
    wrong = {k: (rows[k]["total"], top, rows[k]["tasks"]) for k, top in graded_class["honest"].items()
             if rows[k]["total"] != top}
    assert not wrong, wrong
    assert all(row["confinement"] == "bwrap" and not row["needs_review"] for row in graded_class["table"]
               if row["student"].startswith("honest"))
    setattr_rows = [k for k in rows if "setattr" in k[0]]
    assert len(setattr_rows) == 2 and all(rows[k]["total"] == 6 for k in setattr_rows)


@pytest.mark.parametrize("student", list(CHEATS))
def test_each_trick_scores_nothing(graded_class, student):
    exercise, _, _, task, flagged = CHEATS[student]
    row = graded_class["rows"][(student, exercise)]
    assert row["total"] == 0 and row["max"] > 0, row["tasks"]
    result = row["tasks"][task]
    if flagged:  # flagged for review, not run: 0 until an instructor accepts it, with the cell and the reason
        assert result["review"].startswith("code cell ") and not result["accepted"], result
        assert "needs review" in " ".join(result["messages"])
    else:
        assert not result["review"], result


def test_flagged_tasks_are_listed_for_review_in_the_csv_and_the_console(graded_class):
    table = {(r["student"], r["exercise"]): r for r in graded_class["table"]}
    for student in FLAGGED:
        exercise, _, _, task, _ = CHEATS[student]
        assert f"{task}: code cell " in table[(student, exercise)]["needs_review"], student
    assert "need review (column needs_review)" in graded_class["console"]
    assert "--accept" in graded_class["console"]


def test_what_runs_fails_for_the_right_reason(graded_class):
    messages = {k[0]: " ".join(m for t in r["tasks"].values() for m in t["messages"])
                for k, r in graded_class["rows"].items()}
    assert "ran out of memory" in messages["memory_bomb"]
    assert "within the time limit" in messages["ignore_the_alarm"]
    assert "KeyError" in messages["lookup_table"]  # scales drawn from the secret seed, not only x2, x4, x8
    assert "not implemented yet" in messages["lookup_table"]  # the stub beside it


def test_malformed_submissions_cost_only_their_row(graded_class):
    rows, table = graded_class["rows"], graded_class["table"]
    by_student = {}
    for r in rows.values():
        by_student.setdefault(r["student"], []).append(r)
    assert "more than the grader reads" in by_student["giant"][0]["messages"]
    assert "not a readable notebook" in by_student["number_cell"][0]["messages"]
    assert "symbolic link" in by_student["linked"][0]["messages"]
    (triple,) = by_student["triplicate"]  # three ex03 notebooks: one row, the others named on it
    assert triple["total"] == 4 and "2 ex03_pixel_shuffle notebooks of this student, not graded" in triple["messages"]
    formula = next(r for r in table if "HYPERLINK" in r["student"])
    assert formula["student"].startswith("'=") and formula["file"].startswith("'=") and formula["total"] == "4"
    assert "\x1b" not in graded_class["console"] and "esc?[2Jape" in graded_class["console"]
    assert rows[("alice_for_hostile", "ex03_pixel_shuffle")]["total"] == 4


def test_judges_were_loaded_before_any_student_code(graded_class):
    assert not graded_class["loaded"], graded_class["loaded"]


@pytest.fixture(scope="module")
def accepted_run(graded_class):
    """The flagged tricks run again, each accepted for the task it aims at, as a careless instructor might."""
    folder, again = graded_class["folder"], graded_class["folder"].parent / "again"
    for student in ACCEPTED + ["alice_for_hostile"]:
        shutil.copytree(folder / student, again / student)
    accept = [f"{s}:{CHEATS[s][3]}" for s in ACCEPTED]
    rows = grade([str(again)], folder.parent / "accepted.csv", timeout=15, progress=False, accept=accept,
                 limits=Limits(memory_mb=1024, cpu_seconds=60))
    return {(r["student"], r["exercise"]): r for r in rows}


@pytest.mark.parametrize("student", ACCEPTED)
def test_each_flagged_trick_still_scores_nothing_when_accepted(accepted_run, student):
    exercise, _, _, task, _ = CHEATS[student]
    result = accepted_run[(student, exercise)]["tasks"][task]
    assert result["accepted"] and result["points"] == 0, result
    assert accepted_run[("alice_for_hostile", "ex03_pixel_shuffle")]["total"] == 4


def test_accepted_tricks_fail_for_the_right_reason(accepted_run):
    def said(student):
        exercise, _, _, task, _ = CHEATS[student]
        return " ".join(accepted_run[(student, exercise)]["tasks"][task]["messages"])
    assert "can't start new thread" in said("thread_builtin")  # no new thread while a task runs (seccomp rule 1)
    assert "built-in pixel_shuffle" in said("aten_op")
    assert "built-in pixel_shuffle" in said("forged_report")  # the real probe, on the real built-in: refused
    assert "No module named 'srlib.course.exercises.ex02_rrdb'" in said("run_exec_judge")  # no judge in the sandbox
    assert "No module named 'srlib.models'" in said("library_classes")
    assert "has no attribute 'EXERCISES'" in said("course_machinery")  # the student side: probes, no registry
    assert "No such file" in said("library_from_disk") and "No such file" in said("read_classmates")
    assert "Operation not permitted" in said("fork_bomb") and "Operation not permitted" in said("kill_the_grader")
    assert "No space left" in said("disk_fill") or "quota" in said("disk_fill")
    assert "cannot read" in said("report_flood") or "before it reported" in said("report_flood")


PLANTED = [  # (exercise, old, new, task, message): one per kind of task; tests/course/exercises names every mistake
    ("ex02_rrdb", "self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)\n        self.rdb3 = ResidualDenseBlock("
     "num_feat, num_grow_ch)", "self.rdb2 = self.rdb1\n        self.rdb3 = self.rdb1", "rrdb", "share weights"),
    ("ex03_pixel_shuffle", "int(math.log2(scale))", "int(math.log(scale))", "num_upsample_stages", "natural log"),
    ("ex05_gradient_penalty_ragan", "create_graph=True", "retain_graph=True", "gradient_penalty", "create_graph=True"),
    ("ex08_evaluation_protocol", "img_hr.astype(np.float64) / 255.0", "img_hr.astype(np.float64)", "psnr_y",
     "divide it by 255"),
]


def test_planted_mistakes_cost_exactly_their_task(tmp_path):
    for k, (exercise, old, new, _, _) in enumerate(PLANTED):
        plant(tmp_path / "class", exercise, old, new, student=f"planted{k}")
    rows = {r["student"]: r for r in grade([str(tmp_path / "class")], tmp_path / "g.csv", progress=False)}
    for k, (exercise, _, _, task, message) in enumerate(PLANTED):
        row = rows[f"planted{k}"]
        points = {name: res["points"] for name, res in row["tasks"].items()}
        assert points == {**{t.name: t.points for t in EXERCISES[exercise].tasks}, task: 0}, (k, row["tasks"])
        assert message in " ".join(row["tasks"][task]["messages"]), (k, row["tasks"][task])


def test_a_crash_costs_one_student_and_the_batch_goes_on(tmp_path):
    plant(tmp_path / "class", "ex03_pixel_shuffle", "profile, device = setup(seed=0)",
          "while True:\n    pass", student="bob")  # killed at its CPU-time limit, before the wall-clock one
    plant(tmp_path / "class", "ex03_pixel_shuffle", "def num_upsample_stages(scale):",
          "def stages(scale) oops:", student="dan")  # a syntax error: the other task still counts
    assert main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "grades.csv"),
                 "--feedback", str(tmp_path / "fb"), "--timeout", "60", "--cpu-seconds", "3"]) == 0
    with open(tmp_path / "grades.csv") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"bob", "dan"} and rows["bob"]["total"] == "0"
    assert "stopped by signal" in rows["bob"]["messages"] and "to fix" in (tmp_path / "fb" / "bob.md").read_text()
    assert rows["dan"]["pixel_shuffle"] == "3" and "not defined anywhere" in rows["dan"]["messages"]


def test_processes_a_task_leaves_end_with_it(tmp_path):
    """Processes allowed and the cell accepted: a detached one still ends with its task's sandbox."""
    cell = ("import subprocess\n"
            "subprocess.Popen(['sleep', '4321.5'], start_new_session=True)")
    with_cell(tmp_path / "class", "ex03_pixel_shuffle", cell, "spawner", after="pixel_shuffle", base=SOLUTIONS)
    rows = grade([str(tmp_path / "class")], tmp_path / "g.csv", progress=False, accept=["spawner:num_upsample_stages"],
                 limits=Limits(allow_processes=True))
    assert rows[0]["total"] == 4 and running("4321.5") == []


def test_bad_options_are_clear_errors(tmp_path):
    notebook = str(EXERCISE_NBS / "ex03_pixel_shuffle.ipynb")
    assert main(["grade", notebook, "--exercise", "ex09"]) == 2
    assert main(["grade", notebook, "--memory", "10"]) == 2  # too little to run PyTorch
    assert main(["grade", notebook, "--accept", "nobody"]) == 2
    assert main(["grade", notebook, "--max-notebook-mb", "0"]) == 2

