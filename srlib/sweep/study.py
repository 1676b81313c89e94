"""A sweep's grid and results in an Optuna study, shared by any number of workers.

The engine is Optuna (Akiba et al. 2019, arXiv:1907.10902), not a home-made
scheduler:

- **Storage.** SQLite in the sweep's folder by default, a database URL, or
  Optuna's journal file on a shared folder (``storage.py``).
- **Exactly once.** Whoever creates the study enqueues every point of the grid
  as a *waiting* trial (``enqueue_trial``); a worker takes one by moving it
  from waiting to running, which the storage grants to one worker only.
  Optuna's own ``ask()`` is never called: on an empty queue it would sample a
  new trial, and ``GridSampler`` then repeats a finished point (it warns so
  for parallel workers). A taken trial whose point is already taken under an
  older trial is dropped, so a point enqueued twice still trains once.
- **Resuming.** A running trial records its worker (host, pid) and a heartbeat.
  When the worker is gone (same host, process dead) or silent for
  ``stale_after`` seconds, the next worker marks the trial failed ("requeued",
  one worker wins that change) and enqueues the point again; its run folder
  still holds the checkpoints, so training resumes where it stopped.
- **Another sweep's study.** The study records the sweep's definition (recipe,
  grid, budget, data, evaluation sets); a worker whose definition differs
  refuses to join it and changes nothing.

``GridSampler`` is the study's sampler, so the dashboard (``optuna-dashboard``)
and ``study.optimize`` see the grid. Taught in: notebook 09.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import optuna
from optuna.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from optuna.trial import TrialState

from srlib.sweep.grid import Grid, Point
from srlib.sweep.storage import open_storage  # noqa: F401 (srlib.sweep.study.open_storage)

WORKER = {"host": socket.gethostname(), "pid": os.getpid(), "id": uuid.uuid4().hex[:8]}
ACTIVE = (TrialState.WAITING, TrialState.RUNNING, TrialState.COMPLETE)

optuna.logging.set_verbosity(optuna.logging.WARNING)


def point_params(point: Point) -> dict:
    """The Optuna parameters of a point: its axis values and the seed.

    Taught in: notebook 09.
    """
    return {**dict(point.config), "seed": point.seed}


def _plain(value):
    """JSON's view of ``value`` (tuples become lists), so definitions compare as stored."""
    return json.loads(json.dumps(value))


@dataclass
class SweepStudy:
    """An Optuna study with the storage it lives in (whose methods are Optuna's public storage API)."""

    study: optuna.Study
    storage: optuna.storages.BaseStorage
    study_id: int
    search_space: dict  # {param: its values}: the grid's axes and "seed"

    def trial_id(self, number: int) -> int:
        """The storage's id of trial ``number``.

        Taught in: notebook 09.
        """
        return self.storage.get_trial_id_from_study_id_trial_number(self.study_id, number)


def open_study(storage: optuna.storages.BaseStorage, name: str, definition: dict, grid: Grid, wait_seconds: float = 120.0) -> SweepStudy:
    """Create the sweep's study with every point enqueued, or join it if it exists.

    Joining checks that the study records the same ``definition`` (else ValueError, nothing
    changed) and waits up to ``wait_seconds`` for its creator to finish enqueuing the grid.
    Taught in: notebook 09.
    """
    search_space = {**{axis: list(values) for axis, values in grid.axes.items()}, "seed": list(range(grid.seeds))}
    sampler = optuna.samplers.GridSampler(search_space, seed=0)
    definition = _plain(definition)
    try:
        study = optuna.create_study(storage=storage, study_name=name, sampler=sampler, direction="maximize")
    except DuplicatedStudyError:
        study = optuna.load_study(study_name=name, storage=storage, sampler=sampler)
        _wait_for(study, "sweep", wait_seconds, name)
        _check_same_sweep(study.user_attrs["sweep"], definition, name)
        _wait_for(study, "enqueued", wait_seconds, name)
        return SweepStudy(study, storage, storage.get_study_id_from_name(name), search_space)
    study.set_user_attr("sweep", definition)
    for point in grid.points():
        study.enqueue_trial(point_params(point), user_attrs={"point": point.key})
    study.set_user_attr("enqueued", len(grid.points()))
    return SweepStudy(study, storage, storage.get_study_id_from_name(name), search_space)


