"""``srlib evaluate`` (srlib/infer/evaluate.py): the literature's protocol beside bicubic."""

import json

import pytest
import torch

from helpers import saved_generator
from srlib.cli import main
from srlib.infer import evaluation_set
from srlib.metrics import psnr
from srlib.models.generator_file import load_generator


def test_evaluate_matches_srlib_metrics(tmp_path, capsys):
    path = saved_generator(tmp_path, "g.pt", 0)
    assert main(["evaluate", "--weights", str(path), "--data", "samples", "--out", str(tmp_path / "ev")]) == 0
    result = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    data = evaluation_set("samples")
    model = load_generator(path)
    img_lr, img_hr = data[1]
    with torch.no_grad():
        want = psnr(model(img_lr[None]).clamp(0, 1), img_hr[None]).item()
    assert result["per_image"][1]["model_psnr"] == pytest.approx(want, abs=1e-6)
    assert (tmp_path / "ev" / "evaluation.csv").read_text().count("\n") == len(data) + 2
    assert "bicubic PSNR-Y" in capsys.readouterr().out


def test_lpips_is_optional_with_a_clear_message(tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_lpips(name, *args, **kwargs):
        if name == "lpips":
            raise ImportError("no lpips here")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_lpips)
    path = saved_generator(tmp_path, "g.pt", 0)
    assert main(["evaluate", "--weights", str(path), "--lpips", "--out", str(tmp_path / "ev")]) == 0
    assert "LPIPS skipped: the lpips package is not installed" in capsys.readouterr().out
