"""Reading a sweep: mean and spread over seeds, the bicubic row, and which differences are real.

Source document 004 ran every configuration once and chose between them on
differences of a few tenths of a dB. Here every configuration runs with
several seeds (initialisation and data order), so each difference can be set
against the seed-to-seed spread:

- ``summarize``: per configuration and evaluation set, the mean and the sample
  standard deviation (ddof = 1) of PSNR-Y and SSIM-Y over the completed seeds,
  and bicubic as a row of its own (a table without it cannot show a model
  that is worse than doing nothing: the document's final SRGAN and ESRGAN).
- ``paired_comparison``: for two configurations A and B, the differences
  d_s = A_s - B_s of the runs that share seed s (same initialisation draw
  and data order), their mean d and standard deviation sd. The rule, the one
  notebook 03 uses for its upsamplers: a difference is *separated* from the
  noise when every d_s has the same sign **and** |d| >= 2 sd; else it is
  *within noise*. In terms of the standard error SE = sd / sqrt(n), |d| >= 2 sd
  is |d| >= 2 sqrt(n) SE, 3.5 SE for n = 3: stricter than the "twice the
  standard error" used with many runs, because with n = 3 the standard error
  is itself a guess from two degrees of freedom (Student's t with 2 degrees of
  freedom exceeds 2 in size 18% of the time when there is no real difference,
  and 3.5 about 7%; three signs agree by chance 25% of the time; notebook 09
  simulates what the whole rule lets through). Read "separated" with 3 seeds
  as "worth more seeds", not as proof.

Taught in: notebook 09.
"""

from __future__ import annotations

import itertools

import numpy as np

METRICS = ("psnr", "ssim")


def config_label(config: dict) -> str:
    """'generator.num_block=8' (axes joined by ', '); 'bicubic' for the bicubic row.

    Taught in: notebook 09.
    """
    return ", ".join(f"{axis}={value}" for axis, value in config.items())


def completed(records: list[dict]) -> list[dict]:
    """The records of points that finished training and were scored (not failed, waiting or running).

    Taught in: notebook 09.
    """
    return [r for r in records if r["state"] == "complete"]


def _configs(records: list[dict]) -> list[str]:
    """Configuration labels in grid order (records come in grid order)."""
    return list(dict.fromkeys(config_label(r["config"]) for r in records))


def set_names(records: list[dict]) -> list[str]:
    """The evaluation sets the completed records were scored on, in order.

    Taught in: notebook 09.
    """
    done = completed(records)
    return list(done[0]["scores"]) if done else []


def summarize(records: list[dict]) -> list[dict]:
    """Mean and spread over seeds per configuration and set, bicubic rows first.

    Returns rows {config, set, n, failed, psnr_mean, psnr_sd, ssim_mean, ssim_sd}; ``sd`` is the
    sample standard deviation (nan below 2 seeds); bicubic has n = 1, sd 0. Taught in: notebook 09.
    """
    done = completed(records)
    rows = []
    for name in set_names(records):
        bicubic = done[0]["scores"][name]
        row = {"config": "bicubic", "set": name, "n": 1, "failed": 0}
        for m in METRICS:
            row.update({f"{m}_mean": bicubic[f"bicubic_{m}"], f"{m}_sd": 0.0})
        rows.append(row)
    for label in _configs(records):
        mine = [r for r in records if config_label(r["config"]) == label]
        failed = sum(r["state"] == "failed" for r in mine)
        for name in set_names(records):
            row = {"config": label, "set": name, "n": 0, "failed": failed}
            for m in METRICS:
                values = np.array([r["scores"][name][f"model_{m}"] for r in completed(mine)])
                row["n"] = len(values)
                row[f"{m}_mean"] = float(values.mean()) if len(values) else float("nan")
                row[f"{m}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
            rows.append(row)
    return rows


def paired_difference(a: dict[int, float], b: dict[int, float]) -> dict:
    """The paired comparison of two configurations' scores by seed ({seed: value}); see the module docstring.

    Returns {n, mean, sd, se, t, same_sign, verdict}; verdict is 'separated', 'within noise' or
    'too few seeds' (fewer than 2 shared). Taught in: notebook 09.
    """
    seeds = sorted(set(a) & set(b))
    d = np.array([a[s] - b[s] for s in seeds])
    if len(d) < 2:
        return {"n": len(d), "mean": float(d.mean()) if len(d) else float("nan"), "sd": float("nan"), "se": float("nan"),
                "t": float("nan"), "same_sign": False, "verdict": "too few seeds"}
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    se = sd / np.sqrt(len(d))
    t = mean / se if se > 0 else (float("inf") if mean else 0.0)
    same_sign = bool(np.all(d > 0) or np.all(d < 0))
    verdict = "separated" if same_sign and abs(mean) >= 2 * sd else "within noise"
    return {"n": len(d), "mean": mean, "sd": sd, "se": se, "t": t, "same_sign": same_sign, "verdict": verdict}


def paired_comparison(records: list[dict], set_name: str, metric: str = "psnr") -> list[dict]:
    """Every pair of configurations compared on ``set_name``, paired by seed (``paired_difference``).

    Rows {a, b, set, metric, n, mean, sd, se, t, same_sign, verdict}, where mean = A - B.
    Taught in: notebook 09.
    """
    by_config: dict[str, dict[int, float]] = {label: {} for label in _configs(records)}
    for r in completed(records):
        by_config[config_label(r["config"])][r["seed"]] = r["scores"][set_name][f"model_{metric}"]
    return [{"a": a, "b": b, "set": set_name, "metric": metric, **paired_difference(by_config[a], by_config[b])}
            for a, b in itertools.combinations(by_config, 2)]


def format_summary(rows: list[dict], metric: str = "psnr") -> str:
    """``summarize``'s rows as text: one line per configuration (bicubic first), one column per set,
    cells 'mean ± sd' over seeds; like source document 004's tables, with the spread and bicubic.
    Taught in: notebook 09.
    """
    sets = list(dict.fromkeys(r["set"] for r in rows))
    configs = list(dict.fromkeys(r["config"] for r in rows))
    digits = 2 if metric == "psnr" else 4
    cell = {(r["config"], r["set"]): r for r in rows}
    width = max(len(c) for c in configs) + 2
    lines = [f"{'':<{width}}" + "".join(f"{s:>20}" for s in sets) + "   seeds"]
    for c in configs:
        texts = []
        for s in sets:
            r = cell[(c, s)]
            sd = "" if c == "bicubic" or np.isnan(r[f"{metric}_sd"]) else f" ± {r[f'{metric}_sd']:.{digits}f}"
            texts.append(f"{r[f'{metric}_mean']:.{digits}f}{sd}")
        first = cell[(c, sets[0])]
        seeds = "" if c == "bicubic" else f"   {first['n']}" + (f" ({first['failed']} failed)" if first["failed"] else "")
        lines.append(f"{c:<{width}}" + "".join(f"{t:>20}" for t in texts) + seeds)
    return "\n".join(lines)


def result_rows(records: list[dict]) -> list[dict]:
    """One row per point and set (failed and unfinished points once, without scores): results.csv.

    Taught in: notebook 09.
    """
    rows = []
    for r in records:
        base = {"point": r["point"], **r["config"], "seed": r["seed"], "state": r["state"],
                "iterations": r.get("iterations"), "minutes": r.get("minutes"), "failure": r.get("failure", "")}
        for name, s in (r.get("scores") or {None: {}}).items():
            rows.append({**base, "set": name, **{k: s.get(k) for k in ("model_psnr", "model_ssim", "bicubic_psnr",
                                                                        "bicubic_ssim")}})
    return rows
