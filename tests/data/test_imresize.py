"""srlib.data.imresize against MATLAB's documented algorithm."""

from pathlib import Path

import numpy as np
import pytest
import torch

from srlib.data import imresize, load_photo
from srlib.data.imresize import contributions, cubic


def test_cubic_kernel_values():
    # Keys a = -0.5 at hand-computed points
    x = np.array([0, 0.25, 0.75, 1.0, 1.25, 1.75, 2.0, 2.5])
    want = [1, 0.8671875, 0.2265625, 0, -0.0703125, -0.0234375, 0, 0]
    np.testing.assert_allclose(cubic(x), want, atol=1e-12)


def test_downscale_by_two_uses_stretched_kernel():
    """MATLAB x0.5: 8 taps at distances +-0.5..3.5, weights 0.5 * cubic(d / 2)."""
    idx, w = contributions(16, 8, 0.5)
    half = 0.5 * cubic(np.array([3.5, 2.5, 1.5, 0.5]) / 2)
    np.testing.assert_allclose(w[3], np.concatenate([half, half[::-1]]), atol=1e-12)
    assert idx[3].tolist() == list(range(3, 11))


def test_borders_are_mirrored():
    idx, _ = contributions(8, 4, 0.5)
    # output pixel 0 reaches 3 pixels before the start: mirrored indices 2, 1, 0, 0, 1, ...
    assert idx[0][:4].tolist() == [2, 1, 0, 0]


GOLDEN = Path(__file__).with_name("imresize_golden.npz")  # made by make_imresize_golden.py


@pytest.mark.parametrize("which", ["down", "up"])
def test_matches_golden_arrays_of_an_independent_reference(which):
    """Against arrays from a separate loop-by-loop NumPy implementation of MATLAB's algorithm
    (``make_imresize_golden.py``): scales 1/4, 1/3, 1/2 on 13 x 17 and 2, 3, 4 on 6 x 7."""
    golden = np.load(GOLDEN)
    img = golden[f"input_{which}"]
    for i, scale in enumerate(golden[f"scales_{which}"]):
        want = golden[f"output_{which}_{i}"]
        out = imresize(img, float(scale))
        assert out.shape == want.shape, scale
        np.testing.assert_allclose(out, want, rtol=0, atol=1e-12, err_msg=f"scale {scale}")


@pytest.mark.parametrize("scale", [1 / 4, 1 / 3, 0.5, 2, 3, 4, 0.37])
def test_shapes_and_constant_images(scale):
    img = np.full((21, 30, 3), 0.25)
    out = imresize(img, scale)
    assert out.shape == (int(np.ceil(21 * scale)), int(np.ceil(30 * scale)), 3)
    np.testing.assert_allclose(out, 0.25, atol=1e-12)


def test_same_kind_and_dtype_returned():
    img = load_photo("chelsea")[:64, :64]
    out8 = imresize(img, 1 / 4)
    assert out8.dtype == np.uint8 and out8.shape == (16, 16, 3)
    out32 = imresize(img.astype(np.float32) / 255, 1 / 4)
    assert out32.dtype == np.float32
    # uint8 output is the float result rounded (MATLAB's behaviour)
    assert np.abs(out8.astype(float) - np.clip(out32 * 255, 0, 255)).max() <= 0.5 + 1e-3
    t = torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255
    out_t = imresize(t, 1 / 4)
    assert isinstance(out_t, torch.Tensor) and out_t.shape == (1, 3, 16, 16) and out_t.dtype == torch.float32
    np.testing.assert_allclose(out_t[0].permute(1, 2, 0).numpy(), out32, atol=1e-5)


def test_not_pil_bicubic():
    """MATLAB and torch-bicubic (no antialias) LR images differ by whole levels."""
    import torch.nn.functional as F

    img = load_photo("astronaut")[:128, :128]
    t = torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255
    naive = F.interpolate(t, scale_factor=0.25, mode="bicubic")[0].permute(1, 2, 0).numpy() * 255
    assert np.abs(naive - imresize(img, 0.25)).mean() > 1.0


@pytest.mark.parametrize("bad,match", [(np.zeros((4, 4, 3), np.int32), "uint8 or float"),
                                       (torch.zeros(1, 3, 4, 4, dtype=torch.uint8), "float"),
                                       (np.zeros((2, 2, 2, 2)), "shape")])
def test_bad_inputs(bad, match):
    with pytest.raises(ValueError, match=match):
        imresize(bad, 0.5)


def test_bad_scale():
    with pytest.raises(ValueError, match="positive"):
        imresize(np.zeros((4, 4)), 0)
