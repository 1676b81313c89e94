"""The offline default data set: real colour photographs bundled with scikit-image.

No download is needed, so notebooks, tests and ``srlib demo`` run anywhere.
The split is fixed: validation photos are never trained on.

Taught in: notebooks 00 and 01.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from srlib.data.datasets import SRDataset, make_lr, mod_crop
from srlib.data.io import save_image

TRAIN_PHOTOS = ("astronaut", "rocket", "motorcycle", "retina", "hubble_deep_field")
VAL_PHOTOS = ("chelsea", "coffee", "immunohistochemistry")


def load_photo(name: str) -> np.ndarray:
    """One bundled photo as (H, W, 3) uint8 RGB."""
    import skimage.data

    if name == "motorcycle":  # the left view of the stereo pair
        return skimage.data.stereo_motorcycle()[0]
    if name not in TRAIN_PHOTOS + VAL_PHOTOS:
        raise ValueError(f"unknown sample photo {name!r}; choose from "
                         f"{', '.join(TRAIN_PHOTOS + VAL_PHOTOS)}")
    return getattr(skimage.data, name)()


def sample_photos(split: str = "train") -> dict[str, np.ndarray]:
    """The bundled photos of ``split`` ('train', 'val' or 'all'), by name."""
    names = {"train": TRAIN_PHOTOS, "val": VAL_PHOTOS, "all": TRAIN_PHOTOS + VAL_PHOTOS}
    if split not in names:
        raise ValueError(f"split must be 'train', 'val' or 'all', got {split!r}")
    return {n: load_photo(n) for n in names[split]}


_LR: dict[tuple[str, int], np.ndarray] = {}  # (photo, scale) -> its MATLAB-bicubic LR, made once per process


def sample_dataset(split: str = "train", scale: int = 4, hr_patch: int | None = None,
                   **kwargs: object) -> SRDataset:
    """An ``SRDataset`` of the bundled photos (LR made by MATLAB bicubic, once per process)."""
    photos = sample_photos(split)
    for name, img in photos.items():
        if (name, scale) not in _LR:
            _LR[name, scale] = make_lr(mod_crop(img, scale), scale)
    return SRDataset(list(photos.values()), [_LR[name, scale] for name in photos], scale=scale,
                     hr_patch=hr_patch, names=list(photos), **kwargs)


def write_sample_photos(folder: str | Path, split: str = "all") -> list[Path]:
    """Save the bundled photos as PNGs in ``folder`` (a folder data set)."""
    folder = Path(folder)
    paths = []
    for name, img in sample_photos(split).items():
        path = folder / f"{name}.png"
        if not path.exists():
            save_image(img, path)
        paths.append(path)
    return paths
