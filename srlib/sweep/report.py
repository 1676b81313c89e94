"""A sweep's files for a reader: the results, the tables over seeds and the figure, in the sweep's folder.

``results.csv`` has one row per point and evaluation set (``table.result_rows``),
failed and unfinished points included; ``summary.csv`` the mean and spread over
seeds with the bicubic row (``table.summarize``); ``paired.csv`` every pair of
configurations compared seed by seed (``table.paired_comparison``); ``sweep.png``
the score against the swept value (``figure.plot_sweep``). Every worker writes
them again when it stops, from the study's records, so the files always show
the whole grid as far as it has run. Taught in: notebook 09, section 2.
"""

from __future__ import annotations

import csv
from pathlib import Path

from srlib.sweep.table import completed, paired_comparison, result_rows, set_names, summarize


def write_csv(rows: list[dict], path: Path) -> Path:
    """``rows`` (dicts with the same keys) as a CSV file with a header; returns ``path``.

    Taught in: notebook 09, section 2.
    """
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["empty"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_report(records: list[dict], out: str | Path) -> list[Path]:
    """``results.csv``, ``summary.csv``, ``paired.csv`` and ``sweep.png`` in ``out``; returns their paths.

    With no completed point only ``results.csv`` is written (there is nothing to average).
    Taught in: notebook 09, section 2.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [write_csv(result_rows(records), out / "results.csv")]
    if not completed(records):
        return paths
    paths.append(write_csv(summarize(records), out / "summary.csv"))
    paired = [row for name in set_names(records) for row in paired_comparison(records, name)]
    paths.append(write_csv(paired, out / "paired.csv"))
    from matplotlib.figure import Figure  # no pyplot: a notebook's figures and backend stay as they are

    from srlib.sweep.figure import plot_sweep

    fig = Figure(figsize=(7, 4.5))
    plot_sweep(records, ax=fig.subplots())
    fig.tight_layout()
    fig.savefig(out / "sweep.png", dpi=100)
    return paths + [out / "sweep.png"]