def _wait_for(study: optuna.Study, key: str, wait_seconds: float, name: str) -> None:
    """Wait until the study's creator has written user attribute ``key``."""
    deadline = time.monotonic() + wait_seconds
    while key not in study.user_attrs:
        if time.monotonic() > deadline:
            raise ValueError(f"study {name!r} exists but its grid was never fully recorded (its creator stopped "
                             f"while enqueuing?); delete it (optuna delete-study --study-name {name} --storage "
                             "URL) or choose another --study name; nothing was changed")
        time.sleep(0.5)


def _check_same_sweep(theirs: dict, ours: dict, name: str) -> None:
    """ValueError naming what differs when the stored study is another sweep's."""
    differ = [f"{key}: {theirs.get(key)!r} there, {ours.get(key)!r} here" for key in sorted(set(theirs) | set(ours))
              if theirs.get(key) != ours.get(key)]
    if differ:
        raise ValueError(f"the storage already holds a study {name!r} of another sweep ({'; '.join(differ)[:600]}); "
                         "use another --out folder or --study name, or the same settings to join it; nothing "
                         "was changed")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (always assumed on Windows, where heartbeats decide)."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_reason(trial: optuna.trial.FrozenTrial, stale_after: float) -> str | None:
    """Why a running trial's worker is presumed gone, or None while it is alive.

    Gone: it ran on this host and its process has exited, or its last heartbeat (else its start)
    is older than ``stale_after`` seconds. Taught in: notebook 09.
    """
    owner = trial.user_attrs.get("worker") or {}
    if owner.get("host") == WORKER["host"] and owner.get("pid"):
        if owner["pid"] == WORKER["pid"] and owner.get("id") != WORKER["id"]:
            return "an earlier sweep in this process stopped while running it"
        if not _alive(owner["pid"]):
            return f"its worker ({owner['host']}, pid {owner['pid']}) has exited"
    last = trial.user_attrs.get("heartbeat")
    if last is None and trial.datetime_start is not None:
        last = trial.datetime_start.timestamp()
    if last is not None and time.time() - last > stale_after:
        return f"no heartbeat for {time.time() - last:.0f} s"
    return None


def requeue(sweep: SweepStudy, trial: optuna.trial.FrozenTrial, reason: str, points: dict[str, Point]) -> bool:
    """Mark a running trial failed ("requeued: reason") and enqueue its point again; False if another
    worker did so first (the storage lets one change a running trial into a finished one).
    Taught in: notebook 09.
    """
    trial_id = sweep.trial_id(trial.number)
    try:
        sweep.storage.set_trial_user_attr(trial_id, "requeued", reason)
        sweep.storage.set_trial_state_values(trial_id, TrialState.FAIL)
    except UpdateFinishedTrialError:
        return False
    key = trial.user_attrs["point"]
    sweep.study.enqueue_trial(point_params(points[key]), user_attrs={"point": key, "resumes": trial.number})
    return True


def _recover(sweep: SweepStudy, points: dict[str, Point], stale_after: float) -> None:
    """Requeue stale running trials, and enqueue points left with no live trial (a worker that died
    between marking a trial failed and enqueuing it again); a genuine failure is not retried."""
    for trial in sweep.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if "point" in trial.user_attrs and (reason := stale_reason(trial, stale_after)):
            requeue(sweep, trial, reason, points)
    covered = {t.user_attrs.get("point") for t in sweep.study.get_trials(deepcopy=False)
               if t.state in ACTIVE or "failure" in t.user_attrs}
    for key, point in points.items():
        if key not in covered:
            sweep.study.enqueue_trial(point_params(point), user_attrs={"point": key})


