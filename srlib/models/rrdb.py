"""RRDB and RRDBNet: the ESRGAN generator (Wang et al., ECCV-W 2018, Sec. 3.1).

Residual dense block (RDB), growth g, width C::

    x1 = lrelu(conv1(x))                      C        -> g
    x2 = lrelu(conv2([x, x1]))                C + g    -> g
    x3 = lrelu(conv3([x, x1, x2]))            C + 2g   -> g
    x4 = lrelu(conv4([x, x1, x2, x3]))        C + 3g   -> g
    x5 = conv5([x, x1, x2, x3, x4])           C + 4g   -> C
    RDB(x) = x + beta * x5                    beta = 0.2 (residual scaling)

RRDB(x) = x + beta * RDB3(RDB2(RDB1(x))), with three *distinct* RDBs.
RRDBNet: conv_first, 23 RRDBs, conv_body, trunk skip (a sum), nearest x2 +
conv twice, conv_hr, conv_last. No BatchNorm anywhere. 16,697,987
parameters at the paper's size; state-dict names match the public BasicSR
weights (see ``srlib.models.weights`` for the older namings).

Deviation, for the course's small CPU-trained models only (``bicubic_skip=True``;
off by default and in the paper): the output adds MATLAB bicubic of the input,
so the network learns the residual over bicubic (VDSR's global skip, Kim et al.
2016) and a short budget starts at bicubic instead of at a blank image. MATLAB's
bicubic (``srlib.data.imresize``) because it is the baseline the course scores
against (notebook 01); it adds no parameters, so the state dict is unchanged.
Taught in: notebook 02 and exercise 02.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from srlib.data.imresize import imresize
from srlib.models.upsample import make_upsampler, upsample_stages


def scaled_kaiming_(module: nn.Module, scale: float = 0.1) -> None:
    """Kaiming-normal init times ``scale``, bias 0, for every conv in ``module``.

    Small initial residuals keep a 23-block trunk near the identity at the
    start of training (ESRGAN Sec. 3.1, "smaller initialization").
    """
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight)
            m.weight.data.mul_(scale)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class ResidualDenseBlock(nn.Module):
    """Five densely connected convs with residual scaling. (B, C, H, W) -> same."""

    def __init__(self, num_feat: int = 64, num_grow_ch: int = 32, res_scale: float = 0.2,
                 init_scale: float = 0.1):
        super().__init__()
        c, g = num_feat, num_grow_ch
        self.res_scale = res_scale
        self.conv1 = nn.Conv2d(c, g, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(c + g, g, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(c + 2 * g, g, kernel_size=3, padding=1)
        self.conv4 = nn.Conv2d(c + 3 * g, g, kernel_size=3, padding=1)
        self.conv5 = nn.Conv2d(c + 4 * g, c, kernel_size=3, padding=1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)
        scaled_kaiming_(self, init_scale)

    def forward(self, x: Tensor) -> Tensor:
        """RDB(x) = x + beta * x5: five convs, each fed x and every x_k before it (dense connections)."""
        x1 = self.lrelu(self.conv1(x))  # (B, g, H, W)
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))  # in: C + g
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))  # in: C + 2g
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))  # in: C + 3g
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))  # (B, C, H, W)
        return x + self.res_scale * x5


class RRDB(nn.Module):
    """Residual-in-residual dense block: three distinct RDBs, outer residual scaling."""

    def __init__(self, num_feat: int = 64, num_grow_ch: int = 32, res_scale: float = 0.2,
                 init_scale: float = 0.1):
        super().__init__()
        self.res_scale = res_scale
        # three separate modules: one RDB applied three times would share weights (notebook 02, section 6)
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch, res_scale, init_scale)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch, res_scale, init_scale)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch, res_scale, init_scale)

    def forward(self, x: Tensor) -> Tensor:
        """RRDB(x) = x + beta * RDB3(RDB2(RDB1(x))) (ESRGAN Fig. 4), (B, C, H, W) -> same."""
        return x + self.res_scale * self.rdb3(self.rdb2(self.rdb1(x)))


class RRDBNet(nn.Module):
    """The ESRGAN generator.

    Args:
        num_feat: width C (64). num_block: RRDBs (23). num_grow_ch: g (32).
        scale: 2, 3, 4 or 8.
        upsampler: 'nearest' (ESRGAN; layers named conv_up1, conv_up2, ... as in
            the public weights), 'pixelshuffle' or 'transposed'.
        res_scale: beta (0.2). init_scale: RDB conv init factor (0.1).
        bicubic_skip: add MATLAB bicubic of the input to the output (the course's
            small models; see the module docstring). conv_last then starts at a
            tenth of its Kaiming scale, so training starts close to bicubic.
    Input (B, 3, h, w) in [0, 1]; output (B, 3, h*scale, w*scale), not clipped.
    """

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64,
                 num_block: int = 23, num_grow_ch: int = 32, scale: int = 4,
                 upsampler: str = "nearest", res_scale: float = 0.2, init_scale: float = 0.1,
                 bicubic_skip: bool = False):
        super().__init__()
        self.scale, self.upsampler, self.bicubic_skip = scale, upsampler, bicubic_skip
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, kernel_size=3, padding=1)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch, res_scale, init_scale)
                                    for _ in range(num_block)])
        self.conv_body = nn.Conv2d(num_feat, num_feat, kernel_size=3, padding=1)
        if upsampler == "nearest":
            self.stages = upsample_stages(scale)
            for i in range(len(self.stages)):  # conv_up1, conv_up2[, conv_up3]
                self.add_module(f"conv_up{i + 1}", nn.Conv2d(num_feat, num_feat, kernel_size=3, padding=1))
        else:
            self.upsample = make_upsampler(upsampler, num_feat, scale, act="lrelu")
        self.conv_hr = nn.Conv2d(num_feat, num_feat, kernel_size=3, padding=1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, kernel_size=3, padding=1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)
        if bicubic_skip:
            scaled_kaiming_(self.conv_last, 0.1)  # start close to bicubic

    def forward(self, x: Tensor) -> Tensor:
        """LR (B, 3, h, w) in [0, 1] -> SR (B, 3, h*s, w*s), plus MATLAB bicubic with ``bicubic_skip``."""
        out = self.body_and_upsampler(x)  # (B, 3, h*s, w*s)
        return out + imresize(x, self.scale) if self.bicubic_skip else out

    def body_and_upsampler(self, x: Tensor) -> Tensor:
        """ESRGAN's network proper: trunk of RRDBs with a skip, then upsampling; (B, 3, h, w) -> (B, 3, h*s, w*s)."""
        feat = self.conv_first(x)  # (B, C, h, w)
        feat = feat + self.conv_body(self.body(feat))  # trunk skip: a sum, not x * x1
        if self.upsampler == "nearest":
            for i, factor in enumerate(self.stages):
                feat = F.interpolate(feat, scale_factor=factor, mode="nearest")  # (B, C, fh, fw)
                feat = self.lrelu(getattr(self, f"conv_up{i + 1}")(feat))
        else:
            feat = self.upsample(feat)  # (B, C, h*s, w*s)
        return self.conv_last(self.lrelu(self.conv_hr(feat)))  # (B, 3, h*s, w*s)
