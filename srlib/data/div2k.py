"""DIV2K and the benchmark test sets: download (on Colab), layout, sub-images.

Layout under a data root (default ``data/``, git-ignored)::

    data/DIV2K/DIV2K_train_HR/0001.png ... 0800.png
    data/DIV2K/DIV2K_train_LR_bicubic/X4/0001x4.png ...
    data/DIV2K/DIV2K_valid_HR/0801.png ... 0900.png
    data/DIV2K/DIV2K_valid_LR_bicubic/X4/0801x4.png ...
    data/DIV2K/DIV2K_train_HR_sub/0001_s001.png ...   (made by extract_subimages)
    data/benchmark/Set5/HR/baby.png ...                (Set5, Set14, B100, Urban100)
    data/benchmark/Set5/LR_bicubic/X4/babyx4.png ...

Downloads resume from a partial ``.part`` file and are skipped when the
archive or its extracted folder is already there. Offline, a missing data
set raises ``FileNotFoundError`` that says which files to put where.
Taught in: notebooks 01 and 07.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from srlib.download import download, extract  # noqa: F401 (srlib.data.download, kept)

DIV2K_URL = "http://data.vision.ee.ethz.ch/cvl/DIV2K/"
# EDSR's archive of the four benchmark sets (HR and MATLAB-bicubic LR x2/x3/x4)
BENCHMARK_URL = "https://cv.snu.ac.kr/research/EDSR/benchmark.tar"
BENCHMARK_SETS = ("Set5", "Set14", "B100", "Urban100")


def div2k_archives(split: str, scale: int) -> list[str]:
    """The two zip files of a DIV2K split: HR, and MATLAB-bicubic LR at ``scale``."""
    if split not in ("train", "valid"):
        raise ValueError(f"DIV2K split must be 'train' or 'valid', got {split!r}")
    return [f"DIV2K_{split}_HR.zip", f"DIV2K_{split}_LR_bicubic_X{scale}.zip"]


def div2k_folders(root: str | Path, split: str = "train", scale: int = 4) -> tuple[Path, Path]:
    """(HR folder, LR folder) of DIV2K ``split``; a clear error if absent."""
    base = Path(root) / "DIV2K"
    hr = base / f"DIV2K_{split}_HR"
    lr = base / f"DIV2K_{split}_LR_bicubic" / f"X{scale}"
    missing = [p for p in (hr, lr) if not p.is_dir()]
    if missing:
        files = ", ".join(DIV2K_URL + a for a in div2k_archives(split, scale))
        raise FileNotFoundError(
            f"DIV2K {split} x{scale} not found: missing {', '.join(map(str, missing))}. "
            f"Run srlib.data.download_div2k('{root}') online (Colab), or download {files} "
            f"and unzip them into {base}/")
    return hr, lr


def download_div2k(root: str | Path = "data", splits: tuple[str, ...] = ("train", "valid"), scale: int = 4) -> None:
    """Download and extract DIV2K HR + bicubic LR archives (skips what is there)."""
    base = Path(root) / "DIV2K"
    for split in splits:
        try:
            div2k_folders(root, split, scale)
            continue  # already extracted
        except FileNotFoundError:
            pass
        for name in div2k_archives(split, scale):
            archive = download(DIV2K_URL + name, base / "archives" / name)
            extract(archive, base)
        div2k_folders(root, split, scale)  # raises if the archives were not as expected


def benchmark_folders(root: str | Path, name: str, scale: int = 4) -> tuple[Path, Path | None]:
    """(HR folder, LR folder or None) of a benchmark set, as laid out in EDSR's archive."""
    if name not in BENCHMARK_SETS:
        raise ValueError(f"unknown test set {name!r}; choose from {', '.join(BENCHMARK_SETS)}")
    base = Path(root) / "benchmark" / name
    hr = base / "HR"
    if not hr.is_dir():
        raise FileNotFoundError(
            f"{name} not found at {hr}. Run srlib.data.download_benchmarks('{root}') online "
            f"(Colab), or put the HR PNGs in {hr}/ (LR, if you have MATLAB's, in "
            f"{base}/LR_bicubic/X{scale}/ named like babyx{scale}.png)")
    lr = base / "LR_bicubic" / f"X{scale}"
    return hr, (lr if lr.is_dir() else None)


def download_benchmarks(root: str | Path = "data") -> None:
    """Download EDSR's benchmark archive (Set5, Set14, B100, Urban100) into ``root/benchmark``."""
    root = Path(root)
    if all((root / "benchmark" / s / "HR").is_dir() for s in BENCHMARK_SETS):
        return
    archive = download(BENCHMARK_URL, root / "archives" / "benchmark.tar")
    extract(archive, root)


def extract_subimages(src: str | Path, dst: str | Path, crop: int = 480, step: int = 240,
                      scale: int = 1, compress_level: int = 6, workers: int = 1) -> int:
    """Cut every image of ``src`` into ``crop`` x ``crop`` sub-images, ``step`` apart (BasicSR).

    Decoding a 2K PNG costs tens of milliseconds; a 480 x 480 PNG a few. Done
    once: an image whose sub-images exist is skipped. For an LR folder pass
    its ``scale`` (crop and step are divided by it, so sub-images stay paired).
    Encoding dominates the cost: ``compress_level=1`` writes PNGs about 3x
    faster than PIL's default 6 for files about 15% larger (measured on a
    480 x 480 photo crop: 43 ms and 244 kB versus 155 ms and 211 kB);
    ``workers`` > 1 cuts images in parallel processes.
    Returns the number of sub-images in ``dst``.
    """
    from concurrent.futures import ProcessPoolExecutor

    from tqdm.auto import tqdm

    from srlib.data.io import list_images

    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    jobs = [(path, dst, crop // scale, step // scale, scale, compress_level) for path in list_images(src)]
    desc = f"sub-images of {Path(src).name}"
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            list(tqdm(pool.map(_cut_one, jobs, chunksize=4), total=len(jobs), desc=desc))
    else:
        for job in tqdm(jobs, desc=desc):
            _cut_one(job)
    return len(list(dst.glob("*.png")))


def _cut_one(job) -> None:
    """The sub-images of one image (a process-pool task)."""
    from PIL import Image

    from srlib.data.io import read_image_uint8

    path, dst, crop, step, scale, compress_level = job
    stem = path.stem[: -len(f"x{scale}")] if scale > 1 and path.stem.endswith(f"x{scale}") else path.stem
    if any(dst.glob(f"{stem}_s*.png")):
        return  # done in an earlier run
    img = read_image_uint8(path)
    h, w = img.shape[:2]
    k = 0
    for top in _starts(h, crop, step):
        for left in _starts(w, crop, step):
            k += 1
            tile = img[top: top + crop, left: left + crop]
            Image.fromarray(tile).save(dst / f"{stem}_s{k:03d}.png", compress_level=compress_level)


def _starts(length: int, crop: int, step: int) -> np.ndarray:
    """Crop origins along one side; the last crop is flush with the border."""
    if length < crop:
        return np.array([], dtype=int)
    starts = np.arange(0, length - crop + 1, step)
    if length - (starts[-1] + crop) > 0:  # BasicSR adds a final crop at the edge
        starts = np.append(starts, length - crop)
    return starts
