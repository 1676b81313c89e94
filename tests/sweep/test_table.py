"""Reading a sweep (srlib/sweep/table.py, figure.py): mean and spread, the bicubic row, paired differences."""

import math

import pytest

from srlib.sweep.figure import plot_sweep
from srlib.sweep.report import write_report
from srlib.sweep.table import format_summary, paired_comparison, paired_difference, summarize


def record(blocks, seed, psnr, state="complete", bicubic=25.0):
    scores = {"set5": {"images": 5, "model_psnr": psnr, "model_ssim": psnr / 40, "bicubic_psnr": bicubic,
                       "bicubic_ssim": 0.7},
              "urban100": {"images": 100, "model_psnr": psnr - 3, "model_ssim": 0.6, "bicubic_psnr": bicubic - 3,
                           "bicubic_ssim": 0.6}}
    r = {"point": f"b={blocks}_seed={seed}", "config": {"generator.num_block": blocks}, "seed": seed, "state": state}
    return {**r, "scores": scores, "iterations": 10, "minutes": 0.1} if state == "complete" else {**r, "failure": "x"}


# 8 blocks: 26.0, 26.4, 26.2; 16 blocks: each seed 0.5 dB above; 32 blocks: one seed far off (a noisy run)
RECORDS = ([record(8, s, v) for s, v in enumerate((26.0, 26.4, 26.2))]
           + [record(16, s, v) for s, v in enumerate((26.5, 26.9, 26.7))]
           + [record(32, s, v) for s, v in enumerate((24.0, 27.0, 26.6))]
           + [record(64, 0, 0, state="failed")])


def test_summary_has_mean_spread_and_bicubic_first():
    rows = summarize(RECORDS)
    assert [(r["config"], r["set"]) for r in rows[:2]] == [("bicubic", "set5"), ("bicubic", "urban100")]
    assert rows[0]["psnr_mean"] == 25.0 and rows[1]["psnr_mean"] == 22.0
    eight = next(r for r in rows if r["config"] == "generator.num_block=8" and r["set"] == "set5")
    assert eight["n"] == 3 and eight["psnr_mean"] == pytest.approx(26.2)
    assert eight["psnr_sd"] == pytest.approx(0.2)  # sample standard deviation (ddof = 1)
    failed = next(r for r in rows if r["config"] == "generator.num_block=64")
    assert failed["n"] == 0 and failed["failed"] == 1 and math.isnan(failed["psnr_mean"])
    text = format_summary(rows)
    assert text.splitlines()[1].startswith("bicubic") and "26.20 ± 0.20" in text and "(1 failed)" in text


def test_paired_differences_separate_a_consistent_gain_but_not_one_outlier_driven():
    consistent = paired_difference({0: 26.5, 1: 26.9, 2: 26.7}, {0: 26.0, 1: 26.4, 2: 26.2})
    assert consistent["mean"] == pytest.approx(0.5) and consistent["se"] == pytest.approx(0, abs=1e-12)
    assert consistent["verdict"] == "separated"
    noisy = paired_difference({0: 24.0, 1: 27.0, 2: 26.6}, {0: 26.0, 1: 26.4, 2: 26.2})
    assert noisy["verdict"] == "within noise" and not noisy["same_sign"]
    # one seed against the others: the signs disagree
    mixed = paired_difference({0: 1.0, 1: 1.0, 2: -0.1}, {0: 0.0, 1: 0.0, 2: 0.0})
    assert mixed["verdict"] == "within noise"
    # signs agree, the mean is 2.3 standard errors but only 1.3 standard deviations: not enough with 3 seeds
    wide = paired_difference({0: 0.4, 1: 0.5, 2: 1.5}, {0: 0.0, 1: 0.0, 2: 0.0})
    assert wide["same_sign"] and wide["t"] > 2 and wide["verdict"] == "within noise"
    assert wide["mean"] == pytest.approx(0.8) and wide["sd"] == pytest.approx(0.37 ** 0.5)
    # signs agree and the mean is at least twice the standard deviation
    tight = paired_difference({0: 0.5, 1: 0.6, 2: 0.7}, {0: 0.0, 1: 0.0, 2: 0.0})
    assert tight["verdict"] == "separated" and tight["mean"] >= 2 * tight["sd"]
    assert paired_difference({0: 1.0}, {0: 0.0})["verdict"] == "too few seeds"


def test_paired_comparison_pairs_by_seed_every_two_configurations():
    rows = paired_comparison(RECORDS, "set5")
    assert [(r["a"], r["b"]) for r in rows][:2] == [("generator.num_block=8", "generator.num_block=16"),
                                                    ("generator.num_block=8", "generator.num_block=32")]
    by_pair = {(r["a"][-2:], r["b"][-2:]): r for r in rows}
    assert by_pair[("=8", "16")]["verdict"] == "separated" and by_pair[("=8", "16")]["mean"] == pytest.approx(-0.5)
    assert by_pair[("=8", "32")]["verdict"] == "within noise"
    assert by_pair[("=8", "64")]["verdict"] == "too few seeds"


def test_report_files_and_a_labelled_figure(tmp_path):
    import matplotlib.pyplot as plt

    paths = write_report(RECORDS, tmp_path)
    assert [p.name for p in paths] == ["results.csv", "summary.csv", "paired.csv", "sweep.png"]
    results = (tmp_path / "results.csv").read_text().splitlines()
    assert len(results) == 1 + 9 * 2 + 1  # one row per point and set, the failed point once
    assert (tmp_path / "paired.csv").read_text().count("separated") == 2  # 8 vs 16 on both sets
    fig, ax = plt.subplots()
    plot_sweep(RECORDS, ax=ax)
    assert ax.get_xlabel() == "generator.num_block" and ax.get_ylabel() == "PSNR-Y (dB)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "set5: bicubic" in labels and any(label.startswith("urban100") for label in labels)
    plt.close(fig)
