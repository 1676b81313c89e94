"""srlib.course.colab: Drive with a local fallback, DIV2K sub-images made once and restored (no download)."""

import sys
import types

import numpy as np
import pytest

from srlib.course.colab import div2k_subimages, mount_drive
from srlib.data import save_image
from srlib.train import get_recipe
from srlib.train.run import datasets


def fake_colab(monkeypatch, mount):
    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    colab.drive = types.SimpleNamespace(mount=mount)
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)


def test_runs_go_to_drive_when_it_mounts(tmp_path, monkeypatch):
    monkeypatch.setenv("SRLIB_DRIVE_MOUNT", str(tmp_path / "drive"))
    fake_colab(monkeypatch, lambda path: (tmp_path / "drive" / "MyDrive").mkdir(parents=True))
    folder, on_drive = mount_drive(tmp_path / "local")
    assert on_drive and folder == tmp_path / "drive" / "MyDrive" / "srgan-course" and folder.is_dir()


def test_drive_not_mounted_falls_back_to_a_local_folder_and_says_so(tmp_path, monkeypatch, capsys):
    def refuse(path):
        raise ValueError("mount failed: access denied")

    monkeypatch.setenv("SRLIB_DRIVE_MOUNT", str(tmp_path / "drive"))
    fake_colab(monkeypatch, refuse)
    folder, on_drive = mount_drive(tmp_path / "local")
    assert not on_drive and folder == tmp_path / "local" and folder.is_dir()
    out = capsys.readouterr().out
    assert "Google Drive is not mounted (ValueError: mount failed: access denied)" in out
    assert "deleted when this Colab session ends" in out and "run this cell again" in out


def fake_div2k(root, scale=4):
    """Two 'train' and one 'valid' image in DIV2K's layout (so nothing is downloaded)."""
    rng = np.random.default_rng(0)
    base = root / "DIV2K"
    for split, names in (("train", ("0001", "0002")), ("valid", ("0801",))):
        for name in names:
            hr = rng.integers(0, 256, (960, 1000, 3), dtype=np.uint8)
            save_image(hr, base / f"DIV2K_{split}_HR" / f"{name}.png")
            save_image(hr[::scale, ::scale], base / f"DIV2K_{split}_LR_bicubic" / f"X{scale}" / f"{name}x{scale}.png")


def test_div2k_subimages_are_made_once_then_restored_from_the_archive(tmp_path):
    fake_div2k(tmp_path / "s1")
    note = div2k_subimages(tmp_path / "s1", cache=tmp_path / "drive", workers=1)
    assert "cut into sub-images" in note and "archived to" in note
    made = sorted(p.name for p in (tmp_path / "s1" / "DIV2K" / "DIV2K_train_HR_sub").iterdir())
    assert len(made) == 2 * 2 * 3  # 960 x 1000: 2 x 3 crops of 480 (step 480, last one flush)
    assert "already" in div2k_subimages(tmp_path / "s1", cache=tmp_path / "drive")
    # the next session: an empty disk, the archive on Drive
    note = div2k_subimages(tmp_path / "s2", cache=tmp_path / "drive")
    assert "restored from" in note
    restored = sorted(p.name for p in (tmp_path / "s2" / "DIV2K" / "DIV2K_train_HR_sub").iterdir())
    assert restored == made
    assert not (tmp_path / "s2" / "DIV2K" / "DIV2K_train_HR").exists()
    train_set, val_set = datasets("div2k", get_recipe("esrgan"), root=str(tmp_path / "s2"))
    img_lr, img_hr = train_set[0]
    assert img_hr.shape == (3, 128, 128) and img_lr.shape == (3, 32, 32) and len(val_set) == 1


def test_div2k_subimages_offline_without_data_says_where_to_put_it(tmp_path, monkeypatch):
    import srlib.data.div2k as div2k

    def offline(*args, **kwargs):
        raise FileNotFoundError("could not download (offline)")

    monkeypatch.setattr(div2k, "download", offline)
    with pytest.raises(FileNotFoundError, match="offline"):
        div2k_subimages(tmp_path, cache=tmp_path / "drive")
