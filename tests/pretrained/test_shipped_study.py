"""Notebook 09's shipped study (srlib/pretrained/sweeps.py, sweeps/study004.json, made by tools/study.py)."""

import warnings

import pytest

from srlib.models.generator_config import GeneratorConfig
from srlib.pretrained import PRETRAINED_DIR
from srlib.pretrained.sweeps import REGENERATE_STUDY, STUDY_PATH, SWEEPS, load_study, study_recipe, study_sweeps
from srlib.train.recipes import recipe_dict


def test_the_study_is_small_complete_and_says_how_it_was_made():
    assert STUDY_PATH.stat().st_size < 200_000, "scores only: keep the shipped study under 200 KB"
    assert sum(p.stat().st_size for p in PRETRAINED_DIR.rglob("*") if p.is_file()) < 5_000_000
    study = load_study()
    meta = study["meta"]
    assert meta["command"].startswith(REGENERATE_STUDY) and meta["threads"] == 1 and meta["cpu_seconds"] > 0
    recorded, expected = dict(study["recipe"]), recipe_dict(study_recipe())
    # the generator as GeneratorConfig reads it: a field added after the study ran (bicubic_skip,
    # issue #22) takes its default, which is what the study trained with
    assert GeneratorConfig.from_dict(recorded.pop("generator")) == study_recipe().generator
    expected.pop("generator")
    assert recorded == expected
    assert list(study["sweeps"]) == list(SWEEPS)
    for name, (axis, values, epochs) in SWEEPS.items():
        sweep = study["sweeps"][name]
        assert sweep["axis"] == axis and sweep["document_epochs"] == epochs
        records = sweep["records"]
        assert [(r["config"][axis], r["seed"]) for r in records] == [(v, s) for v in values for s in range(3)]
        for r in records:
            assert r["state"] == "complete" or (r["state"] == "failed" and r["failure"]), r["point"]
            if r["state"] == "complete":
                assert r["iterations"] == sweep["iterations"] and set(r["scores"]) == {"samples"}
                assert r["scores"]["samples"]["bicubic_psnr"] == pytest.approx(29.0991, abs=1e-3)


@pytest.mark.slow  # trains one point of the study again (about a minute on one thread)
def test_a_recorded_point_is_what_the_committed_command_trains(tmp_path):
    """The cheapest point (learning rate 1e-6, seed 0) retrained through the same sweep scores what the file says."""
    import torch

    from srlib.sweep import Grid
    from srlib.sweep.worker import run_sweep

    recorded = next(r for r in load_study()["sweeps"]["learning_rate"]["records"] if r["seed"] == 0)
    sweep = study_sweeps(tmp_path)["learning_rate"]
    sweep.grid = Grid({SWEEPS["learning_rate"][0]: (1e-6,)}, seeds=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (again,) = run_sweep(sweep)
    finally:
        torch.set_num_threads(threads)
    assert again["iterations"] == recorded["iterations"]
    for key in ("model_psnr", "model_ssim"):
        assert again["scores"]["samples"][key] == pytest.approx(recorded["scores"]["samples"][key], abs=0.01)
