"""Reading images (srlib/data/io.py): odd kinds converted or refused with the file named."""

import numpy as np
import pytest
from PIL import Image

from srlib.data import read_image, read_image_and_alpha


def save(arr, path, mode=None):
    img = Image.fromarray(arr) if mode is None else Image.fromarray(arr, mode)
    img.save(path)


def test_corrupt_file_is_named(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"not a png at all")
    with pytest.raises(ValueError, match="broken.png: not a readable image"):
        read_image(tmp_path / "broken.png")


def test_grayscale_palette_rgba_and_16bit_are_converted(tmp_path):
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    save(gray, tmp_path / "gray.png", "L")
    assert read_image(tmp_path / "gray.png").shape == (8, 8, 3)
    Image.fromarray(gray, "L").convert("P").save(tmp_path / "palette.png")
    assert read_image(tmp_path / "palette.png").shape == (8, 8, 3)
    save(np.zeros((8, 8, 4), np.uint8), tmp_path / "rgba.png", "RGBA")
    with pytest.warns(UserWarning, match="alpha channel was dropped"):
        assert read_image(tmp_path / "rgba.png").shape == (8, 8, 3)
    deep = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    img = read_image(tmp_path / "deep.png")
    assert img.dtype == np.float32 and img.max() == pytest.approx(63000 / 65535, abs=1e-6)


def test_alpha_and_kind_are_kept_for_upscaling(tmp_path):
    rgba = np.zeros((5, 6, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[0, 0] = (255, 0, 0, 51)
    save(rgba, tmp_path / "rgba.png", "RGBA")
    rgb, alpha, kind = read_image_and_alpha(tmp_path / "rgba.png")
    assert kind == "rgb" and rgb.shape == (5, 6, 3) and alpha.shape == (5, 6)
    assert alpha[0, 0] == pytest.approx(0.2) and rgb[0, 0].tolist() == [1.0, 0.0, 0.0]
    Image.fromarray(np.full((4, 4), 40000, np.uint16)).save(tmp_path / "deep.png")
    rgb, alpha, kind = read_image_and_alpha(tmp_path / "deep.png")
    assert kind == "gray16" and alpha is None and rgb[0, 0, 0] == pytest.approx(40000 / 65535)
    Image.fromarray(np.full((4, 4, 2), 128, np.uint8), "LA").save(tmp_path / "la.png")
    rgb, alpha, kind = read_image_and_alpha(tmp_path / "la.png")
    assert kind == "gray" and alpha.shape == (4, 4) and rgb.shape == (4, 4, 3)
