"""Datasets, folders and the training loader (srlib/data/datasets.py, loader.py, samples.py)."""

import numpy as np
import pytest
import torch
from PIL import Image

from srlib.data import PairedFolderDataset, SRDataset, make_train_loader, sample_dataset, sample_photos


def save(arr, path, mode=None):
    img = Image.fromarray(arr) if mode is None else Image.fromarray(arr, mode)
    img.save(path)


def test_sr_dataset_training_items_are_aligned_pairs():
    photos = sample_photos("val")
    ds = SRDataset(list(photos.values()), scale=4, hr_patch=32, repeat=3, names=list(photos))
    assert len(ds) == 3 * len(photos)
    lr, hr = ds[5]
    assert lr.shape == (3, 8, 8) and hr.shape == (3, 32, 32) and lr.dtype == torch.float32
    assert 0 <= hr.min() and hr.max() <= 1
    lr2, hr2 = ds[5]
    assert torch.equal(hr, hr2), "a patch is a function of (seed, index)"


def test_whole_image_dataset_mod_crops_hr():
    ds = sample_dataset("val", scale=4)
    lr, hr = ds[0]
    assert hr.shape[1] == lr.shape[1] * 4 and hr.shape[2] == lr.shape[2] * 4


def test_train_loader_batches():
    ds = sample_dataset("val", scale=4, hr_patch=32, repeat=4)
    lr, hr = next(iter(make_train_loader(ds, batch_size=4, num_workers=0)))
    assert lr.shape == (4, 3, 8, 8) and hr.shape == (4, 3, 32, 32)


def test_train_loader_with_workers_is_deterministic():
    ds = sample_dataset("val", scale=4, hr_patch=32, repeat=4)
    a = next(iter(make_train_loader(ds, batch_size=4, num_workers=2, seed=3)))[1]
    b = next(iter(make_train_loader(ds, batch_size=4, num_workers=0, seed=3)))[1]
    assert torch.equal(a, b)


def test_folder_dataset_matches_div2k_names(tmp_path):
    hr_dir, lr_dir = tmp_path / "HR", tmp_path / "LR"
    hr_dir.mkdir(), lr_dir.mkdir()
    rng = np.random.default_rng(0)
    for name in ("0001", "0002"):
        hr = rng.integers(0, 255, (42, 50, 3), dtype=np.uint8)  # not multiples of 4
        save(hr, hr_dir / f"{name}.png")
        save(hr[:40:4, :48:4], lr_dir / f"{name}x4.png")
    ds = PairedFolderDataset(hr_dir, lr_dir, scale=4)
    lr, hr = ds[1]
    assert hr.shape == (3, 40, 48) and lr.shape == (3, 10, 12)  # HR mod-cropped


def test_folder_dataset_hr_only_makes_lr(tmp_path):
    save(np.zeros((40, 40, 3), np.uint8), tmp_path / "a.png")
    lr, hr = PairedFolderDataset(tmp_path, scale=4)[0]
    assert lr.shape == (3, 10, 10)


def one_pair_folders(tmp_path, hr_shape, lr_name, lr_shape):
    """HR/0001.png and LR/<lr_name> of the given (H, W) shapes; returns the two folders."""
    hr_dir, lr_dir = tmp_path / "HR", tmp_path / "LR"
    hr_dir.mkdir(), lr_dir.mkdir()
    save(np.zeros((*hr_shape, 3), np.uint8), hr_dir / "0001.png")
    save(np.zeros((*lr_shape, 3), np.uint8), lr_dir / lr_name)
    return hr_dir, lr_dir


def test_mismatched_file_lists(tmp_path):
    hr_dir, lr_dir = one_pair_folders(tmp_path, (8, 8), "0002x4.png", (2, 2))
    with pytest.raises(ValueError, match="do not match.*0001.png.*0002x4.png"):
        PairedFolderDataset(hr_dir, lr_dir, scale=4)


def test_size_mismatch_names_both_files(tmp_path):
    hr_dir, lr_dir = one_pair_folders(tmp_path, (16, 16), "0001x4.png", (5, 4))
    with pytest.raises(ValueError, match="0001.png is 16x16.*0001x4.png is 4x5"):
        PairedFolderDataset(hr_dir, lr_dir, scale=4)


def test_image_smaller_than_patch_is_named(tmp_path):
    save(np.zeros((20, 20, 3), np.uint8), tmp_path / "tiny.png")
    with pytest.raises(ValueError, match="tiny.png.*smaller than the HR patch"):
        PairedFolderDataset(tmp_path, scale=4, hr_patch=32)


def test_empty_folder_and_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="no images"):
        PairedFolderDataset(tmp_path, scale=4)
    with pytest.raises(FileNotFoundError):
        PairedFolderDataset(tmp_path / "nope", scale=4)
