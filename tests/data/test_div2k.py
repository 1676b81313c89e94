"""DIV2K and the benchmark sets (srlib/data/div2k.py): layout, errors, archives, sub-images."""

import zipfile

import numpy as np
import pytest
from PIL import Image

from srlib.data import benchmark_folders, div2k_folders, extract_subimages
from srlib.data.div2k import download_div2k


def save(arr, path, mode=None):
    img = Image.fromarray(arr) if mode is None else Image.fromarray(arr, mode)
    img.save(path)


def test_missing_div2k_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="DIV2K_train_HR.zip.*unzip them into"):
        div2k_folders(tmp_path, "train", 4)
    with pytest.raises(FileNotFoundError, match="Set5"):
        benchmark_folders(tmp_path, "Set5")


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_download_div2k_extracts_from_local_archives(tmp_path, monkeypatch):
    import io

    remote = tmp_path / "remote"
    remote.mkdir()
    buf = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(buf, format="PNG")
    make_zip(remote / "DIV2K_valid_HR.zip", {"DIV2K_valid_HR/0801.png": buf.getvalue()})
    make_zip(remote / "DIV2K_valid_LR_bicubic_X4.zip", {"DIV2K_valid_LR_bicubic/X4/0801x4.png": buf.getvalue()})
    monkeypatch.setattr("srlib.data.div2k.DIV2K_URL", remote.as_uri() + "/")
    download_div2k(tmp_path / "data", splits=("valid",), scale=4)
    hr, lr = div2k_folders(tmp_path / "data", "valid", 4)
    assert (hr / "0801.png").exists() and (lr / "0801x4.png").exists()
    download_div2k(tmp_path / "data", splits=("valid",), scale=4)  # already there: no-op


def test_extract_subimages_once(tmp_path):
    src = tmp_path / "hr"
    src.mkdir()
    save(np.zeros((500, 730, 3), np.uint8), src / "0001.png")
    n = extract_subimages(src, tmp_path / "sub", crop=480, step=240)
    assert n == 2 * 3  # rows 0, 20 and columns 0, 240, 250: BasicSR adds a crop flush with each edge
    assert Image.open(next((tmp_path / "sub").glob("*.png"))).size == (480, 480)
    assert extract_subimages(src, tmp_path / "sub", crop=480, step=240) == n
