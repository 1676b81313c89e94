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
import os
from dataclasses import dataclass
from pathlib import Path

STATUS = "status.json"


def check_minutes(minutes: float | None) -> None:
    if minutes is not None and not minutes > 0:  # also refuses NaN
        raise ValueError(f"--minutes must be a positive number of minutes, got {minutes}; leave it out "
                         "to train to --max-iters (or to the end of the recipe)")


def write_status(folder: str | Path, status: dict) -> None:
    """``folder/status.json``, atomically (written beside each checkpoint)."""
    path = Path(folder) / STATUS
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(status, indent=2))
    os.replace(tmp, path)


def run_status(folder: str | Path) -> dict | None:
    """The last ``status.json`` of a run folder, or None when it holds no checkpoint yet."""
    path = Path(folder) / STATUS
    if not path.exists() or not any(Path(folder).glob("ckpt_*.pt")):
        return None
    return json.loads(path.read_text())


@dataclass(frozen=True)
class Estimate:
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
        import time

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