def claim_next(sweep: SweepStudy, points: dict[str, Point], stale_after: float = 600.0) -> tuple[int, Point] | None:
    """Take the next waiting point for this worker: (trial number, Point), or None when none waits.

    A trial is taken by moving it from waiting to running, which one worker only achieves. A taken
    trial whose point is already complete, or running under an older trial, is dropped (marked
    failed as a duplicate): exactly one trial per point trains. Taught in: notebook 09.
    """
    _recover(sweep, points, stale_after)
    storage = sweep.storage
    for trial in sweep.study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
        if trial.user_attrs.get("point") not in points:  # not one of the grid's (added by hand?)
            continue
        trial_id = sweep.trial_id(trial.number)
        try:
            if not storage.set_trial_state_values(trial_id, TrialState.RUNNING):
                continue
        except UpdateFinishedTrialError:
            continue
        storage.set_trial_user_attr(trial_id, "worker", WORKER)
        storage.set_trial_user_attr(trial_id, "heartbeat", time.time())
        key = trial.user_attrs["point"]
        if _duplicate(sweep.study, key, trial.number):
            storage.set_trial_user_attr(trial_id, "duplicate", True)
            storage.set_trial_state_values(trial_id, TrialState.FAIL)
            continue
        real = optuna.trial.Trial(sweep.study, trial_id)  # record the parameters (the dashboard shows them)
        for name, value in point_params(points[key]).items():
            real.suggest_categorical(name, sweep.search_space[name])
        return trial.number, points[key]
    return None


def _duplicate(study: optuna.Study, key: str, number: int) -> bool:
    """Whether ``key`` is complete, or running under a lower trial number (the older claim wins)."""
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.COMPLETE)):
        if trial.user_attrs.get("point") == key and trial.number != number:
            if trial.state == TrialState.COMPLETE or trial.number < number:
                return True
    return False


class Heartbeat:
    """While open, writes the time into a running trial every ``every`` seconds (a daemon thread)."""

    def __init__(self, sweep: SweepStudy, number: int, every: float = 60.0):
        self.storage, self.trial_id, self.every = sweep.storage, sweep.trial_id(number), every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.storage.set_trial_user_attr(self.trial_id, "heartbeat", time.time())
            except Exception:  # the trial was requeued by another worker, or the storage is away: stop
                return

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def finish(sweep: SweepStudy, number: int, result: dict | None = None, failure: str | None = None) -> None:
    """Record a point's result (complete, value = PSNR-Y on the first set) or its failure and reason.

    Taught in: notebook 09.
    """
    trial_id = sweep.trial_id(number)
    if failure is not None:
        sweep.storage.set_trial_user_attr(trial_id, "failure", failure)
        sweep.study.tell(number, state=TrialState.FAIL)
        return
    sweep.storage.set_trial_user_attr(trial_id, "result", result)
    first = next(iter(result["scores"].values()))
    sweep.study.tell(number, first["model_psnr"])


def collect(study: optuna.Study, grid: Grid) -> list[dict]:
    """One record per point, in grid order: config, seed, state and, when finished, result or failure.

    ``state``: 'complete', 'failed', 'running' or 'waiting' (of the point's latest trial).
    Taught in: notebook 09.
    """
    latest: dict[str, optuna.trial.FrozenTrial] = {}
    for trial in study.get_trials(deepcopy=False):
        key = trial.user_attrs.get("point")
        if key is not None and not trial.user_attrs.get("duplicate"):
            if key not in latest or trial.number > latest[key].number:
                latest[key] = trial
    records = []
    for point in grid.points():
        trial = latest.get(point.key)
        state = {TrialState.COMPLETE: "complete", TrialState.FAIL: "failed", TrialState.RUNNING: "running"}.get(
            trial.state, "waiting") if trial else "waiting"
        record = {"point": point.key, "config": dict(point.config), "seed": point.seed, "state": state}
        if trial is not None and state == "complete":
            record.update(trial.user_attrs["result"])
        if trial is not None and state == "failed":
            record["failure"] = trial.user_attrs.get("failure") or f"requeued: {trial.user_attrs.get('requeued')}"
        records.append(record)
    return records
