"""Time budgets: what a run has done, how fast, and what the full schedule would cost.

The papers train ESRGAN for 1,000,000 + 400,000 iterations; a Colab session
lasts hours. ``srlib train --minutes M`` therefore stops at the first iteration
boundary after M minutes, and every checkpoint writes ``status.json`` beside
it: iteration, cumulative training time, the measured seconds per iteration,
the device. From those ``estimate`` says how long the recipe's full schedule
takes at that speed and how many sessions that is. Reading ``status.json``
costs nothing, where a checkpoint on Google Drive is hundreds of megabytes.
Taught in: notebook 07.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist

from srlib.files import atomic_path

STATUS = "status.json"


def check_minutes(minutes: float | None) -> None:
    """Refuse a time budget that is not a positive number of minutes (NaN included)."""
    if minutes is not None and not minutes > 0:  # also refuses NaN
        raise ValueError(f"--minutes must be a positive number of minutes, got {minutes}; leave it out "
                         "to train to --max-iters (or to the end of the recipe)")


def write_status(folder: str | Path, status: dict) -> None:
    """``folder/status.json``, atomically (written beside each checkpoint)."""
    with atomic_path(Path(folder) / STATUS) as tmp:
        tmp.write_text(json.dumps(status, indent=2))


def run_status(folder: str | Path) -> dict | None:
    """The last ``status.json`` of a run folder, or None when it holds no checkpoint yet."""
    path = Path(folder) / STATUS
    if not path.exists() or not any(Path(folder).glob("ckpt_*.pt")):
        return None
    return json.loads(path.read_text())


@dataclass(frozen=True)
class Estimate:
    """What a schedule costs at a measured speed: hours in all, hours left, sessions needed."""

    seconds_per_iteration: float
    total_iters: int
    done_iters: int
    session_hours: float

    @property
    def full_hours(self) -> float:
        """Hours for the recipe's whole schedule at the measured speed."""
        return self.seconds_per_iteration * self.total_iters / 3600

    @property
    def hours_left(self) -> float:
        """Hours for the iterations not done yet."""
        return self.seconds_per_iteration * max(0, self.total_iters - self.done_iters) / 3600

    @property
    def sessions(self) -> int:
        """Sessions of ``session_hours`` for the whole schedule (resuming between them)."""
        return math.ceil(self.full_hours / self.session_hours)

    def __str__(self) -> str:
        return (f"{self.seconds_per_iteration:.3g} s/iteration: the full schedule of {self.total_iters:,} "
                f"iterations takes {self.full_hours:,.1f} h ({self.sessions} session(s) of "
                f"{self.session_hours:g} h), {self.hours_left:,.1f} h of it still to go")


def estimate(seconds_per_iteration: float, total_iters: int, done_iters: int = 0,
             session_hours: float = 12.0) -> Estimate:
    """The cost of a schedule at a measured speed (default sessions: Colab's 12-hour maximum)."""
    if not seconds_per_iteration > 0:
        raise ValueError(f"seconds per iteration must be positive, got {seconds_per_iteration}")
    return Estimate(seconds_per_iteration, total_iters, done_iters, session_hours)


class SpeedMeter:
    """Seconds per iteration, measured at the iterations where the device was read (so the
    time is honest on a GPU), the first one excluded as a warm-up."""

    def __init__(self, first_iteration: int):
        self._clock = time.perf_counter
        self.first, self.start = first_iteration, self._clock()
        self.warm: tuple[int, float] | None = None  # (iteration, time) after the warm-up
        self.seconds_per_iteration: float | None = None

    def tick(self, iteration: int) -> float | None:
        """Call right after reading the device at ``iteration``; returns the speed so far."""
        now = self._clock()
        if self.warm is None:
            self.warm = (iteration, now)
        elif iteration > self.warm[0]:
            self.seconds_per_iteration = (now - self.warm[1]) / (iteration - self.warm[0])
        return self.seconds_per_iteration

    def finish(self, iteration: int) -> float | None:
        """At the end of a session: a run too short to exclude a warm-up is timed whole."""
        if self.seconds_per_iteration is None and iteration > self.first:
            self.seconds_per_iteration = (self._clock() - self.start) / (iteration - self.first)
        return self.seconds_per_iteration


class SessionClock:
    """Training time over sessions: the seconds of earlier sessions (from a checkpoint) plus the running one."""

    def __init__(self, earlier_seconds: float = 0.0):
        self.earlier = earlier_seconds
        self._start: float | None = None

    def start(self) -> float:
        """Start a session's clock; returns its start (``time.perf_counter()``)."""
        self._start = time.perf_counter()
        return self._start

    def stop(self) -> None:
        """End the session: its time joins the earlier sessions' (and is saved in checkpoints)."""
        if self._start is not None:
            self.earlier += time.perf_counter() - self._start
            self._start = None

    @property
    def seconds(self) -> float:
        """Training time over all sessions, the running one included."""
        running = time.perf_counter() - self._start if self._start is not None else 0.0
        return self.earlier + running


def budget_spent(start: float, max_seconds: float, at_check: bool, device: torch.device) -> bool:
    """True once ``max_seconds`` have passed since ``start``.

    Under DDP the ranks decide together, at check iterations only (an all-reduce of the
    flag), so that they all stop at the same iteration.
    """
    over = time.perf_counter() - start > max_seconds
    if not dist.is_initialized() or dist.get_world_size() == 1:
        return over
    if not at_check:
        return False
    flag = torch.tensor(float(over), device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())


def progress_postfix(logs: dict, seconds_per_iteration: float | None, total_iters: int) -> dict:
    """A progress bar's text: the losses, s/it and what the full schedule of ``total_iters`` takes at that speed."""
    postfix = {k: f"{float(v):.3g}" for k, v in logs.items() if k.startswith("loss")}
    if seconds_per_iteration:
        postfix["s/it"] = f"{seconds_per_iteration:.3g}"
        postfix[f"full {total_iters:,}"] = f"{seconds_per_iteration * total_iters / 3600:.3g} h"
    return postfix
