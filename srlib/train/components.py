"""The parts a recipe names, built for the trainer: the discriminator, Adam and its schedule, the precision.

Taught in: notebook 06, section 2 and notebook 07, sections 3-4 (mixed precision on a GPU).
"""

from __future__ import annotations

import torch
from torch import nn

from srlib.models.discriminator import SRGANDiscriminator
from srlib.models.esrgan_discriminator import ESRGANDiscriminator
from srlib.train.recipes import Recipe


def native_bf16(device: torch.device) -> bool:
    """Whether the CUDA ``device`` computes bf16 in hardware: compute capability 8.0 (Ampere) and newer.

    Not ``torch.cuda.is_bf16_supported()``: since PyTorch 2.4 it counts emulation
    (``including_emulation=True``) and says True on a T4 (7.5, Colab's free GPU),
    where bf16 runs emulated and slowly; fp16 with a gradient scaler is the T4's path.
    """
    return device.type == "cuda" and torch.cuda.get_device_capability(device) >= (8, 0)


def amp_dtype(device: torch.device, amp: str) -> torch.dtype | None:
    """None (fp32), torch.bfloat16 or torch.float16 for ``amp`` in auto/off/bf16/fp16.

    ``auto``: fp32 off CUDA; bf16 on GPUs with native bf16 (``native_bf16``), else fp16,
    which the trainer pairs with a gradient scaler.
    """
    if amp == "off" or (amp == "auto" and device.type != "cuda"):
        return None
    if amp == "auto":
        return torch.bfloat16 if native_bf16(device) else torch.float16
    return {"bf16": torch.bfloat16, "fp16": torch.float16}[amp]


def build_discriminator(recipe: Recipe) -> nn.Module:
    """The recipe's discriminator: SRGAN's (Sec. 2.1 and Fig. 4) or ESRGAN's (BasicSR's layout)."""
    if recipe.discriminator == "esrgan":
        return ESRGANDiscriminator(input_size=recipe.hr_patch, num_feat=recipe.disc_feat,
                                   norm=recipe.discriminator_norm)
    return SRGANDiscriminator(input_size=recipe.hr_patch, num_feat=recipe.disc_feat, depth=recipe.disc_blocks // 2,
                              norm=recipe.discriminator_norm)


def optimizer_and_schedule(model: nn.Module, learning_rate: float, recipe: Recipe,
                           fused: bool) -> tuple[torch.optim.Adam, torch.optim.lr_scheduler.MultiStepLR]:
    """Adam with the recipe's betas over ``model``'s parameters, and its step schedule.

    The rate is multiplied by ``recipe.gamma`` at each of ``recipe.milestones`` (ESRGAN, Sec. 4.1:
    halved every 200k iterations). ``fused``: fused Adam, which can skip a step on the device
    (``guard.py``).
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, betas=recipe.betas, fused=fused or None)
    return optimizer, torch.optim.lr_scheduler.MultiStepLR(optimizer, list(recipe.milestones), recipe.gamma)
