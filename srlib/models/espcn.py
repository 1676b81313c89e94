"""ResidualESPCN: a small, fast generator for CPU training (the course's ``srlib demo``).

ESPCN (Shi et al. 2016) does all its work at LR resolution and ends with one
sub-pixel convolution; we add EDSR-style residual blocks (no BN) and a bicubic
skip, so the network learns only the residual over bicubic upsampling:

    out = PixelShuffle(s)(conv_tail(feat + body(feat))) + bicubic_s(x),  feat = relu(conv_head(x))

The tail starts at zero, so training starts exactly at bicubic. About 134k
parameters at 40 features, 4 blocks, x4.

Which bicubic: PyTorch's (``F.interpolate(mode="bicubic")``, a = -0.75, no
antialiasing), not the MATLAB bicubic the course scores against
(``srlib.data.imresize``; notebook 01, section 2 shows how they differ). It is
a differentiable kernel on any device, cheap enough for the CPU training of
``srlib demo``, and the shipped models (``srlib.pretrained``) were trained with
it, so changing it would change their outputs. The network therefore starts at
PyTorch's bicubic and learns the residual over it; its scores are still read
against MATLAB bicubic. ``UpsamplerTestbed`` (notebook 03) takes MATLAB's instead.
Taught in: notebook 06, section 2.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from srlib.models.blocks import ResidualBlockNoBN
from srlib.models.upsample import SCALES


class ResidualESPCN(nn.Module):
    """The course's small CPU generator: residual blocks at LR, a sub-pixel tail, a bicubic skip.

    Args:
        num_feat: width (40). num_block: residual blocks without BN (4).
        scale: 2, 3, 4 or 8.
    Input (B, 3, h, w) in [0, 1]; output (B, 3, h*scale, w*scale), not clipped.
    """

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
        """PixelShuffle(conv_tail(feat + body(feat))) + PyTorch's bicubic of x: (B, 3, h, w) -> (B, 3, sh, sw)."""
        feat = F.relu(self.conv_head(x))  # (B, C, h, w)
        feat = feat + self.body(feat)
        residual = self.shuffle(self.conv_tail(feat))  # (B, 3 s^2, h, w) -> (B, 3, sh, sw)
        return residual + F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
