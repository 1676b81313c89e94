"""ResidualESPCN: a small, fast generator for CPU training (the course's ``srlib demo``).

ESPCN (Shi et al. 2016) does all its work at LR resolution and ends with one
sub-pixel convolution; we add EDSR-style residual blocks (no BN) and a bicubic
skip, so the network learns only the residual over bicubic upsampling:

    out = PixelShuffle(s)(conv_tail(feat + body(feat))) + bicubic_s(x),  feat = relu(conv_head(x))

The tail starts at zero, so training starts exactly at bicubic. About 134k
parameters at 40 features, 4 blocks, x4. Taught in: notebook 06.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from srlib.models.blocks import ResidualBlockNoBN
from srlib.models.upsample import SCALES


class ResidualESPCN(nn.Module):
    def __init__(self, num_feat: int = 40, num_block: int = 4, scale: int = 4):
        super().__init__()
        if scale not in SCALES:
            raise ValueError(f"scale={scale} unsupported; use one of {', '.join(map(str, SCALES))}")
        self.scale = scale
        self.conv_head = nn.Conv2d(3, num_feat, kernel_size=3, padding=1)
        self.body = nn.Sequential(*[ResidualBlockNoBN(num_feat) for _ in range(num_block)])
        self.conv_tail = nn.Conv2d(num_feat, 3 * scale**2, kernel_size=3, padding=1)
        nn.init.zeros_(self.conv_tail.weight)  # start exactly at bicubic
        nn.init.zeros_(self.conv_tail.bias)
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x: Tensor) -> Tensor:
        feat = F.relu(self.conv_head(x))  # (B, C, h, w)
        feat = feat + self.body(feat)
        residual = self.shuffle(self.conv_tail(feat))  # (B, 3 s^2, h, w) -> (B, 3, sh, sw)
        return residual + F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
