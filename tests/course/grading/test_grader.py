"""grade_task's decisions, with a stand-in for the student process: review, reports, judging one at a time."""

import threading
import time

from srlib.course.exercises import EXERCISES
from srlib.course.exercises.observations import pack
from srlib.course.grading import grader
from srlib.course.grading.limits import Limits
from srlib.course.grading.runner import Outcome

EX03 = EXERCISES["ex03_pixel_shuffle"]
STAGES = EX03.tasks[1]  # num_upsample_stages
CELLS = ["import math", "def num_upsample_stages(scale):\n    return int(math.log2(scale))"]


class StandIn:
    """Answers ``run`` as a student process would: a report for this task and nonce, or what ``reply`` says."""

    def __init__(self, reply=None):
        self.limits, self.reply, self.jobs = Limits(), reply, []

    def run(self, job, timeout):
        self.jobs.append(job)
        if self.reply:
            return self.reply(job)
        obs = {"identity": {"modules": ["__main__"], "name": "f"}, "srlib_files": [], "builtins": [], "errors": [""],
               "values": [[int(s).bit_length() - 1 for s in STAGES.inputs(job["seed"]).scales]]}
        data = pack({"task": job["task"], "nonce": job["nonce"], "messages": [], "observations": obs})
        return Outcome(0, b"result %d\n" % len(data) + data)


def test_a_report_is_judged_with_the_seed_the_grader_drew():
    session = StandIn()
    result = grader.grade_task(CELLS, EX03, STAGES, 10, session)
    assert result["points"] == 1 and not result["review"], result
    assert session.jobs[0]["cells"] == CELLS and len(session.jobs[0]["nonce"]) == 32


def test_flagged_code_does_not_run_until_accepted():
    cells = ["run = exec", *CELLS]
    session = StandIn()
    result = grader.grade_task(cells, EX03, STAGES, 10, session)
    assert result["points"] == 0 and "uses exec" in result["review"] and not session.jobs
    result = grader.grade_task(cells, EX03, STAGES, 10, session, accepted=True)
    assert result["points"] == 1 and result["accepted"] and len(session.jobs) == 1


def test_a_report_for_another_run_or_none_scores_nothing():
    def other_nonce(job):
        data = pack({"task": job["task"], "nonce": "0" * 32, "messages": [], "observations": {}})
        return Outcome(0, b"result %d\n" % len(data) + data)
    for reply, says in ((other_nonce, "ended before it reported"), (lambda job: Outcome(None), "time limit"),
                        (lambda job: Outcome(-9), "stopped by signal 9"), (lambda job: Outcome(0, b"junk"),
                                                                          "ended before it reported")):
        result = grader.grade_task(CELLS, EX03, STAGES, 10, StandIn(reply))
        assert result["points"] == 0 and says in " ".join(result["messages"]), (says, result)


def test_judges_run_one_at_a_time(monkeypatch):
    """Judges seed torch's global generator (exercise 07's nets): two at once gave wrong references."""
    inside, most = [0], [0]
    real = grader.judge

    def slow_judge(*args):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.2)
        inside[0] -= 1
        return real(*args)
    monkeypatch.setattr(grader, "judge", slow_judge)
    threads = [threading.Thread(target=grader.grade_task, args=(CELLS, EX03, STAGES, 10, StandIn()))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1


def test_a_killed_grader_leaves_the_rows_graded_so_far_marked_incomplete(tmp_path, monkeypatch):
    """Red team, round 4: a grader killed mid-batch left nothing; now each finished row is synced as it goes."""
    import csv
    import shutil

    from helpers import ROOT

    for student in ("amy", "ben", "cid"):
        (tmp_path / "class" / student).mkdir(parents=True)
        shutil.copy(ROOT / "solutions" / "ex03_pixel_shuffle.ipynb", tmp_path / "class" / student)
    graded = []

    def grade_row(row, *args):
        if row["student"] == "cid":
            raise KeyboardInterrupt  # the grader dies here (as under SIGKILL: no handler, no CSV)
        row["tasks"] = {"pixel_shuffle": {"points": 3, "max": 3, "messages": [], "review": ""}}
        row["total"], row["max"] = 3, 4
        graded.append(row["student"])

    monkeypatch.setattr(grader, "_grade_row", grade_row)
    out = tmp_path / "out" / "grades.csv"
    try:
        grader.grade([str(tmp_path / "class")], out, unconfined=True, progress=False)
    except KeyboardInterrupt:
        pass
    assert not out.exists() and graded == ["amy", "ben"]
    with open(tmp_path / "out" / "grades.incomplete.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["student"], r["total"], r["tasks"]) for r in rows] == [("amy", "3", "pixel_shuffle: 3/3"),
                                                                     ("ben", "3", "pixel_shuffle: 3/3")]
    assert all(r["status"].startswith("incomplete") for r in rows)
    monkeypatch.setattr(grader, "_grade_row", lambda row, *args: None)
    grader.grade([str(tmp_path / "class")], out, unconfined=True, progress=False)
    assert out.exists() and not (tmp_path / "out" / "grades.incomplete.csv").exists()  # finished: only the CSV
