"""Aligned crops, the 8 dihedral transforms, mod-crop (srlib/data/transforms.py)."""

import numpy as np
import pytest

from srlib.data import dihedral, mod_crop, paired_random_crop


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


def test_mod_crop():
    assert mod_crop(np.zeros((42, 50, 3)), 4).shape == (40, 48, 3)
