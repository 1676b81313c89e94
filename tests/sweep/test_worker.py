"""Sweeps on an Optuna study (srlib/sweep/worker.py, study.py, storage.py): every point exactly once with
several workers, resume after a killed worker, failed points, and storages that are not this sweep's."""

import json
import subprocess
import sys
import time
from types import SimpleNamespace

import optuna
import pytest

from srlib.cli import main
from srlib.data import sample_photos, save_image
from srlib.sweep.study import WORKER, stale_reason


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Three 96 px training photos and one 64 px evaluation photo: points train and score in a second."""
    root = tmp_path_factory.mktemp("data")
    for name, photo in sample_photos("train").items():
        if name != "hubble_deep_field":
            save_image(photo[100:196, 100:196], root / "train" / f"{name}.png")
    save_image(sample_photos("val")["chelsea"][100:164, 200:264], root / "eval" / "chelsea.png")
    return root


def command(data, out, *grid, seeds=2, iters=2, extra=()):
    args = [sys.executable, "-m", "srlib", "sweep", "--recipe", "demo", "--profile", "ci", "--quiet",
            "--data", str(data / "train"), "--eval", str(data / "eval"), "--out", str(out),
            "--seeds", str(seeds), "--max-iters", str(iters), *extra]
    return args + [arg for g in grid for arg in ("--grid", g)]


def trials(out, storage=None, name=None):
    storage = storage or f"sqlite:///{out / 'sweep.db'}"
    return optuna.load_study(study_name=name or out.name, storage=storage).get_trials(deepcopy=False)


@pytest.mark.slow  # 30-50 s: two processes start PyTorch
@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_two_workers_run_every_point_exactly_once(data, tmp_path, kind):
    out = tmp_path / "sweep"
    extra = ("--journal", str(tmp_path / "sweep.log")) if kind == "journal" else ()
    cmd = command(data, out, "learning_rate_g=1e-3,2e-3,4e-3", extra=extra)
    workers = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=600)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    trained = [line.split(":")[0] for text in outputs for line in text.splitlines() if line.endswith(")")
               and ": training (" in line]
    assert sorted(trained) == sorted(f"learning_rate_g={lr}_seed={s}" for lr in (1e-3, 2e-3, 4e-3) for s in (0, 1))
    if kind == "journal":
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        found = trials(out, JournalStorage(JournalFileBackend(str(tmp_path / "sweep.log"))))
    else:
        found = trials(out)
    assert len(found) == 6 and all(t.state == optuna.trial.TrialState.COMPLETE for t in found)
    assert len({t.user_attrs["point"] for t in found}) == 6
    assert {t.params["seed"] for t in found} == {0, 1} and all(t.value > 10 for t in found)
    assert len((out / "results.csv").read_text().splitlines()) == 1 + 6


@pytest.mark.slow  # about a minute: three processes
def test_a_killed_worker_is_resumed_from_its_checkpoint_and_finished_points_are_skipped(data, tmp_path):
    out = tmp_path / "sweep"
    cmd = command(data, out, "save_every=1", seeds=1, iters=60)
    run = out / "runs" / "save_every=1_seed=0"
    worker = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not ((run / "status.json").exists() and json.loads((run / "status.json").read_text())["iteration"] >= 3):
        assert worker.poll() is None and time.monotonic() < deadline, "the worker ended before it could be killed"
        time.sleep(0.02)
    worker.kill()
    worker.wait()
    killed_at = json.loads((run / "status.json").read_text())["iteration"]
    assert killed_at < 60 and not (run / "point.json").exists()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"resuming from its checkpoint at iteration {killed_at}" in again.stdout
    first, second = trials(out)
    assert first.state.name == "FAIL" and "has exited" in first.user_attrs["requeued"]
    assert second.state.name == "COMPLETE" and second.user_attrs["resumes"] == first.number
    assert second.user_attrs["result"]["iterations"] == 60
    assert second.user_attrs["result"]["resumed_from"] == killed_at
    third = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert "training" not in third.stdout and "1 of 1 points complete" in third.stdout
    assert len(trials(out)) == 2


def test_a_diverged_point_is_recorded_as_failed_and_the_sweep_goes_on(data, tmp_path, capsys):
    out = tmp_path / "sweep"
    with pytest.warns(UserWarning, match="non-finite loss"):
        code = main(command(data, out, "learning_rate_g=1e30,1e-3", seeds=1, iters=10)[3:])
    assert code == 0
    text = capsys.readouterr().out
    assert "learning_rate_g=1e+30_seed=0: FAILED (RuntimeError: 5 non-finite losses in a row" in text
    assert "1 of 2 points complete, 1 failed" in text
    failed, complete = trials(out)
    assert failed.state.name == "FAIL" and "training diverged" in failed.user_attrs["failure"]
    assert complete.state.name == "COMPLETE"
    import csv

    with open(out / "results.csv") as f:
        rows = {r["point"]: r for r in csv.DictReader(f)}
    assert rows["learning_rate_g=1e+30_seed=0"]["state"] == "failed"
    assert rows["learning_rate_g=1e+30_seed=0"]["failure"].startswith("RuntimeError: 5 non-finite losses")


def test_a_storage_of_another_sweep_is_refused_and_left_as_it_was(data, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(command(data, out, "learning_rate_g=1e-3", seeds=1, iters=1)[3:]) == 0
    before = [(t.number, t.state, t.user_attrs.get("result")) for t in trials(out)]
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert main(command(data, out, "learning_rate_g=1e-4", seeds=1, iters=1)[3:]) == 2
    err = capsys.readouterr().err
    assert "already holds a study 'sweep' of another sweep" in err and "grid:" in err and "nothing was changed" in err
    assert [(t.number, t.state, t.user_attrs.get("result")) for t in trials(out)] == before
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps


@pytest.mark.parametrize("option, message", [
    (("--storage", "sqlite:////no/such/folder/s.db"), "cannot reach the storage 'sqlite:////no/such/folder/s.db'"),
    (("--storage", "nosuchdb://host/x"), "cannot reach the storage 'nosuchdb://host/x'"),
    (("--journal", "/no/such/folder/s.log"), "the folder /no/such/folder does not exist"),
])
def test_an_unreachable_storage_is_a_clear_error(data, tmp_path, capsys, option, message):
    assert main(command(data, tmp_path / "s", "learning_rate_g=1e-3", seeds=1, iters=1, extra=option)[3:]) == 2
    err = capsys.readouterr().err
    assert message in err and "nothing was written" in err and len(err.strip().splitlines()) == 1


def test_a_silent_or_exited_worker_makes_its_point_stale():
    now = time.time()
    alive = SimpleNamespace(user_attrs={"worker": WORKER, "heartbeat": now}, datetime_start=None)
    assert stale_reason(alive, stale_after=600) is None
    silent = SimpleNamespace(user_attrs={"worker": {"host": "elsewhere", "pid": 1}, "heartbeat": now - 900},
                             datetime_start=None)
    assert stale_reason(silent, stale_after=600).startswith("no heartbeat for 9")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    exited = SimpleNamespace(user_attrs={"worker": {**WORKER, "pid": int(gone.stdout)}, "heartbeat": now},
                             datetime_start=None)
    assert "has exited" in stale_reason(exited, stale_after=600)


def test_a_time_budget_per_point(data, tmp_path, capsys):
    """--minutes bounds each point's training as in srlib train (here 30 ms: a few iterations of 1000)."""
    out = tmp_path / "sweep"
    assert main(command(data, out, "learning_rate_g=1e-3", seeds=1, iters=1000, extra=("--minutes", "0.0005"))[3:]) == 0
    (trial,) = trials(out)
    result = trial.user_attrs["result"]
    assert trial.state.name == "COMPLETE" and 1 <= result["iterations"] < 1000 and result["minutes"] > 0
