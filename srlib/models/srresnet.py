"""SRResNet: the SRGAN generator (Ledig et al., CVPR 2017, Fig. 4).

9x9 conv 3->64 + PReLU; B residual blocks; 3x3 conv + BN; a global skip
from before the blocks; log2(scale) upsampling stages; 9x9 conv 64->3.
About 1.55 M parameters at B = 16 (the paper's model).
Taught in: notebook 02.
"""

from __future__ import annotations

from torch import Tensor, nn

from srlib.models.blocks import ResidualBlock
from srlib.models.upsample import make_upsampler


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
        feat = self.head(x)  # (B, C, h, w)
        feat = feat + self.body_tail(self.body(feat))  # global skip, (B, C, h, w)
        return self.tail(self.upsample(feat))  # (B, 3, h*s, w*s)
