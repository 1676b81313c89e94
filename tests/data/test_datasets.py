"""Datasets, crops, augmentation, folders, odd images, DIV2K helpers."""

import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from srlib.data import (PairedFolderDataset, SRDataset, dihedral, div2k_folders, download,
                        extract_subimages, make_train_loader, mod_crop, paired_random_crop,
                        read_image, sample_dataset, sample_photos, benchmark_folders)
from srlib.data.div2k import download_div2k


def coords(h, w, scale):
    rows, cols = np.mgrid[0: h * scale, 0: w * scale]
    hr = np.stack([rows, cols, rows * 0], -1)
    return hr[::scale, ::scale].copy(), hr


def test_paired_crop_is_aligned_and_covers_the_image():
    lr, hr = coords(10, 12, 4)
    corners = set()
    for seed in range(300):
        a, b = paired_random_crop(lr, hr, 4, 4, np.random.default_rng(seed))
        assert a.shape == (4, 4, 3) and b.shape == (16, 16, 3)
        assert np.array_equal(b[::4, ::4], a)
        corners.add(tuple(a[0, 0, :2] // 4))
    assert max(c[0] for c in corners) == 6 and max(c[1] for c in corners) == 8


def test_dihedral_gives_eight_distinct_transforms():
    img = np.arange(2 * 3 * 1).reshape(2, 3, 1)
    outs = {dihedral(img, k).tobytes() + bytes(dihedral(img, k).shape) for k in range(8)}
    assert len(outs) == 8
    with pytest.raises(ValueError):
        dihedral(img, 8)


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


def save(arr, path, mode=None):
    img = Image.fromarray(arr) if mode is None else Image.fromarray(arr, mode)
    img.save(path)


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


def test_mod_crop():
    assert mod_crop(np.zeros((42, 50, 3)), 4).shape == (40, 48, 3)


def test_missing_div2k_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="DIV2K_train_HR.zip.*unzip them into"):
        div2k_folders(tmp_path, "train", 4)
    with pytest.raises(FileNotFoundError, match="Set5"):
        benchmark_folders(tmp_path, "Set5")


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_download_resumes_and_skips(tmp_path):
    src = tmp_path / "remote.bin"
    src.write_bytes(b"x" * 5000)
    dest = tmp_path / "local" / "file.bin"
    assert download(src.as_uri(), dest, progress=False).read_bytes() == b"x" * 5000
    src.write_bytes(b"changed")  # a finished download is not fetched again
    assert download(src.as_uri(), dest, progress=False).read_bytes() == b"x" * 5000
    assert not (dest.parent / "file.bin.part").exists()


def test_download_offline_error_says_where_to_put_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="put it at"):
        download((tmp_path / "missing.zip").as_uri(), tmp_path / "x.zip", progress=False)


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


def test_download_resumes_a_partial_file_over_http(tmp_path):
    """A .part left by an interrupted download is continued with an HTTP Range request."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    payload = bytes(range(256)) * 40
    ranges = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            header = self.headers.get("Range")
            ranges.append(header)
            start = int(header.split("=")[1].rstrip("-")) if header else 0
            self.send_response(206 if header else 200)
            self.send_header("Content-Length", str(len(payload) - start))
            self.end_headers()
            self.wfile.write(payload[start:])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dest = tmp_path / "archive.zip"
        (tmp_path / "archive.zip.part").write_bytes(payload[:1000])
        download(f"http://127.0.0.1:{server.server_port}/archive.zip", dest, progress=False)
    finally:
        server.shutdown()
    assert ranges == ["bytes=1000-"]
    assert dest.read_bytes() == payload
