"""Patch pairs per second: a naive loader versus the course's training loader.

Makes its own DIV2K-sized (2040 x 1356) PNGs, then measures, side by side in
one run, HR 128 x 128 + LR 32 x 32 pairs per second for

(a) a naive loader that decodes the whole PNG (and makes its LR) for every patch;
(b) the course's loader: ``SRDataset`` (images decoded once, held in memory as
    uint8) + ``make_train_loader`` (worker processes, persistent workers,
    prefetching), cropping and augmenting with NumPy.

Target: (b) >= 10x (a) and >= 1000 pairs/s (ESRGAN's batch 16 at 60 it/s).
``--trials`` interleaved rounds (at least 5, ``trials.py``); prints the median
ratio last.

    python benchmarks/data_pipeline.py [--images 4] [--seconds 3] [--trials 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from trials import describe, interleaved, median_ratio

from srlib.data import (SRDataset, imresize, make_train_loader, paired_random_crop, random_dihedral,
                        read_image_uint8, save_image, to_tensor)
from srlib.data.loader import default_workers


class NaiveDataset(Dataset):
    """Decode the whole PNG for every patch (what a first attempt does)."""

    def __init__(self, files, scale=4, hr_patch=128):
        self.files, self.scale, self.hr_patch = files, scale, hr_patch

    def __len__(self):
        return 1_000_000

    def __getitem__(self, index):
        rng = np.random.default_rng(index)
        img_hr = read_image_uint8(self.files[index % len(self.files)])
        crop = self.hr_patch * 2  # LR from a local HR region, as cheaply as possible
        top = int(rng.integers(0, img_hr.shape[0] - crop + 1)) // 4 * 4
        left = int(rng.integers(0, img_hr.shape[1] - crop + 1)) // 4 * 4
        region = img_hr[top: top + crop, left: left + crop]
        img_lr = imresize(region, 1 / self.scale)
        lr, hr = paired_random_crop(img_lr, region, self.hr_patch // self.scale, self.scale, rng)
        lr, hr = random_dihedral([lr, hr], rng)
        return to_tensor(lr), to_tensor(hr)


def make_images(folder: Path, n: int) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        # smooth structure + noise: compresses like a photo, not like noise or a flat field
        base = imresize(rng.random((34, 51, 3)), size=(1356, 2040))
        img = np.clip(base + 0.05 * rng.standard_normal(base.shape), 0, 1)
        path = folder / f"{i + 1:04d}.png"
        save_image(img, path)
        paths.append(path)
    return paths


def pairs_per_second(loader: DataLoader, seconds: float) -> float:
    it = iter(loader)
    next(it)  # start-up (worker fork, first decode) is not counted
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        lr, hr = next(it)
        assert lr.shape[-1] * 4 == hr.shape[-1] == 128
        count += lr.shape[0]
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--trials", type=int, default=5, help="interleaved rounds (at least 5)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    workers = default_workers()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_images(Path(tmp), args.images)
        print(f"{len(files)} synthetic 2040x1356 PNGs, {workers} worker processes, batch 16")
        naive = DataLoader(NaiveDataset(files), batch_size=16, num_workers=workers,
                           persistent_workers=workers > 0)
        t0 = time.perf_counter()
        course_set = SRDataset([read_image_uint8(p) for p in files], scale=4, hr_patch=128, repeat=10_000)
        print(f"course loader: decode + LR once: {time.perf_counter() - t0:.1f} s")
        course = make_train_loader(course_set, batch_size=16, num_workers=workers)
        a, b = interleaved(lambda: pairs_per_second(naive, args.seconds),
                           lambda: pairs_per_second(course, args.seconds), args.trials)
    print(f"(a) naive, decode per patch: {describe(a, 'pairs/s')}")
    print(f"(b) course training loader:  {describe(b, 'pairs/s')}  "
          f"(target >= 1000: {'met' if statistics.median(b) >= 1000 else 'NOT met'})")
    ratio, low, high = median_ratio(b, a)
    print(f"median ratio (b)/(a) over {args.trials} interleaved rounds: {ratio:.1f}x (rounds {low:.1f}x to "
          f"{high:.1f}x; target >= 10x: {'met' if ratio >= 10 else 'NOT met'})")


if __name__ == "__main__":
    main()
