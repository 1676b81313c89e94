"""The figure of a sweep: the score against the swept value, one line per evaluation set.

Each seed is a dot, the line joins the means over seeds, the bar spans the
lowest to the highest seed, and bicubic is a dashed line of the set's colour:
a reader sees at once whether a difference between two values is larger than
the spread of one value, and whether anything beats doing nothing.
Taught in: notebook 09.
"""

from __future__ import annotations

import itertools

import numpy as np
from matplotlib.axes import Axes

from srlib.sweep.table import completed, set_names


def plot_sweep(records: list[dict], axis: str | None = None, ax: Axes | None = None, metric: str = "psnr",
               sets: list[str] | None = None, title: str | None = None) -> Axes:
    """PSNR-Y (or SSIM-Y) against the values of ``axis`` (default: the grid's first), per set; returns ``ax``.

    Args:
        records: a sweep's records (``srlib.sweep.study.collect`` or the shipped study).
        axis: the swept field on the x axis; other axes, if any, get lines of their own.
        ax: a matplotlib Axes (default: a new figure's).
        metric: 'psnr' or 'ssim'.
        sets: the evaluation sets to draw (default: all).
    Taught in: notebook 09.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.subplots(figsize=(7, 4.5))[1]
    done = completed(records)
    axis = axis or next(iter(records[0]["config"]))
    values = list(dict.fromkeys(r["config"][axis] for r in records))
    x = {v: i for i, v in enumerate(values)}
    others = list(dict.fromkeys(tuple((k, v) for k, v in r["config"].items() if k != axis) for r in records))
    colors = (f"C{i}" for i in itertools.count())
    for name in sets or set_names(records):
        for rest in others:
            color = next(colors)
            mine = [r for r in done if tuple((k, v) for k, v in r["config"].items() if k != axis) == rest]
            label = name + "".join(f", {k}={v}" for k, v in rest)
            means, spans = [], []
            for v in values:
                ys = np.array([r["scores"][name][f"model_{metric}"] for r in mine if r["config"][axis] == v])
                ax.plot([x[v]] * len(ys), ys, "o", color=color, alpha=0.35, markersize=4)
                means.append(ys.mean() if len(ys) else np.nan)
                spans.append((ys.mean() - ys.min(), ys.max() - ys.mean()) if len(ys) else (np.nan, np.nan))
            ax.errorbar(range(len(values)), means, yerr=np.array(spans).T, color=color, marker="s", capsize=4,
                        label=f"{label} (mean, seed range)")
            if done:
                ax.axhline(done[0]["scores"][name][f"bicubic_{metric}"], color=color, linestyle="--", linewidth=1,
                           label=f"{name}: bicubic")
    ax.set_xticks(range(len(values)), [str(v) for v in values])
    ax.set_xlabel(axis)
    ax.set_ylabel("PSNR-Y (dB)" if metric == "psnr" else "SSIM-Y")
    ax.set_title(title or f"{metric.upper()}-Y against {axis}, {len({r['seed'] for r in records})} seeds")
    ax.legend(fontsize=8)
    return ax


