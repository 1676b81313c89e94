"""Upsamplers: sub-pixel convolution, nearest + conv, transposed convolution.

Each stage enlarges by 2 (or 3); stages compose for x4 and x8:

- ``PixelShuffleUpsampler`` (SRGAN; Shi et al. 2016, "ESPCN"): a conv makes
  r^2 C channels, ``PixelShuffle(r)`` rearranges (B, r^2 C, H, W) ->
  (B, C, rH, rW). Optional ICNR initialisation (Aitken et al. 2017) makes it
  start as nearest-neighbour upsampling, free of checkerboard artefacts.
- ``NearestConvUpsampler`` (ESRGAN): nearest x2, then a 3x3 conv.
- ``TransposedConvUpsampler``: a stride-2 transposed conv (kernel 4). Its
  overlap is even (kernel divisible by stride), but each of the four output
  sub-positions has its own 2x2 sub-kernel, so, like an unconstrained
  sub-pixel conv, it starts with a checkerboard (Odena et al. 2016;
  notebook 03, section 3).

Taught in: notebook 03.
"""

from __future__ import annotations

import math

import torch
from torch import nn

SCALES = (2, 3, 4, 8)  # every generator upsamples by these: x2 and x3 stages, composed for x4 and x8


def upsample_stages(scale: int, allow_three: bool = True) -> list[int]:
    """Per-stage factors: 2 -> [2], 3 -> [3], 4 -> [2, 2], 8 -> [2, 2, 2].

    The number of x2 stages is log2(scale), not ln(scale): the source
    document's ``int(math.log(4))`` = 1 builds an x2 network (notebook 02, section 6, bug 1).
    """
    if scale == 3 and allow_three:
        return [3]
    if scale in (2, 4, 8):
        return [2] * int(math.log2(scale))
    valid = "2, 3, 4 or 8" if allow_three else "2, 4 or 8"
    raise ValueError(f"scale={scale} unsupported here; use {valid}")


def make_activation(act: str, num_feat: int) -> nn.Module:
    """The activation after an upsampling conv: 'prelu' (SRGAN, one slope per channel) or 'lrelu' (ESRGAN, 0.2)."""
    if act == "prelu":
        return nn.PReLU(num_parameters=num_feat)  # SRGAN
    if act == "lrelu":
        return nn.LeakyReLU(negative_slope=0.2, inplace=True)  # ESRGAN
    raise ValueError(f"activation must be 'prelu' or 'lrelu', got {act!r}")


def icnr_(weight: torch.Tensor, factor: int) -> torch.Tensor:
    """ICNR: initialise a sub-pixel conv so its output is nearest upsampling.

    The conv has ``C * factor^2`` output channels; ``PixelShuffle`` sends
    channels ``c*r^2 .. c*r^2 + r^2 - 1`` to the r x r block of channel c.
    Giving those r^2 sub-kernels the same weights makes the block constant.
    """
    out_ch, in_ch, kh, kw = weight.shape
    sub = torch.empty(out_ch // factor**2, in_ch, kh, kw)
    nn.init.kaiming_normal_(sub, nonlinearity="relu")
    with torch.no_grad():
        weight.copy_(sub.repeat_interleave(factor**2, dim=0))  # (C r^2, in, k, k)
    return weight


class PixelShuffleStage(nn.Sequential):
    """conv 3x3 (C -> r^2 C), PixelShuffle(r), activation: (B,C,H,W) -> (B,C,rH,rW)."""

    def __init__(self, num_feat: int, factor: int, act: str, icnr: bool):
        conv = nn.Conv2d(num_feat, num_feat * factor**2, kernel_size=3, padding=1)
        if icnr:
            icnr_(conv.weight, factor)
            nn.init.zeros_(conv.bias)
        super().__init__(conv, nn.PixelShuffle(factor), make_activation(act, num_feat))


class PixelShuffleUpsampler(nn.Sequential):
    """Sub-pixel convolution upsampling (SRGAN Sec. 2.1; ESPCN)."""

    def __init__(self, num_feat: int = 64, scale: int = 4, act: str = "prelu", icnr: bool = False):
        super().__init__(*[PixelShuffleStage(num_feat, f, act, icnr) for f in upsample_stages(scale)])


class NearestConvStage(nn.Sequential):
    """Nearest x r, then conv 3x3 and activation: (B,C,H,W) -> (B,C,rH,rW)."""

    def __init__(self, num_feat: int, factor: int, act: str):
        super().__init__(nn.Upsample(scale_factor=factor, mode="nearest"),
                         nn.Conv2d(num_feat, num_feat, kernel_size=3, padding=1),
                         make_activation(act, num_feat))


class NearestConvUpsampler(nn.Sequential):
    """Nearest-neighbour upsampling followed by convolution (ESRGAN's choice)."""

    def __init__(self, num_feat: int = 64, scale: int = 4, act: str = "lrelu"):
        super().__init__(*[NearestConvStage(num_feat, f, act) for f in upsample_stages(scale)])


class TransposedConvUpsampler(nn.Sequential):
    """Stride-2 transposed convolutions, kernel 4, padding 1 (x2 per stage; no x3)."""

    def __init__(self, num_feat: int = 64, scale: int = 4, act: str = "prelu"):
        layers = []
        for _ in upsample_stages(scale, allow_three=False):
            layers += [nn.ConvTranspose2d(num_feat, num_feat, kernel_size=4, stride=2, padding=1),
                       make_activation(act, num_feat)]
        super().__init__(*layers)


UPSAMPLERS = {"pixelshuffle": PixelShuffleUpsampler, "nearest": NearestConvUpsampler,
              "transposed": TransposedConvUpsampler}


def make_upsampler(kind: str, num_feat: int, scale: int, act: str, icnr: bool = False) -> nn.Module:
    """Build an upsampler by name: 'pixelshuffle', 'nearest' or 'transposed'."""
    if kind not in UPSAMPLERS:
        raise ValueError(f"unknown upsampler {kind!r}; choose from {', '.join(UPSAMPLERS)}")
    if kind == "pixelshuffle":
        return PixelShuffleUpsampler(num_feat, scale, act, icnr=icnr)
    return UPSAMPLERS[kind](num_feat, scale, act)
