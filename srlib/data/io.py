"""Reading images the way SR training needs them: RGB, float32, [0, 1].

Every odd image a student may meet is either converted (and the conversion
documented) or refused with an error naming the file:

- grayscale ('L', 'I;16'), palette ('P') and CMYK images are converted to RGB;
- RGBA / LA: ``read_image`` drops the alpha channel with a warning (SR of
  alpha is a separate problem); ``read_image_and_alpha`` returns it apart,
  with the image's kind, for ``srlib upscale``, which keeps both;
- 16-bit PNGs are scaled by 1/65535 into [0, 1];
- corrupt or non-image files raise ``ValueError`` naming the file.

Taught in: notebook 01.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def to_rgb_float(arr: np.ndarray, name: str = "image") -> np.ndarray:
    """(H, W[, C]) uint8/uint16/float array -> (H, W, 3) float32 RGB in [0, 1]."""
    if arr.dtype == np.uint8:
        x = arr.astype(np.float32) / 255.0
    elif arr.dtype == np.uint16:
        x = arr.astype(np.float32) / 65535.0
    elif np.issubdtype(arr.dtype, np.floating):
        x = arr.astype(np.float32)
        if x.size and x.max() > 1.5:
            raise ValueError(f"{name}: float image with maximum {x.max():.1f}; expected values "
                             "in [0, 1] - did you forget `/ 255`?")
    else:
        raise ValueError(f"{name}: unsupported pixel type {arr.dtype}; use uint8, uint16 or float")
    if x.ndim == 2:
        x = np.repeat(x[:, :, None], 3, axis=2)
    elif x.ndim == 3 and x.shape[2] == 1:
        x = np.repeat(x, 3, axis=2)
    elif x.ndim == 3 and x.shape[2] == 4:
        warnings.warn(f"{name}: RGBA image, the alpha channel was dropped", stacklevel=2)
        x = x[:, :, :3]
    elif x.ndim == 3 and x.shape[2] == 2:
        warnings.warn(f"{name}: grayscale+alpha image, the alpha channel was dropped", stacklevel=2)
        x = np.repeat(x[:, :, :1], 3, axis=2)
    elif not (x.ndim == 3 and x.shape[2] == 3):
        raise ValueError(f"{name}: expected an (H, W, 3) colour image, got shape {arr.shape}")
    return np.ascontiguousarray(x)


def pil_to_array(img: Image.Image) -> np.ndarray:
    """PIL image -> numpy array keeping the bit depth (uint8 or uint16)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img)
        return arr.astype(np.uint16) if arr.max() <= 65535 else arr
    if img.mode in ("P", "PA"):
        img = img.convert("RGBA" if "transparency" in img.info or img.mode == "PA" else "RGB")
    elif img.mode == "1":
        img = img.convert("L")
    elif img.mode in ("CMYK", "YCbCr", "HSV", "LAB"):
        img = img.convert("RGB")
    return np.asarray(img)


def _read_array(path: str | Path) -> np.ndarray:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such image file")
    try:
        with Image.open(path) as img:
            img.load()
            return pil_to_array(img)
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValueError(f"{path}: not a readable image ({exc.__class__.__name__}: {exc}); "
                         f"give a PNG, JPEG, BMP, TIFF or WebP file, or replace or delete this one") from exc


def read_image(path: str | Path) -> np.ndarray:
    """Read an image file as (H, W, 3) float32 RGB in [0, 1] (see module doc)."""
    return to_rgb_float(_read_array(path), name=str(path))


def read_image_and_alpha(path: str | Path) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Read an image file as (RGB, alpha, kind), keeping what ``read_image`` drops.

    Returns (H, W, 3) float32 RGB in [0, 1] (a grayscale image repeated over
    the three channels), the (H, W) float32 alpha in [0, 1] or None, and the
    kind: 'rgb', 'gray' (8-bit grayscale) or 'gray16' (16-bit grayscale).
    """
    arr = _read_array(path)  # (H, W) or (H, W, C), uint8 or uint16
    has_alpha = arr.ndim == 3 and arr.shape[2] in (2, 4)
    alpha = None
    if has_alpha:
        arr, alpha = arr[:, :, :-1], arr[:, :, -1]
        alpha = to_rgb_float(alpha, name=str(path))[:, :, 0]  # (H, W) in [0, 1]
    gray = arr.ndim == 2 or arr.shape[2] == 1
    kind = "gray16" if gray and arr.dtype == np.uint16 else "gray" if gray else "rgb"
    return to_rgb_float(arr, name=str(path)), alpha, kind


def read_image_uint8(path: str | Path) -> np.ndarray:
    """Read as (H, W, 3) uint8 RGB: the compact form kept in memory caches."""
    return np.round(read_image(path) * 255).astype(np.uint8)


def save_image(img: np.ndarray, path: str | Path) -> None:
    """Save an (H, W, 3) float [0, 1] or uint8 image as 8-bit (PNG unless the suffix says)."""
    if np.issubdtype(img.dtype, np.floating):
        img = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(path)


def list_images(folder: str | Path) -> list[Path]:
    """Image files in ``folder`` sorted by name; an error if there are none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
    if not files:
        raise ValueError(f"{folder}: the folder holds no images ({', '.join(IMAGE_EXTENSIONS)}); "
                         "check the path")
    return files
