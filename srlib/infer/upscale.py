"""Upscaling photos of any size with bounded memory: tiles with overlap.

The LR image is cut into ``tile`` x ``tile`` tiles; each is extended by
``tile_pad`` pixels of real context on every side (less at the image border),
upscaled, and only its centre is kept. With a pad at least as wide as the
network's receptive field the result equals the untiled output; in practice
a pad of 16-32 LR pixels keeps it within one 8-bit level. The output is
written tile by tile into an array of the output's final type (uint8 or
uint16), so memory grows with the output's pixels, not with the network's
activations on the whole image.

Image kinds keep their own kind: RGB -> RGB; grayscale -> grayscale (run
as RGB, then converted back); RGBA -> RGBA (colour by the network, alpha by
MATLAB bicubic); 16-bit grayscale -> 16-bit (``srlib.data.io.read_image_and_alpha``
reads them). Taught in: notebook 08, section 5.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from srlib.data import imresize
from srlib.data.io import read_image_and_alpha


def _release_freed_memory() -> None:
    """Hand freed heap memory back to the OS (glibc ``malloc_trim``); a no-op elsewhere.

    Every tile allocates and frees tens of MB of activations; glibc keeps freed
    chunks in its heap, and over hundreds of tiles of varying sizes the
    fragmented heap grows with the image. Trimming after each tile keeps the
    process's memory bounded by the output array plus one tile.
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@torch.no_grad()
def upscale_array(model: nn.Module, img: np.ndarray, tile: int | None = 256, tile_pad: int = 24,
                  device: str | torch.device = "cpu", out_dtype: type = np.float32) -> np.ndarray:
    """Upscale an (H, W, 3) image (float in [0, 1] or uint8); returns (sH, sW, 3) of ``out_dtype``.

    ``out_dtype`` float32 keeps values in [0, 1]; uint8 / uint16 are rounded per tile.
    """
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {img.shape}")
    in_peak = 255.0 if img.dtype == np.uint8 else 1.0  # uint8 input is converted tile by tile
    model = model.to(device).eval()
    scale = model.scale
    h, w = img.shape[:2]
    tile = tile or max(h, w)
    if tile <= 0 or tile_pad < 0:
        raise ValueError(f"tile must be positive and tile_pad >= 0, got {tile} and {tile_pad}")
    out = np.empty((h * scale, w * scale, 3), dtype=out_dtype)
    peak = {np.uint8: 255, np.uint16: 65535}.get(np.dtype(out_dtype).type)
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            ys, ye, xs, xe = max(0, y0 - tile_pad), min(h, y1 + tile_pad), max(0, x0 - tile_pad), min(w, x1 + tile_pad)
            x = torch.from_numpy(np.ascontiguousarray(img[ys:ye, xs:xe])).permute(2, 0, 1)[None].float() / in_peak
            y = model(x.to(device)).float().clamp(0, 1)[0].permute(1, 2, 0).cpu().numpy()  # (s*th', s*tw', 3)
            y = y[(y0 - ys) * scale:(y1 - ys) * scale, (x0 - xs) * scale:(x1 - xs) * scale]  # drop the pad
            if peak:
                y = np.round(y * peak)
            out[y0 * scale:y1 * scale, x0 * scale:x1 * scale] = y
            del x, y
            if device == "cpu" or getattr(device, "type", "") == "cpu":
                _release_freed_memory()
    return out


def upscale_file(model: nn.Module, src: str | Path, dst: str | Path, tile: int | None = 256, tile_pad: int = 24,
                 device: str | torch.device = "cpu") -> Path:
    """Upscale an image file, keeping its kind (see module doc); returns ``dst``."""
    src, dst = Path(src), Path(dst)
    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file")
    rgb, alpha, kind = read_image_and_alpha(src)
    dtype = np.uint16 if kind == "gray16" else np.uint8
    out = upscale_array(model, rgb, tile, tile_pad, device, out_dtype=dtype)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if kind == "gray16":
        Image.fromarray(out[:, :, 0].astype(np.uint16)).save(dst)  # one channel: the three are equal
        return dst
    if kind == "gray":
        gray = out.mean(axis=2).round().astype(np.uint8)  # the network may tint slightly: average back
        channels = [gray]
    else:
        channels = [out]
    if alpha is not None:
        a = imresize(alpha.astype(np.float64), model.scale)
        a = np.clip(np.round(a * 255), 0, 255).astype(np.uint8)
        channels.append(a)
    arr = np.dstack(channels) if len(channels) > 1 else channels[0]
    Image.fromarray(arr.squeeze() if arr.ndim == 3 and arr.shape[2] == 1 else arr).save(dst)
    return dst
