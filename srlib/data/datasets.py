"""Torch datasets of LR/HR pairs.

``SRDataset`` holds decoded images (uint8, in memory) and serves either
random aligned patches with dihedral augmentation (training) or whole
images (evaluation). ``PairedFolderDataset`` fills it from folders: paired
LR/HR files (DIV2K's ``0001.png`` / ``0001x4.png``) or HR only, the LR then
made once by MATLAB-bicubic ``imresize``.

Randomness is a function of (seed, sample index): a patch does not depend on
which worker drew it, so data order is reproducible and resumable.
Taught in: notebook 01.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from srlib.data.imresize import imresize
from srlib.data.io import list_images, read_image_uint8
from srlib.data.transforms import check_pair, mod_crop, paired_random_crop, random_dihedral


def to_tensor(img: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 or float [0, 1] -> (3, H, W) float32 in [0, 1]."""
    t = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)
    return t.float().div_(255) if img.dtype == np.uint8 else t.float()


def make_lr(img_hr: np.ndarray, scale: int) -> np.ndarray:
    """The literature's degradation: MATLAB bicubic downscale by ``1/scale``."""
    return imresize(img_hr, 1 / scale)


class SRDataset(Dataset):
    """LR/HR pairs held in memory.

    Args:
        hr_images: list of (H, W, 3) uint8 arrays. HR sides that are not
            multiples of ``scale`` are cropped (bottom/right; the protocol).
        lr_images: matching (H/scale, W/scale, 3) uint8 arrays, or None to
            make them with MATLAB bicubic.
        scale: 2, 3, 4 or 8.
        hr_patch: HR crop side for training; None serves whole images.
        augment: random dihedral transform of each training pair.
        repeat: virtual length multiplier for training (patches per image
            per "epoch"); whole-image datasets ignore it.
        names: one name per image, used in error messages and reports.
    Items:
        (img_lr, img_hr): (3, h, w) and (3, h*scale, w*scale) float32 [0, 1].
    """

    def __init__(self, hr_images: list[np.ndarray], lr_images: list[np.ndarray] | None = None, scale: int = 4,
                 hr_patch: int | None = None, augment: bool = True, repeat: int = 1,
                 names: list[str] | None = None, seed: int = 0):
        if scale not in (2, 3, 4, 8):
            raise ValueError(f"scale={scale} unsupported; use 2, 3, 4 or 8")
        if hr_patch is not None and hr_patch % scale:
            raise ValueError(f"hr_patch={hr_patch} is not a multiple of scale={scale}")
        if len(hr_images) == 0:
            raise ValueError("no images given")
        self.names = list(names) if names is not None else [f"image{i}" for i in range(len(hr_images))]
        self.scale, self.hr_patch, self.augment, self.seed = scale, hr_patch, augment, seed
        self.repeat = repeat if hr_patch else 1
        self.hr = [mod_crop(im, scale) for im in hr_images]
        if lr_images is None:
            self.lr = [make_lr(im, scale) for im in self.hr]
        else:
            if len(lr_images) != len(hr_images):
                raise ValueError(f"{len(lr_images)} LR images for {len(hr_images)} HR images")
            self.lr = list(lr_images)
            for name, lr, hr in zip(self.names, self.lr, self.hr):
                check_pair(lr, hr, scale, names=(f"LR of {name}", f"HR of {name}"))
        if hr_patch:
            for name, hr in zip(self.names, self.hr):
                if min(hr.shape[:2]) < hr_patch:
                    raise ValueError(f"{name}: image {hr.shape[1]}x{hr.shape[0]} is smaller than "
                                     f"the HR patch {hr_patch}; use a smaller patch or drop it")

    def __len__(self) -> int:
        return len(self.hr) * self.repeat

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        i = index % len(self.hr)
        img_lr, img_hr = self.lr[i], self.hr[i]
        if self.hr_patch:
            rng = np.random.default_rng((self.seed, index))  # crop = f(seed, index)
            img_lr, img_hr = paired_random_crop(img_lr, img_hr, self.hr_patch // self.scale,
                                                self.scale, rng, name=self.names[i])
            if self.augment:
                img_lr, img_hr = random_dihedral([img_lr, img_hr], rng)
        return to_tensor(img_lr), to_tensor(img_hr)


def _match_lr_files(hr_files: list[Path], lr_files: list[Path], scale: int) -> list[Path]:
    """For each HR file, the LR file named ``stem`` or ``stem + 'x{scale}'``."""
    by_stem = {p.stem: p for p in lr_files}
    matched, missing = [], []
    for hr in hr_files:
        lr = by_stem.get(hr.stem) or by_stem.get(f"{hr.stem}x{scale}")
        (matched.append(lr) if lr else missing.append(hr.name))
    used = {p for p in matched}
    extra = [p.name for p in lr_files if p not in used]
    if missing or extra:
        raise ValueError(
            f"LR and HR file lists do not match: HR without LR: {missing[:5]}"
            f"{' ...' if len(missing) > 5 else ''}; LR without HR: {extra[:5]}"
            f"{' ...' if len(extra) > 5 else ''}. LR files must be named like their HR file, "
            f"optionally with 'x{scale}' (0001.png -> 0001x{scale}.png)")
    return matched


class PairedFolderDataset(SRDataset):
    """An ``SRDataset`` read from ``hr_dir`` (and ``lr_dir``, else LR is made).

    Images are decoded once into memory (uint8). For DIV2K-sized sets on a
    small machine use sub-images (``srlib.data.div2k.extract_subimages``).
    """

    def __init__(self, hr_dir: str | Path, lr_dir: str | Path | None = None, scale: int = 4, **kwargs: object):
        hr_files = list_images(hr_dir)
        hr_images = [read_image_uint8(p) for p in hr_files]
        lr_images = None
        if lr_dir is not None:
            lr_files = _match_lr_files(hr_files, list_images(lr_dir), scale)
            lr_images = [read_image_uint8(p) for p in lr_files]
            for hr_p, lr_p, hr, lr in zip(hr_files, lr_files, hr_images, lr_images):
                if hr.shape[0] // scale != lr.shape[0] or hr.shape[1] // scale != lr.shape[1]:
                    raise ValueError(f"size mismatch: {hr_p} is {hr.shape[1]}x{hr.shape[0]} but "
                                     f"{lr_p} is {lr.shape[1]}x{lr.shape[0]}; at x{scale} the LR "
                                     f"must be {hr.shape[1] // scale}x{hr.shape[0] // scale}")
        self.files = hr_files
        super().__init__(hr_images, lr_images, scale=scale,
                         names=[p.name for p in hr_files], **kwargs)
