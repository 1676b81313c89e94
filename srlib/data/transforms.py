"""Crops and augmentation for LR/HR pairs.

The LR crop's top-left corner times the scale is the HR crop's corner, so
the pair stays aligned; the 8 dihedral transforms (flips, transposes,
rotations by 90 degrees) are applied identically to both. Images are numpy
(H, W, C) arrays. Taught in: notebook 01 and exercise 01.
"""

from __future__ import annotations

import numpy as np


def mod_crop(img: np.ndarray, scale: int) -> np.ndarray:
    """Crop H and W down to multiples of ``scale`` (bottom/right rows dropped).

    The literature's protocol crops HR this way before making LR, so that
    ``imresize(hr, 1/scale)`` has exactly ``H/scale x W/scale`` pixels.
    """
    h, w = img.shape[:2]
    return img[: h - h % scale, : w - w % scale]


def check_pair(img_lr: np.ndarray, img_hr: np.ndarray, scale: int, names: tuple[str, str] = ("LR", "HR")) -> None:
    """Raise if HR is not exactly ``scale`` times LR."""
    (lh, lw), (hh, hw) = img_lr.shape[:2], img_hr.shape[:2]
    if (hh, hw) != (lh * scale, lw * scale):
        raise ValueError(f"size mismatch: {names[1]} is {hw}x{hh} but {names[0]} is {lw}x{lh}; "
                         f"at x{scale} HR must be {lw * scale}x{lh * scale} (W x H)")


def paired_random_crop(img_lr: np.ndarray, img_hr: np.ndarray, lr_patch: int, scale: int,
                       rng: np.random.Generator, name: str = "image") -> tuple[np.ndarray, np.ndarray]:
    """A random aligned crop: LR (lr_patch, lr_patch), HR (lr_patch*scale)^2.

    Args:
        img_lr: (h, w, C), img_hr: (h*scale, w*scale, C)
        rng: a numpy Generator (seeded for reproducible crops)
    Returns:
        (lr_crop, hr_crop)
    """
    check_pair(img_lr, img_hr, scale)
    h, w = img_lr.shape[:2]
    if h < lr_patch or w < lr_patch:
        raise ValueError(f"{name}: LR image {w}x{h} is smaller than the LR patch "
                         f"{lr_patch}x{lr_patch} (HR patch {lr_patch * scale}); use a smaller "
                         "patch size or remove the image")
    top = int(rng.integers(0, h - lr_patch + 1))
    left = int(rng.integers(0, w - lr_patch + 1))
    lr = img_lr[top: top + lr_patch, left: left + lr_patch]
    hr_top, hr_left, hr_patch = top * scale, left * scale, lr_patch * scale  # corner x scale
    hr = img_hr[hr_top: hr_top + hr_patch, hr_left: hr_left + hr_patch]
    return lr, hr


def dihedral(img: np.ndarray, k: int) -> np.ndarray:
    """The k-th of the 8 dihedral transforms (k in 0..7) of an (H, W, C) image.

    Bit 0: horizontal flip, bit 1: vertical flip, bit 2: transpose (swap H, W).
    k = 0 is the identity; together they are the symmetries of a square.
    """
    if not 0 <= k < 8:
        raise ValueError(f"dihedral index must be in 0..7, got {k}")
    if k & 1:
        img = img[:, ::-1]
    if k & 2:
        img = img[::-1, :]
    if k & 4:
        img = img.transpose(1, 0, *range(2, img.ndim))
    return img


def random_dihedral(imgs: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Apply one random dihedral transform, the same one, to every image."""
    k = int(rng.integers(0, 8))
    return [np.ascontiguousarray(dihedral(im, k)) for im in imgs]
