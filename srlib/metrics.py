"""PSNR and SSIM under the super-resolution literature's protocol.

Defaults follow the published x4 tables (notebook 01, section 5, "The
evaluation protocol, worked through on one image"):

1. SR output clipped to [0, 1] and rounded to 8 bits (``round_8bit=True``);
2. measured on the Y channel of YCbCr, ITU-R BT.601 (``y_channel=True``):
   :math:`Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255`;
3. ``crop_border`` = scale pixels removed at every side (default 4 for x4);
4. PSNR with peak 1: :math:`10 \\log_{10}(1 / \\mathrm{MSE})`;
5. SSIM: Gaussian window 11 x 11, sigma 1.5, K1 = 0.01, K2 = 0.03, valid
   region only, averaged over channels.

Beside them, three measures of texture (not perceptual metrics): gradient
energy counts fine detail, and rewards any high frequency, a stamped grid as
much as fur; grid contrast and grid share measure how much of what a
generator adds to bicubic is one small pattern repeated everywhere.

Inputs: numpy (H, W, 3) uint8 or float in [0, 1] (returns a float), or torch
(N, 3, H, W) float in [0, 1] (returns a (N,) tensor of per-image values).
Taught in: notebooks 01 and 08.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

BT601 = (65.481, 128.553, 24.966)  # Y weights for RGB in [0, 1], output in [0, 255]
Image = np.ndarray | torch.Tensor  # (H, W, 3) uint8 or float in [0, 1]; or (N, 3, H, W) float in [0, 1]


def rgb_to_y(img: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
    """BT.601 luma of RGB in [0, 1], returned in [16/255, 235/255].

    numpy (H, W, 3) -> (H, W); torch (N, 3, H, W) -> (N, 1, H, W).
    """
    if isinstance(img, torch.Tensor):
        w = torch.tensor(BT601, dtype=img.dtype, device=img.device).view(1, 3, 1, 1)
        return ((img * w).sum(dim=1, keepdim=True) + 16.0) / 255.0
    return (img @ np.array(BT601, dtype=np.float64) + 16.0) / 255.0


def _prepare(sr, hr, crop_border: int, y_channel: bool, round_8bit: bool):
    """Both inputs -> float64 torch (N, C, H, W) in [0, 1], protocol applied."""
    batched = isinstance(sr, torch.Tensor)
    tensors = []
    for name, img in (("sr", sr), ("hr", hr)):
        if isinstance(img, np.ndarray):
            if img.dtype == np.uint8:
                img = img.astype(np.float64) / 255.0
            elif np.issubdtype(img.dtype, np.floating):
                if img.size and img.max() > 1.5:
                    raise ValueError(f"{name} has maximum {img.max():.1f}; expected [0, 1] - "
                                     "did you forget `/ 255`?")
            else:
                raise ValueError(f"{name}: use uint8 or float images, got {img.dtype}")
            t = torch.from_numpy(np.asarray(img, dtype=np.float64))
            t = t[None, None] if t.ndim == 2 else t.permute(2, 0, 1)[None]
        elif isinstance(img, torch.Tensor):
            t = img.detach().double().cpu()
            t = t[None] if t.ndim == 3 else t
        else:
            raise TypeError(f"{name}: expected a numpy array or torch tensor, got {type(img).__name__}")
        tensors.append(t)
    sr_t, hr_t = tensors
    if sr_t.shape != hr_t.shape:
        raise ValueError(f"sr and hr shapes differ: {tuple(sr_t.shape)} vs {tuple(hr_t.shape)}")
    if round_8bit:
        sr_t = torch.round(sr_t.clamp(0, 1) * 255) / 255
        hr_t = torch.round(hr_t.clamp(0, 1) * 255) / 255
    if y_channel and sr_t.shape[1] == 3:
        sr_t, hr_t = rgb_to_y(sr_t), rgb_to_y(hr_t)
    if crop_border:
        c = crop_border
        if sr_t.shape[-1] <= 2 * c or sr_t.shape[-2] <= 2 * c:
            raise ValueError(f"image {tuple(sr_t.shape[-2:])} too small for crop_border={c}")
        sr_t, hr_t = sr_t[..., c:-c, c:-c], hr_t[..., c:-c, c:-c]
    return sr_t, hr_t, batched


def psnr(sr: Image, hr: Image, crop_border: int = 4, y_channel: bool = True,
         round_8bit: bool = True) -> float | torch.Tensor:
    """Peak signal-to-noise ratio in dB (peak 1), the literature's protocol by default.

    PSNR = 10 log10(1 / MSE) on the 8-bit rounded Y channel without ``crop_border`` pixels
    at each side (the module docstring lists the protocol). Taught in: notebook 01, section 5.
    """
    sr_t, hr_t, batched = _prepare(sr, hr, crop_border, y_channel, round_8bit)
    mse = ((sr_t - hr_t) ** 2).flatten(1).mean(dim=1)  # (N,)
    value = 10 * torch.log10(1.0 / mse)  # identical images give +inf, as they should
    return value.float() if batched else float(value[0])


def gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """Normalised (size, size) Gaussian, float64."""
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    return g[:, None] * g[None, :]


def ssim(sr: Image, hr: Image, crop_border: int = 4, y_channel: bool = True,
         round_8bit: bool = True) -> float | torch.Tensor:
    """Structural similarity (Wang et al. 2004), Gaussian 11x11 window, valid region.

    SSIM = mean over pixels of
    ((2 mu_x mu_y + C1)(2 sigma_xy + C2)) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2))
    with C1 = (0.01 L)^2, C2 = (0.03 L)^2, L = 1.
    """
    x, y, batched = _prepare(sr, hr, crop_border, y_channel, round_8bit)
    c = x.shape[1]
    g = gaussian_window()[5] / gaussian_window()[5].sum()  # the 2-D window is g g^T: two 1-D passes, 5x fewer products
    rows, cols = g.expand(c, 1, 11)[..., None], g.expand(c, 1, 11)[:, :, None, :]  # (c, 1, 11, 1), (c, 1, 1, 11)
    filt = lambda t: F.conv2d(F.conv2d(t, rows, groups=c), cols, groups=c)  # noqa: E731  valid region only
    mu_x, mu_y = filt(x), filt(y)
    var_x = filt(x * x) - mu_x**2
    var_y = filt(y * y) - mu_y**2
    cov = filt(x * y) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    value = ssim_map.flatten(1).mean(dim=1)  # (N,), channels averaged
    return value.float() if batched else float(value[0])


def gradient_energy(img: Image, crop_border: int = 4) -> float:
    """Mean squared finite difference of the Y channel: how much fine detail an image holds.

    E(x) = mean((Y[i+1, j] - Y[i, j])^2) + mean((Y[i, j+1] - Y[i, j])^2), on the
    8-bit rounded Y channel without ``crop_border`` pixels at each side, for
    torch (1, 3, H, W) or numpy (H, W, 3) RGB in [0, 1]. Blurry PSNR-oriented
    outputs have far less of it than the HR photo; GAN outputs more (the
    perception-distortion trade-off, Blau and Michaeli 2018, arXiv:1711.06077).
    A detail count, not a perceptual metric: noise or a stamped grid raises it
    as much as real texture does.
    Taught in: notebook 04, section 1; used in notebooks 05 and 08.
    """
    y, _, _ = _prepare(img, img, crop_border, True, True)
    return float(((y[..., 1:, :] - y[..., :-1, :]) ** 2).mean() + ((y[..., :, 1:] - y[..., :, :-1]) ** 2).mean())


def relative_gradient_energy(sr: Image, hr: Image, crop_border: int = 4) -> float:
    """``gradient_energy(sr) / gradient_energy(hr)``: 1 means as much fine detail as the photo."""
    return gradient_energy(sr, crop_border) / gradient_energy(hr, crop_border)


GRID_THRESHOLD = 10.0  # grid contrast above this: a periodic pattern (about twice a photo's own level)


def grid_contrast(img: torch.Tensor) -> float:
    """How strongly an image repeats every 2 or 4 pixels: spectral peaks at the frequencies k N / 4.

    An x4 generator whose upsampler treats the 4 x 4 output pixels of an LR pixel
    differently stamps a pattern of period 2 or 4 (a checkerboard, or stripes;
    Odena et al. 2016, distill.pub/2016/deconv-checkerboard). On a central square
    (side a multiple of 8; borders excluded) with a Hann window, the power at the
    15 frequencies (u, v) in {0, N/4, N/2, 3N/4}^2 \\ (0, 0) is divided by the median
    power of a ring of neighbours around each, and the 15 ratios are averaged.
    A smooth spectrum gives 1 to 2; a photo about 5 (one period-2 bin of its own);
    a stamped grid hundreds or more. The measure ignores the image's contrast, so
    apply it to what a network adds to bicubic (its residual), where a grid lives.

    Args:
        img: torch (3, H, W) or (1, 3, H, W), any range (a residual is centred on 0).
    Taught in: notebook 03, section 3; used on the GAN models in notebooks 00, 05 and 08.
    """
    img = img.detach().cpu().double()
    img = img[0] if img.ndim == 4 else img  # (3, H, W)
    side = min(img.shape[-2:]) // 2 // 8 * 8  # a central square, a multiple of 8
    if side < 16:
        raise ValueError(f"image {tuple(img.shape[-2:])} too small for grid_contrast: needs at least 32 x 32")
    top, left = (img.shape[-2] - side) // 2, (img.shape[-1] - side) // 2
    centre = img[:, top:top + side, left:left + side]  # (3, side, side)
    hann = torch.hann_window(side, periodic=False, dtype=torch.float64)
    centre = (centre - centre.mean(dim=(1, 2), keepdim=True)) * hann[:, None] * hann[None, :]
    power = (torch.fft.fft2(centre).abs() ** 2).sum(0)  # (side, side), channels summed
    step, ratios = side // 4, []
    for u in range(0, side, step):
        for v in range(0, side, step):
            if (u, v) == (0, 0):
                continue  # the mean, not a pattern
            ring = [power[(u + du) % side, (v + dv) % side] for du in range(-3, 4) for dv in range(-3, 4)
                    if max(abs(du), abs(dv)) >= 2]  # the peak's own window-smeared bins excluded
            ratios.append(power[u, v] / torch.stack(ring).median())
    return float(torch.stack(ratios).mean())


def grid_share(residual: torch.Tensor, period: int = 4) -> float:
    """The share of a residual's energy that is one ``period`` x ``period`` tile repeated everywhere.

    The residual (what a generator adds to bicubic) is cut into period x period
    tiles; their mean tile P, minus its own mean (a constant offset is no
    pattern), repeated over the image, is the part of the residual that is the
    same stamp everywhere. grid_share = ||tile(P)||^2 / ||r - mean(r)||^2, per
    channel summed: 0 for a natural residual (HR - bicubic scores about 0.0000),
    1 for a pure stamp.

    Args:
        residual: torch (3, H, W) or (1, 3, H, W); H and W are cropped to multiples of ``period``.
    Taught in: notebook 05, section 6.
    """
    r = residual.detach().cpu().double()
    r = r[0] if r.ndim == 4 else r  # (C, H, W)
    c, h, w = r.shape
    r = r[:, : h // period * period, : w // period * period]
    r = r - r.mean(dim=(1, 2), keepdim=True)
    tiles = r.reshape(c, h // period, period, w // period, period)  # (C, h/p, p, w/p, p)
    pattern = tiles.mean(dim=(1, 3))  # (C, p, p): the mean tile
    pattern = pattern - pattern.mean(dim=(1, 2), keepdim=True)
    stamped = (pattern ** 2).sum() * (h // period) * (w // period)
    return float(stamped / (r ** 2).sum().clamp_min(1e-30))
