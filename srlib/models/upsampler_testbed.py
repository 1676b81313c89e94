"""UpsamplerTestbed: one fixed trunk with a swappable upsampler, for comparing upsamplers fairly.

A comparison of upsamplers is only fair when everything else is equal: the
trunk, the initialisation, the data, the order of the patches and the budget.
This network fixes everything but the upsampler (notebook 03, section 4):

    feat = lrelu(conv_first(x));  feat = feat + body(feat)          # (B, C, h, w), at LR
    out  = conv_last(upsample(feat)) + bicubic_s(x)                 # (B, 3, s h, s w)

``upsample`` is ``PixelShuffleUpsampler`` (SRGAN; optionally ICNR),
``NearestConvUpsampler`` (ESRGAN's released code) or ``TransposedConvUpsampler``.
``bicubic_s`` is MATLAB bicubic (``srlib.data.imresize``), the baseline the
course scores against, so the network learns only the residual over it
(VDSR's global skip, Kim et al. 2016) and a gain in dB is read against 0.
(``ResidualESPCN`` adds PyTorch's bicubic instead, which its shipped weights
depend on; this network is there to compare upsamplers against the baseline,
so it adds the baseline itself; ``imresize`` on a tensor runs on its device,
in float64, and is differentiable too.)
``conv_last`` starts at a tenth of its Kaiming scale: training starts close
to bicubic but every layer gets a gradient from the first step. 3x3 head and
tail (BasicSR's MSRResNet) instead of SRResNet's 9x9 ones keep the cost at HR
resolution small: 24k to 38k parameters at 16 features, 4 blocks, depending on
the upsampler. Built after ``torch.manual_seed(s)``, variants share the trunk's
initial weights (``conv_first``, ``body``); ``conv_last`` is drawn after the
upsampler, so its initial weights differ between variants too.
Taught in: notebook 03.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from srlib.data.imresize import imresize
from srlib.models.blocks import ResidualBlockNoBN
from srlib.models.rrdb import scaled_kaiming_
from srlib.models.upsample import make_upsampler


class UpsamplerTestbed(nn.Module):
    """Trunk + ``upsampler`` ('pixelshuffle', 'nearest' or 'transposed') + MATLAB-bicubic skip.

    Input (B, 3, h, w) in [0, 1]; output (B, 3, s h, s w), not clipped.
    """

    def __init__(self, upsampler: str = "pixelshuffle", icnr: bool = False, num_feat: int = 16,
                 num_block: int = 4, scale: int = 4):
        super().__init__()
        self.scale = scale
        self.conv_first = nn.Conv2d(3, num_feat, kernel_size=3, padding=1)
        self.body = nn.Sequential(*[ResidualBlockNoBN(num_feat) for _ in range(num_block)])
        self.upsample = make_upsampler(upsampler, num_feat, scale, act="lrelu", icnr=icnr)
        self.conv_last = nn.Conv2d(num_feat, 3, kernel_size=3, padding=1)
        scaled_kaiming_(self.conv_last, 0.1)  # small, not zero: the upsampler learns from step one

    def forward(self, x: Tensor) -> Tensor:
        """conv_last(upsample(trunk(x))) + MATLAB bicubic of x: (B, 3, h, w) -> (B, 3, s h, s w)."""
        feat = F.leaky_relu(self.conv_first(x), 0.2)  # (B, C, h, w)
        feat = feat + self.body(feat)  # (B, C, h, w)
        residual = self.conv_last(self.upsample(feat))  # (B, C, s h, s w) -> (B, 3, s h, s w)
        return residual + imresize(x, self.scale)  # MATLAB bicubic: the baseline itself
