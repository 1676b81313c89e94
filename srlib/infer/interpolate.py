"""ESRGAN network interpolation (Wang et al. 2018, Sec. 3.4), and image interpolation, its baseline.

Network interpolation: theta_interp = (1 - alpha) * theta_PSNR + alpha * theta_GAN,
key by key, for two generators of the *same* architecture: alpha = 0 is the
PSNR-oriented model, alpha = 1 the GAN model, and values between trade
distortion for perceptual quality without retraining. Image interpolation,
the alternative ESRGAN compares it with, blends the two models' *outputs*
pixel by pixel: x_alpha = (1 - alpha) * x_PSNR + alpha * x_GAN.
Taught in: notebook 08, section 3.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from srlib.models.generator_config import build_generator
from srlib.models.generator_file import read_generator, save_generator


def interpolate_state_dicts(psnr_state: dict, gan_state: dict, alpha: float) -> dict:
    """Key-by-key (1 - alpha) * psnr + alpha * gan; refuses different architectures."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    for key in list(psnr_state) + [k for k in gan_state if k not in psnr_state]:
        if key not in psnr_state or key not in gan_state:
            where = "the GAN weights" if key not in gan_state else "the PSNR weights"
            raise ValueError(f"different architectures: key {key!r} is missing from {where}")
        if psnr_state[key].shape != gan_state[key].shape:
            raise ValueError(f"different architectures: key {key!r} has shape {tuple(psnr_state[key].shape)} "
                             f"in the PSNR weights and {tuple(gan_state[key].shape)} in the GAN weights")
    out = {}
    for key, a in psnr_state.items():
        b = gan_state[key]
        if alpha == 0.0 or not a.is_floating_point():
            out[key] = a.clone()
        elif alpha == 1.0:
            out[key] = b.clone()
        else:
            out[key] = torch.lerp(a, b, alpha)  # exact at 0 and 1, handled above anyway
    return out


def interpolate_files(psnr_path: str | Path, gan_path: str | Path, alpha: float, out_path: str | Path) -> Path:
    """``srlib interpolate``: write the interpolated generator as ``generator.pt`` format.

    Either input may be a ``generator.pt``, public ESRGAN weights or a shipped model's name
    (``read_generator`` reads them all); their architectures must be equal.
    """
    psnr_config, psnr_state = read_generator(psnr_path)
    gan_config, gan_state = read_generator(gan_path)
    if psnr_config != gan_config:
        raise ValueError(f"different architectures: {psnr_config} vs {gan_config}; interpolate two "
                         "generators trained with the same generator settings")
    state = interpolate_state_dicts(psnr_state, gan_state, alpha)
    model = build_generator(psnr_config)
    model.load_state_dict(state)
    return save_generator(out_path, model, psnr_config, recipe=f"interpolated alpha={alpha}")


def interpolate_images(img_psnr: torch.Tensor, img_gan: torch.Tensor, alpha: float) -> torch.Tensor:
    """Pixel-wise (1 - alpha) * img_psnr + alpha * img_gan: image interpolation (ESRGAN, Sec. 3.4).

    The baseline ESRGAN sets network interpolation against: blend the two models' output
    images instead of their weights. alpha = 0 returns ``img_psnr``, alpha = 1 ``img_gan``.

    Args:
        img_psnr: the PSNR-oriented model's output, (B, 3, H, W) in [0, 1].
        img_gan: the GAN model's output for the same input, (B, 3, H, W) in [0, 1].
        alpha: the GAN image's weight, in [0, 1].
    Returns:
        (B, 3, H, W) in [0, 1] when both inputs are.
    Deviation: ESRGAN blends saved 8-bit images; ``ImageInterpolation`` blends the float
    outputs and the evaluation clips and rounds the blend: the two agree to one 8-bit level
    wherever both outputs lie in [0, 1].
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if img_psnr.shape != img_gan.shape:
        raise ValueError(f"the two outputs differ in shape: {tuple(img_psnr.shape)} (PSNR model) and "
                         f"{tuple(img_gan.shape)} (GAN model); upscale the same LR image with both")
    return torch.lerp(img_psnr, img_gan, alpha)  # (B, 3, H, W), exact at alpha = 0 and 1


class ImageInterpolation(nn.Module):
    """A generator whose output is ``interpolate_images`` of two generators' outputs.

    Lets image interpolation be evaluated like any model (``srlib.infer.evaluate_generator``),
    beside network interpolation. Both generators must upscale by the same factor. The outputs
    are blended as the generators return them, before clipping, so alpha = 0 and 1 give exactly
    the two generators.

    Args:
        psnr_model: the PSNR-oriented generator, (B, 3, h, w) -> (B, 3, sh, sw) in [0, 1].
        gan_model: the GAN generator, same shapes.
        alpha: the GAN output's weight, in [0, 1].
    """

    def __init__(self, psnr_model: nn.Module, gan_model: nn.Module, alpha: float):
        super().__init__()
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        self.psnr_model, self.gan_model, self.alpha = psnr_model, gan_model, alpha

    def forward(self, img_lr: torch.Tensor) -> torch.Tensor:
        """(B, 3, h, w) LR in [0, 1] -> (B, 3, sh, sw): the blend of both generators' outputs."""
        img_psnr = self.psnr_model(img_lr)  # (B, 3, sh, sw)
        img_gan = self.gan_model(img_lr)  # (B, 3, sh, sw)
        return interpolate_images(img_psnr, img_gan, self.alpha)
