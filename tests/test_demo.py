"""``srlib demo``: the main job (srlib/demo.py)."""

import json

import pytest

from srlib.cli import main
from srlib.models import count_parameters
from srlib.models.generator_file import load_generator


@pytest.mark.slow
def test_demo_writes_its_three_files(tmp_path, capsys):
    assert main(["demo", "--minutes", "0.1", "--out", str(tmp_path), "--quiet"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert [r["image"] for r in metrics["per_image"]] == ["chelsea", "coffee", "immunohistochemistry"]
    assert {"bicubic_psnr", "model_psnr", "bicubic_ssim", "model_ssim"} <= set(metrics["mean"])
    assert (tmp_path / "comparison.png").stat().st_size > 10_000
    model = load_generator(tmp_path / "generator.pt")
    assert 100_000 < count_parameters(model) < 200_000
    assert "model - bicubic" in capsys.readouterr().out
    assert main(["demo", "--minutes", "0", "--out", str(tmp_path)]) == 2
