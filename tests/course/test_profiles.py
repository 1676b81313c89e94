"""Run profiles and the command line."""

import subprocess
import sys

import pytest

from helpers import ROOT
from srlib import __version__
from srlib.cli import main
from srlib.course import PROFILES, get_device, get_profile


def test_profiles_exist_and_grow():
    assert set(PROFILES) == {"ci", "cpu", "gpu"}
    ci, cpu, gpu = PROFILES["ci"], PROFILES["cpu"], PROFILES["gpu"]
    assert ci.train_iters < cpu.train_iters < gpu.train_iters
    assert ci.hr_patch <= cpu.hr_patch <= gpu.hr_patch


def test_profile_forced_by_environment(monkeypatch):
    monkeypatch.setenv("SRLIB_PROFILE", "cpu")
    assert get_profile().name == "cpu"
    monkeypatch.setenv("SRLIB_PROFILE", "CI")
    assert get_profile().name == "ci"


def test_profile_chosen_by_hardware(monkeypatch):
    import torch

    monkeypatch.delenv("SRLIB_PROFILE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_profile().name == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_profile().name == "gpu"


def test_unknown_profile_names_the_valid_ones(monkeypatch):
    monkeypatch.setenv("SRLIB_PROFILE", "laptop")
    with pytest.raises(ValueError, match="valid profiles: ci, cpu, gpu"):
        get_profile()


def test_ci_profile_stays_on_cpu():
    assert get_device(PROFILES["ci"]).type == "cpu"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "srlib", *args], capture_output=True, text=True)


def test_version_and_help():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"srlib {__version__}"
    result = run_cli("--help")
    assert result.returncode == 0 and "course" in result.stdout


@pytest.mark.parametrize("args", [("nonsense",), ("--bogus",), ("course", "--bogus")])
def test_bad_command_line_is_one_line_plus_usage(args):
    result = run_cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("srlib: error:") and lines[1].startswith("usage:")


def test_course_command_lists_and_validates(capsys):
    from helpers import ROOT

    assert main(["course", "--root", str(ROOT)]) == 0
    out = capsys.readouterr().out
    assert "Welcome and set-up" in out and "ok (" in out


def test_course_command_reports_a_broken_notebook(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "00_welcome.ipynb").write_text("{not json")
    assert main(["course", "--root", str(tmp_path)]) == 1
    assert "BROKEN" in capsys.readouterr().out


def test_course_command_with_unknown_profile(capsys):
    from helpers import ROOT

    assert main(["course", "--root", str(ROOT), "--profile", "tpu"]) == 2
    assert "valid profiles" in capsys.readouterr().err


def test_course_command_finds_the_checkout_from_elsewhere(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no notebooks/ here: falls back to the installed checkout
    assert main(["course"]) == 0
    assert "Welcome and set-up" in capsys.readouterr().out
    assert main(["course", "--root", str(tmp_path)]) == 1
    assert "no notebooks/ folder" in capsys.readouterr().err


def test_ci_progress_bars_store_only_their_final_line(monkeypatch, capsys):
    import tqdm.auto

    from srlib.course import final_line_progress_bars

    monkeypatch.setattr(tqdm.auto, "tqdm", tqdm.auto.tqdm)  # restored after the test
    final_line_progress_bars()
    from tqdm.auto import tqdm as bar

    for _ in bar(range(30), desc="loop", leave=False, mininterval=0):
        pass
    half = bar(total=10, desc="stopped", mininterval=0)
    half.update(4)
    half.close()
    err = capsys.readouterr().err
    lines = [line.split("\r")[-1] for line in err.split("\n") if line.strip()]
    assert [line.split(":")[0] for line in lines] == ["loop", "stopped"]
    assert "30/30" in lines[0] and "100%" in lines[0] and "4/10" in lines[1]
    assert len(err.split("\r")) == 3  # one leading carriage return per bar: no first frame "0/30"
    # issue #20: no elapsed time, rate or postfix, whose padding differs from machine to machine
    assert lines == ["loop: 100%|██████████| 30/30", "stopped:  40%|████      | 4/10"]


def test_the_sanitiser_removes_tqdm_times_rates_and_their_padding():
    """Issue #20: '[00:02<00:00,  5.73it/s]' and '[00:02<00:00, 16.08it/s]' must compare equal."""
    import configparser
    import re

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "tests" / "nbval_sanitize.cfg")

    def sanitise(text):
        for section in cfg.sections():
            text = re.sub(cfg[section]["regex"], cfg[section]["replace"], text)
        return text

    a = "VGG54: 100%|██████████| 40/40 [00:06<00:00,  5.73it/s]"
    b = "VGG54: 100%|██████████| 40/40 [00:02<00:00, 16.08it/s, loss_g=0.02]"
    assert sanitise(a) == sanitise(b) == "VGG54: 100%|██████████| 40/40 [ELAPSED<LEFT, RATE]"


def test_vgg_weights_for_never_downloads_under_ci_and_falls_back_offline(monkeypatch, capsys):
    from srlib.losses import perceptual

    assert perceptual.vgg_weights_for("ci") == "random"
    monkeypatch.setattr(perceptual, "vgg19_weights_cached", lambda: False)

    def offline(weights):
        raise RuntimeError("could not load torchvision's ImageNet VGG19 weights (offline?)")

    monkeypatch.setattr(perceptual, "_load_vgg19", offline)
    assert perceptual.vgg_weights_for("cpu") == "random"
    assert "RANDOM VGG19" in capsys.readouterr().out
    monkeypatch.setattr(perceptual, "vgg19_weights_cached", lambda: True)
    assert perceptual.vgg_weights_for("gpu") == "imagenet"
