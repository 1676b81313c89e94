"""SRResNet: the SRGAN generator (Ledig et al., CVPR 2017, Fig. 4).

9x9 conv 3->64 + PReLU; B residual blocks; 3x3 conv + BN; a global skip
from before the blocks; log2(scale) upsampling stages; 9x9 conv 64->3.
About 1.55 M parameters at B = 16 (the paper's model). ``MSRResNet`` below
is BasicSR's no-BN variant.
Taught in: notebook 02.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from srlib.models.blocks import ResidualBlock, ResidualBlockNoBN
from srlib.models.rrdb import scaled_kaiming_
from srlib.models.upsample import make_upsampler, upsample_stages


class SRResNet(nn.Module):
    """SRGAN's generator.

    Args:
        num_feat: width (64 in the paper).
        num_block: residual blocks B (16 in the paper).
        scale: 2, 3, 4 or 8 (x3 not with the transposed upsampler).
        upsampler: 'pixelshuffle' (paper), 'nearest' or 'transposed'.
        batch_norm: False gives the no-BN variant (SRResNet without BN).
    Input (B, 3, h, w) in [0, 1]; output (B, 3, h*scale, w*scale), not clipped.
    """

    def __init__(self, num_feat: int = 64, num_block: int = 16, scale: int = 4,
                 upsampler: str = "pixelshuffle", batch_norm: bool = True, icnr: bool = False):
        super().__init__()
        self.scale = scale
        self.head = nn.Sequential(nn.Conv2d(3, num_feat, kernel_size=9, padding=4),
                                  nn.PReLU(num_parameters=num_feat))
        self.body = nn.Sequential(*[ResidualBlock(num_feat, batch_norm) for _ in range(num_block)])
        self.body_tail = nn.Sequential(nn.Conv2d(num_feat, num_feat, kernel_size=3, padding=1),
                                       nn.BatchNorm2d(num_feat) if batch_norm else nn.Identity())
        self.upsample = make_upsampler(upsampler, num_feat, scale, act="prelu", icnr=icnr)
        self.tail = nn.Conv2d(num_feat, 3, kernel_size=9, padding=4)

    def forward(self, x: Tensor) -> Tensor:
        """LR (B, 3, h, w) in [0, 1] -> SR (B, 3, h*s, w*s): head, residual blocks with a global skip, upsampling."""
        feat = self.head(x)  # (B, C, h, w)
        feat = feat + self.body_tail(self.body(feat))  # global skip, (B, C, h, w)
        return self.tail(self.upsample(feat))  # (B, 3, h*s, w*s)


class MSRResNet(nn.Module):
    """BasicSR's modified SRResNet: no BN, 3x3 head, LeakyReLU, bilinear skip.

    conv_first 3x3; B ``ResidualBlockNoBN`` (0.1-scaled init); pixel-shuffle
    x2 stages (``upconv1``, ``upconv2``); conv_hr; conv_last; plus a bilinear
    upsample of the input, so the network learns the residual over it.
    1,517,571 parameters at 64 features, 16 blocks, x4.
    Deviation from SRGAN: everything that differs from ``SRResNet`` above.
    Initialisation as BasicSR's ``MSRResNet``: every conv Kaiming-normal times
    0.1, bias 0 (the blocks' own convs, and ``conv_first``, the up convs,
    ``conv_hr``, ``conv_last``), so the untrained net starts near its bilinear skip.
    """

    def __init__(self, num_feat: int = 64, num_block: int = 16, scale: int = 4):
        super().__init__()
        self.scale = scale
        self.stages = upsample_stages(scale)
        self.conv_first = nn.Conv2d(3, num_feat, kernel_size=3, padding=1)
        self.body = nn.Sequential(*[ResidualBlockNoBN(num_feat) for _ in range(num_block)])
        for i, factor in enumerate(self.stages):
            self.add_module(f"upconv{i + 1}", nn.Conv2d(num_feat, num_feat * factor**2, kernel_size=3, padding=1))
        self.pixel_shuffles = nn.ModuleList(nn.PixelShuffle(f) for f in self.stages)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, kernel_size=3, padding=1)
        self.conv_last = nn.Conv2d(num_feat, 3, kernel_size=3, padding=1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.1, inplace=True)
        for conv in [self.conv_first, self.conv_hr, self.conv_last] + [
                getattr(self, f"upconv{i + 1}") for i in range(len(self.stages))]:
            scaled_kaiming_(conv, 0.1)  # BasicSR's default_init_weights(..., 0.1)

    def forward(self, x: Tensor) -> Tensor:
        """LR (B, 3, h, w) in [0, 1] -> SR (B, 3, h*s, w*s): the learned residual plus bilinear upsampling."""
        feat = self.lrelu(self.conv_first(x))  # (B, C, h, w)
        feat = self.body(feat)
        for i, shuffle in enumerate(self.pixel_shuffles):
            feat = self.lrelu(shuffle(getattr(self, f"upconv{i + 1}")(feat)))  # x2 per stage
        out = self.conv_last(self.lrelu(self.conv_hr(feat)))  # (B, 3, h*s, w*s)
        return out + F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
