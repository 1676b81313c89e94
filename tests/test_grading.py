"""The grader on the real exercise notebooks: full marks, zero, planted mistakes, hostile notebooks."""

import csv
import re
import shutil

import nbformat
import pytest

from helpers import ROOT
from srlib.cli import main
from srlib.grading import EXERCISES, grade

SOLUTIONS = ROOT / "solutions"


def plant(tmp_path, exercise, old, new, student="student01", count=1):
    """A copy of the solution with one mistake planted (``old`` replaced by ``new``)."""
    nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
    assert any(old in c.source for c in nb.cells if c.cell_type == "code"), f"{old!r} not in {exercise}"
    for cell in nb.cells:
        if cell.cell_type == "code" and old in cell.source:
            cell.source = cell.source.replace(old, new, count)
            break
    folder = tmp_path / student
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{exercise}.ipynb"
    nbformat.write(nb, path)
    return path


def task_points(rows):
    return {name: res["points"] for name, res in rows[0]["tasks"].items()}


def test_points_match_the_notebook_tables():
    for exercise, tasks in EXERCISES.items():
        text = (SOLUTIONS / f"{exercise}.py").read_text()
        assert sorted(re.findall(r"\| (\d+) \|", text), key=int) == sorted(str(t.points) for t in tasks), exercise


def test_solutions_score_full_marks_and_exercises_zero(tmp_path):
    notebooks = [str(SOLUTIONS / f"{e}.ipynb") for e in EXERCISES] + [str(ROOT / "exercises" / f"{e}.ipynb") for e in EXERCISES]
    rows = grade(notebooks, tmp_path / "grades.csv", timeout=120, progress=False)
    solutions, exercises = rows[:5], rows[5:]
    assert all(r["total"] == r["max"] > 0 for r in solutions), [(r["exercise"], r["total"], r["tasks"]) for r in solutions]
    assert all(r["total"] == 0 and r["max"] > 0 for r in exercises)
    assert all("not implemented yet" in str(r["tasks"]) for r in exercises)


@pytest.mark.parametrize("exercise,old,new,task,message", [
    ("ex02_rrdb", "self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)\n        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)",
     "self.rdb2 = self.rdb1\n        self.rdb3 = self.rdb1", "rrdb", "share weights"),
    ("ex03_pixel_shuffle", "int(math.log2(scale))", "int(math.log(scale))", "num_upsample_stages", "natural log"),
    ("ex02_rrdb", "return x + 0.2 * self.rdb3(self.rdb2(self.rdb1(x)))",
     "return x * 0.2 * self.rdb3(self.rdb2(self.rdb1(x)))", "rrdb", "product"),
    ("ex05_gradient_penalty_ragan", "+ F.binary_cross_entropy_with_logits(fake_rel, torch.zeros_like(fake_rel)))",
     "- (1 - F.logsigmoid(fake_rel)).mean())", "ragan_discriminator_loss", "1 - log"),
    ("ex05_gradient_penalty_ragan", "norms = grads.flatten(1).norm(2, dim=1)", "norms = grads.norm(2)",
     "gradient_penalty", "over the batch, not per sample"),
])
def test_planted_mistakes_cost_exactly_their_task(tmp_path, exercise, old, new, task, message):
    path = plant(tmp_path, exercise, old, new)
    rows = grade([str(path)], tmp_path / "grades.csv", timeout=120, progress=False)
    points = task_points(rows)
    full = {t.check: t.points for t in EXERCISES[exercise]}
    assert points == {**full, task: 0}, rows[0]["tasks"]
    assert message in " ".join(rows[0]["tasks"][task]["messages"])


def test_endless_loop_is_stopped_and_the_rest_graded(tmp_path):
    path = plant(tmp_path, "ex03_pixel_shuffle", "    return int(math.log2(scale))", "    while True:\n        pass")
    rows = grade([str(path)], tmp_path / "grades.csv", timeout=15, progress=False)
    assert task_points(rows) == {"pixel_shuffle": 3, "num_upsample_stages": 0}


def test_printed_scores_and_files_in_the_output_folder_earn_nothing(tmp_path):
    out = tmp_path / "out"
    hostile = (f"    import os\n"
               f"    print('score: 100')\n"
               f"    os.makedirs({str(out)!r}, exist_ok=True)\n"
               f"    open({str(out / 'grades.csv')!r}, 'w').write('student01,ex03_pixel_shuffle,x,3,1,4,4,')\n"
               f"    return int(math.log(scale))")
    path = plant(tmp_path, "ex03_pixel_shuffle", "    return int(math.log2(scale))", hostile)
    assert main(["grade", str(path.parent), "--out", str(out / "grades.csv"), "--timeout", "60"]) == 0
    with open(out / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and rows[0]["num_upsample_stages"] == "0" and rows[0]["total"] == "3"


def test_a_crash_costs_one_student_and_the_batch_goes_on(tmp_path):
    shutil.copytree(SOLUTIONS, tmp_path / "class" / "alice", ignore=shutil.ignore_patterns("*.py", "ex0[1245]*"))
    shutil.copytree(SOLUTIONS, tmp_path / "class" / "carol", ignore=shutil.ignore_patterns("*.py", "ex0[1245]*"))
    plant(tmp_path / "class", "ex03_pixel_shuffle", "profile, device = setup(seed=0)",
          "import os\nos._exit(3)", student="bob")
    assert main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "grades.csv"),
                 "--feedback", str(tmp_path / "fb"), "--timeout", "60"]) == 0
    with open(tmp_path / "grades.csv") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"alice", "bob", "carol"}
    assert rows["alice"]["total"] == rows["carol"]["total"] == "4" and rows["bob"]["total"] == "0"
    assert "crashed" in rows["bob"]["messages"]
    assert "to fix" in (tmp_path / "fb" / "bob.md").read_text()


def test_bad_inputs_get_a_row_each(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hi")
    (tmp_path / "broken_ex02_rrdb.ipynb").write_text("{not json")
    wrong = tmp_path / "dave"
    wrong.mkdir()
    nb = nbformat.read(SOLUTIONS / "ex03_pixel_shuffle.ipynb", as_version=4)
    nbformat.write(nb, wrong / "ex02_rrdb.ipynb")  # ex03's notebook under ex02's name
    rows = grade([str(tmp_path / "empty"), str(tmp_path / "notes.txt"), str(tmp_path / "broken_ex02_rrdb.ipynb"),
                  str(wrong)], tmp_path / "grades.csv", progress=False)
    messages = [r["messages"] for r in rows]
    assert "holds no notebooks" in messages[0] and "not a notebook" in messages[1]
    assert "not a readable notebook" in messages[2] and "file name says ex02_rrdb" in messages[3]
    assert all(r["total"] == 0 for r in rows)
    assert main(["grade", str(wrong), "--exercise", "ex09"]) == 2
