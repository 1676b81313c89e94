"""ESRGAN network interpolation (Wang et al. 2018, Sec. 3.4).

theta_interp = (1 - alpha) * theta_PSNR + alpha * theta_GAN, key by key, for two
generators of the *same* architecture: alpha = 0 is the PSNR-oriented model,
alpha = 1 the GAN model, and values between trade distortion for perceptual
quality without retraining. Taught in: notebook 08, section 3.
"""

from __future__ import annotations

from pathlib import Path

import torch

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
