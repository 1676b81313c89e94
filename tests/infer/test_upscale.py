"""Tiled upscaling of any image kind (srlib/infer/upscale.py)."""

import numpy as np
import pytest
import torch
from PIL import Image

from helpers import saved_generator
from srlib.cli import main
from srlib.infer import upscale_array, upscale_file
from srlib.models import RRDBNet


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
    weights = saved_generator(tmp_path, "g.pt", 0)
    Image.fromarray(np.zeros((10, 12, 3), np.uint8)).save(tmp_path / "in.png")
    assert main(["upscale", "--weights", str(weights), str(tmp_path / "in.png"), str(tmp_path / "o.png")]) == 0
    assert Image.open(tmp_path / "o.png").size == (48, 40)
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["upscale", "--weights", str(weights), str(tmp_path / "notes.txt"), str(tmp_path / "x.png")]) == 2
    assert "not a readable image" in capsys.readouterr().err
    assert main(["upscale", "--weights", str(weights), str(tmp_path / "missing.png"), str(tmp_path / "x.png")]) == 2
    assert "no such file" in capsys.readouterr().err
