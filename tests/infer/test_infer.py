"""srlib evaluate and srlib interpolate."""

import json

import pytest
import torch

from srlib.cli import main
from srlib.infer import evaluate_generator, evaluation_set, interpolate_files, interpolate_state_dicts
from srlib.metrics import psnr
from srlib.models import RRDBNet
from srlib.models.generator_file import build_generator, load_generator, save_generator

CONFIG = {"generator": "espcn", "num_feat": 8, "num_block": 1, "scale": 4}


def saved(tmp_path, name, seed, config=CONFIG):
    torch.manual_seed(seed)
    model = build_generator(config)
    for p in model.parameters():  # ResidualESPCN's tail starts at zero: give it weights
        torch.nn.init.normal_(p, std=0.01)
    return save_generator(tmp_path / name, model, config, "test")


def test_interpolation_endpoints_are_exact(tmp_path):
    a, b = saved(tmp_path, "a.pt", 0), saved(tmp_path, "b.pt", 1)
    sa, sb = load_generator(a).state_dict(), load_generator(b).state_dict()
    for alpha, want in ((0.0, sa), (1.0, sb)):
        out = load_generator(interpolate_files(a, b, alpha, tmp_path / f"i{alpha}.pt")).state_dict()
        assert all(torch.equal(out[k], want[k]) for k in want)
    half = interpolate_state_dicts(sa, sb, 0.5)
    torch.testing.assert_close(half["conv_head.weight"], (sa["conv_head.weight"] + sb["conv_head.weight"]) / 2)


def test_interpolation_refuses_other_architectures_naming_the_key():
    a = RRDBNet(num_feat=8, num_block=1, num_grow_ch=4).state_dict()
    b = RRDBNet(num_feat=8, num_block=2, num_grow_ch=4).state_dict()
    with pytest.raises(ValueError, match="key 'body.1.rdb1.conv1.weight' is missing from the PSNR weights"):
        interpolate_state_dicts(a, b, 0.5)
    c = RRDBNet(num_feat=16, num_block=1, num_grow_ch=4).state_dict()
    with pytest.raises(ValueError, match="key 'conv_first.weight' has shape"):
        interpolate_state_dicts(a, c, 0.5)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        interpolate_state_dicts(a, a, 1.5)


def test_evaluate_matches_srlib_metrics(tmp_path, capsys):
    path = saved(tmp_path, "g.pt", 0)
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


def test_cli_errors(tmp_path, capsys):
    assert main(["evaluate", "--weights", str(tmp_path / "none.pt")]) == 2
    assert "no such weights file (a generator.pt" in capsys.readouterr().err
    (tmp_path / "x.png").write_bytes(b"not a model")
    assert main(["evaluate", "--weights", str(tmp_path / "x.png")]) == 2
    assert "not a readable" in capsys.readouterr().err
    a = saved(tmp_path, "a.pt", 0)
    b = saved(tmp_path, "b.pt", 0, dict(CONFIG, num_feat=16))
    assert main(["interpolate", "--psnr", str(a), "--gan", str(b), "--alpha", "0.5", "--out", str(tmp_path / "c.pt")]) == 2
    assert "different architectures" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError):
        evaluation_set("set5", root=str(tmp_path))
    assert evaluate_generator(load_generator(a), evaluation_set("samples"))["mean"]["bicubic_psnr"] > 25


# ---------------------------------------------------------------- upscale
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from srlib.infer import upscale_array, upscale_file  # noqa: E402


def tiny_rrdbnet():
    torch.manual_seed(0)
    return RRDBNet(num_feat=8, num_block=1, num_grow_ch=4).eval()


@pytest.mark.parametrize("shape,tile", [((37, 53), 16), ((20, 70), 32)])
def test_tiled_equals_untiled_within_one_level(shape, tile):
    rng = np.random.default_rng(0)
    img = rng.random((*shape, 3)).astype(np.float32)
    model = tiny_rrdbnet()
    whole = upscale_array(model, img, tile=None, out_dtype=np.uint8).astype(int)
    tiled = upscale_array(model, img, tile=tile, tile_pad=24, out_dtype=np.uint8).astype(int)
    assert tiled.shape == (shape[0] * 4, shape[1] * 4, 3)
    assert np.abs(tiled - whole).max() <= 1


def test_file_kinds_round_trip(tmp_path):
    model = tiny_rrdbnet()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (9, 11, 4), dtype=np.uint8), "RGBA").save(tmp_path / "rgba.png")
    Image.fromarray(rng.integers(0, 255, (9, 11), dtype=np.uint8), "L").save(tmp_path / "gray.png")
    Image.fromarray(rng.integers(0, 65535, (9, 11), dtype=np.uint16)).save(tmp_path / "deep.png")
    Image.fromarray(rng.integers(0, 255, (9, 11, 3), dtype=np.uint8)).save(tmp_path / "rgb.jpg")
    for name, mode in (("rgba.png", "RGBA"), ("gray.png", "L"), ("deep.png", "I;16"), ("rgb.jpg", "RGB")):
        out = upscale_file(model, tmp_path / name, tmp_path / "out" / name.replace(".jpg", ".png"), tile=4)
        with Image.open(out) as im:
            assert im.size == (44, 36) and im.mode == mode, name
    with Image.open(tmp_path / "out" / "rgba.png") as im:  # alpha upscaled by MATLAB bicubic
        from srlib.data import imresize

        alpha = np.asarray(Image.open(tmp_path / "rgba.png"))[:, :, 3] / 255
        want = np.clip(np.round(imresize(alpha, 4) * 255), 0, 255)
        assert np.abs(np.asarray(im)[:, :, 3].astype(int) - want).max() <= 1


def test_upscale_cli_and_errors(tmp_path, capsys):
    weights = saved(tmp_path, "g.pt", 0)
    Image.fromarray(np.zeros((10, 12, 3), np.uint8)).save(tmp_path / "in.png")
    assert main(["upscale", "--weights", str(weights), str(tmp_path / "in.png"), str(tmp_path / "o.png")]) == 0
    assert Image.open(tmp_path / "o.png").size == (48, 40)
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["upscale", "--weights", str(weights), str(tmp_path / "notes.txt"), str(tmp_path / "x.png")]) == 2
    assert "not an image" in capsys.readouterr().err
    assert main(["upscale", "--weights", str(weights), str(tmp_path / "missing.png"), str(tmp_path / "x.png")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_lpips_is_optional_with_a_clear_message(tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_lpips(name, *args, **kwargs):
        if name == "lpips":
            raise ImportError("no lpips here")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_lpips)
    path = saved(tmp_path, "g.pt", 0)
    assert main(["evaluate", "--weights", str(path), "--lpips", "--out", str(tmp_path / "ev")]) == 0
    assert "LPIPS skipped: the lpips package is not installed" in capsys.readouterr().out
