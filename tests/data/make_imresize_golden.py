"""Make ``imresize_golden.npz``: MATLAB ``imresize(..., 'bicubic')`` results from an independent reference.

The reference below is written from MATLAB's documented algorithm (the
``imresize`` help and its ``contributions`` step), in plain NumPy with loops,
sharing no code with ``srlib.data.imresize``:

- output length ``ceil(scale * length)``;
- output pixel ``x`` (1-based) maps to input coordinate ``u = x / scale + 0.5 * (1 - 1 / scale)``;
- Keys' cubic kernel with a = -0.5, 4 taps wide; when shrinking (scale < 1) the
  kernel is stretched by ``1 / scale`` and scaled by ``scale`` (antialiasing);
- weights normalised to sum to 1; indices outside the image mirrored
  (symmetric padding: ... 2 1 | 1 2 3 ... n | n n-1 ...);
- rows first, then columns (MATLAB resizes the dimension with the smaller
  scale first; with one scale for both it starts with the first dimension).

Run once; the arrays are committed (a few kB):

    python tests/data/make_imresize_golden.py
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("imresize_golden.npz")
DOWN = (1 / 4, 1 / 3, 1 / 2)  # applied to a 13 x 17 image
UP = (2, 3, 4)  # applied to a 6 x 7 image (kept small: the file is committed)


def cubic(x: float) -> float:
    ax = abs(x)
    if ax <= 1:
        return 1.5 * ax**3 - 2.5 * ax**2 + 1
    if ax <= 2:
        return -0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2
    return 0.0


def resize_vector(v: np.ndarray, scale: float) -> np.ndarray:
    """One dimension, by the loop MATLAB's documentation describes."""
    n_in = len(v)
    n_out = math.ceil(n_in * scale)
    width = 4.0 / scale if scale < 1 else 4.0
    out = np.zeros(n_out)
    for x in range(1, n_out + 1):
        u = x / scale + 0.5 * (1 - 1 / scale)
        left = math.floor(u - width / 2)
        taps = math.ceil(width) + 2
        weights, values = [], []
        for j in range(left, left + taps):
            w = scale * cubic(scale * (u - j)) if scale < 1 else cubic(u - j)
            k = j  # 1-based index, mirrored into 1..n_in
            while k < 1 or k > n_in:
                k = 1 - k if k < 1 else 2 * n_in + 1 - k
            weights.append(w)
            values.append(v[k - 1])
        weights = np.array(weights) / np.sum(weights)
        out[x - 1] = float(np.dot(weights, values))
    return out


def reference_imresize(img: np.ndarray, scale: float) -> np.ndarray:
    """(H, W) float64 -> (ceil(sH), ceil(sW)): rows (dimension 1) first, then columns."""
    tmp = np.stack([resize_vector(img[:, c], scale) for c in range(img.shape[1])], axis=1)
    return np.stack([resize_vector(tmp[r, :], scale) for r in range(tmp.shape[0])], axis=0)


def main() -> None:
    rng = np.random.default_rng(2024)
    # odd sizes: non-integer output positions and uneven borders
    arrays = {"input_down": rng.random((13, 17)), "input_up": rng.random((6, 7)),
              "scales_down": np.array(DOWN), "scales_up": np.array(UP, dtype=float)}
    for which, scales in (("down", DOWN), ("up", UP)):
        for i, scale in enumerate(scales):
            arrays[f"output_{which}_{i}"] = reference_imresize(arrays[f"input_{which}"], scale)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {sorted(arrays)}")


if __name__ == "__main__":
    main()
