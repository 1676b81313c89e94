"""srlib.metrics against scikit-image's independent implementations."""

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from srlib.data import imresize, load_photo, mod_crop
from srlib.metrics import psnr, rgb_to_y, ssim


@pytest.fixture(scope="module")
def pair():
    hr = mod_crop(load_photo("coffee"), 4)
    sr = imresize(imresize(hr, 1 / 4), 4)
    return sr, hr


def y_crop(img, border=4):
    return rgb_to_y(img.astype(np.float64) / 255)[border:-border, border:-border]


def test_rgb_to_y_bt601_range():
    assert rgb_to_y(np.zeros((1, 1, 3)))[0, 0] == pytest.approx(16 / 255)
    assert rgb_to_y(np.ones((1, 1, 3)))[0, 0] == pytest.approx(235 / 255)
    t = torch.rand(2, 3, 4, 4, dtype=torch.float64)
    np.testing.assert_allclose(rgb_to_y(t)[1, 0].numpy(), rgb_to_y(t[1].permute(1, 2, 0).numpy()))


def test_psnr_matches_scikit_image(pair):
    sr, hr = pair
    want = peak_signal_noise_ratio(y_crop(hr), y_crop(sr), data_range=1)
    assert psnr(sr, hr) == pytest.approx(want, abs=1e-9)
    rgb = peak_signal_noise_ratio(hr, sr, data_range=255)
    assert psnr(sr, hr, crop_border=0, y_channel=False) == pytest.approx(rgb, abs=1e-9)


def test_ssim_matches_scikit_image(pair):
    sr, hr = pair
    want = structural_similarity(y_crop(hr), y_crop(sr), data_range=1, gaussian_weights=True,
                                 sigma=1.5, use_sample_covariance=False)
    assert ssim(sr, hr) == pytest.approx(want, abs=1e-6)


def test_torch_batches_give_per_image_values(pair):
    sr, hr = pair
    to_t = lambda a: torch.from_numpy(a).permute(2, 0, 1).float() / 255  # noqa: E731
    batch_sr = torch.stack([to_t(sr), to_t(hr)])
    batch_hr = torch.stack([to_t(hr), to_t(hr)])
    values = psnr(batch_sr, batch_hr)
    assert values.shape == (2,) and values[0].item() == pytest.approx(psnr(sr, hr), abs=1e-4)
    assert torch.isinf(values[1])
    s = ssim(batch_sr, batch_hr)
    assert s[0].item() == pytest.approx(ssim(sr, hr), abs=1e-5) and s[1].item() == pytest.approx(1.0)


def test_rounding_and_clipping_are_part_of_the_protocol():
    hr = np.full((16, 16, 3), 0.5)
    sr = hr + 0.001  # below half an 8-bit level: vanishes after rounding
    assert np.isinf(psnr(sr, hr, crop_border=2))
    assert np.isfinite(psnr(sr, hr, crop_border=2, round_8bit=False))


def test_forgotten_division_by_255_is_caught():
    with pytest.raises(ValueError, match="/ 255"):
        psnr(np.full((16, 16, 3), 200.0), np.zeros((16, 16, 3)))


def test_shape_mismatch():
    with pytest.raises(ValueError, match="shapes differ"):
        psnr(np.zeros((16, 16, 3)), np.zeros((16, 12, 3)))


def test_grid_contrast_and_share_tell_a_stamped_grid_from_a_natural_residual():
    """Issue #22: the texture measures that stand beside gradient energy."""
    from srlib.data import sample_dataset
    from srlib.metrics import GRID_THRESHOLD, grid_contrast, grid_share

    torch.manual_seed(0)
    noise = torch.randn(3, 128, 128)
    stamp = torch.randn(3, 4, 4).repeat(1, 32, 32)  # one 4 x 4 tile everywhere
    assert grid_contrast(noise) < 2 and grid_share(noise) < 0.01
    assert grid_contrast(stamp + 0.3 * noise) > 100 * GRID_THRESHOLD
    assert grid_share(stamp + 0.3 * noise) > 0.85
    assert grid_share(stamp + 5.0) > 0.99  # a constant offset is no pattern
    img_lr, img_hr = sample_dataset("val", scale=4)[0]
    residual = img_hr[None] - imresize(img_lr[None].double(), 4).float()  # what a generator should add
    assert grid_contrast(residual) < GRID_THRESHOLD and grid_share(residual) < 0.01
    with pytest.raises(ValueError, match="too small"):
        grid_contrast(torch.zeros(3, 20, 20))
