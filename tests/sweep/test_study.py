"""The Optuna side of a sweep (srlib/sweep/study.py): one claim per point, one requeue per stale trial."""

import pytest
from optuna.exceptions import UpdateFinishedTrialError

from srlib.sweep import Grid
from srlib.sweep.storage import open_storage
from srlib.sweep.study import claim_next, collect, finish, open_study, point_params, requeue

RESULT = {"scores": {"samples": {"model_psnr": 20.0}}}


@pytest.fixture
def sweep(tmp_path):
    grid = Grid({"hr_patch": (32, 48)}, seeds=1)
    study = open_study(open_storage(tmp_path), "s", {"grid": grid.to_dict()}, grid)
    return study, grid, {p.key: p for p in grid.points()}


def test_each_point_is_claimed_once_and_then_the_queue_is_empty(sweep):
    study, grid, points = sweep
    claims = [claim_next(study, points), claim_next(study, points)]
    assert [(n, p.key) for n, p in claims] == [(0, "hr_patch=32_seed=0"), (1, "hr_patch=48_seed=0")]
    assert claim_next(study, points) is None  # never a new, sampled trial
    assert study.study.trials[0].params == {"hr_patch": 32, "seed": 0}  # what the dashboard shows
    finish(study, 0, result=RESULT)
    finish(study, 1, failure="RuntimeError: diverged")
    assert [(r["state"], r.get("failure")) for r in collect(study.study, grid)] == [
        ("complete", None), ("failed", "RuntimeError: diverged")]


def test_a_stale_trial_is_requeued_by_one_worker_only(sweep):
    study, grid, points = sweep
    number, point = claim_next(study, points)
    trial = study.study.trials[number]
    assert requeue(study, trial, "no heartbeat", points) and not requeue(study, trial, "no heartbeat", points)
    with pytest.raises(UpdateFinishedTrialError):  # the old owner's late result (its worker says so and goes on)
        finish(study, number, result=RESULT)
    assert [p.key for _, p in (claim_next(study, points), claim_next(study, points))] == [
        "hr_patch=48_seed=0", "hr_patch=32_seed=0"]
    assert study.study.trials[-1].user_attrs["resumes"] == number


def test_a_point_enqueued_twice_still_trains_once(sweep):
    study, grid, points = sweep
    point = points["hr_patch=48_seed=0"]
    study.study.enqueue_trial(point_params(point), user_attrs={"point": point.key})  # e.g. two repairs at once
    claimed = [claim_next(study, points) for _ in range(3)]
    assert [c[1].key for c in claimed if c] == ["hr_patch=32_seed=0", "hr_patch=48_seed=0"]
    assert study.study.trials[-1].user_attrs.get("duplicate") and study.study.trials[-1].state.name == "FAIL"
