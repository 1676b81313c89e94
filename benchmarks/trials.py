"""Measurements that survive a noisy machine: interleaved trials and a median ratio.

A single A-then-B measurement on a shared machine mostly measures the
neighbours: ``train_step.py`` once gave 0.90, 0.95 and 1.04 for the same
code. So every benchmark here runs ``trials`` rounds (at least 5); each round
measures both candidates back to back, alternating which goes first, and
yields one ratio; the median of those ratios is the result, printed last,
with the spread (min to max) so a reader sees how noisy the machine was.
"""

from __future__ import annotations

import statistics
from typing import Callable

MIN_TRIALS = 5


def interleaved(measure_a: Callable[[], float], measure_b: Callable[[], float],
                trials: int = MIN_TRIALS) -> tuple[list[float], list[float]]:
    """``trials`` values of each measurement, taken A B, B A, A B, ... (drift hits both alike)."""
    if trials < MIN_TRIALS:
        raise ValueError(f"trials={trials}: use at least {MIN_TRIALS}, one ratio is noise")
    a_values, b_values = [], []
    for t in range(trials):
        if t % 2 == 0:
            a_values.append(measure_a())
            b_values.append(measure_b())
        else:
            b_values.append(measure_b())
            a_values.append(measure_a())
    return a_values, b_values


def median_ratio(numerators: list[float], denominators: list[float]) -> tuple[float, float, float]:
    """(median, min, max) of the per-round ratios numerator / denominator."""
    ratios = [n / d for n, d in zip(numerators, denominators)]
    return statistics.median(ratios), min(ratios), max(ratios)


def describe(values: list[float], unit: str) -> str:
    """'median 1.23 unit (min 1.10, max 1.30, 5 trials)'."""
    return (f"median {statistics.median(values):.3g} {unit} (min {min(values):.3g}, max {max(values):.3g}, "
            f"{len(values)} trials)")


def ratio_line(what: str, numerators: list[float], denominators: list[float], target: float) -> str:
    """The closing line: 'median ratio WHAT over N interleaved rounds: r (rounds a to b; target >= t: met)'."""
    ratio, low, high = median_ratio(numerators, denominators)
    return (f"median ratio {what} over {len(numerators)} interleaved rounds: {ratio:.3f} (rounds {low:.3f} to "
            f"{high:.3f}; target >= {target:g}: {'met' if ratio >= target else 'NOT met'})")
