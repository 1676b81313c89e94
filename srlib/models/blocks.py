"""Residual blocks: SRGAN's (with BatchNorm) and the no-BN variant (EDSR, MSRResNet).

SRGAN (Ledig et al. 2017, Fig. 4): ``x + BN(conv(PReLU(BN(conv(x)))))``.
EDSR and ESRGAN remove BatchNorm: it normalises with batch statistics during
training and running averages at test time, so outputs drift on images
unlike the training patches and artefacts appear (ESRGAN Sec. 3.1).
Taught in: notebook 02.
"""

from __future__ import annotations

from torch import Tensor, nn


class ResidualBlock(nn.Module):
    """conv-BN-PReLU-conv-BN plus identity skip (SRGAN). (B, C, H, W) -> same."""

    def __init__(self, num_feat: int = 64, batch_norm: bool = True):
        super().__init__()
        norm = (lambda: nn.BatchNorm2d(num_feat)) if batch_norm else nn.Identity
        self.conv1 = nn.Conv2d(num_feat, num_feat, kernel_size=3, padding=1)
        self.bn1 = norm()
        self.act = nn.PReLU(num_parameters=num_feat)
        self.conv2 = nn.Conv2d(num_feat, num_feat, kernel_size=3, padding=1)
        self.bn2 = norm()

    def forward(self, x: Tensor) -> Tensor:
        """x + BN(conv(PReLU(BN(conv(x))))): the SRGAN residual block, (B, C, H, W) -> same."""
        residual = self.bn2(self.conv2(self.act(self.bn1(self.conv1(x)))))  # (B, C, H, W)
        return x + residual  # a sum: the source document's product would be a bug


class ResidualBlockNoBN(nn.Module):
    """conv-ReLU-conv plus skip, no BN, residual scaled by ``res_scale`` (EDSR/MSRResNet).

    Convs start from Kaiming init scaled by 0.1, so each block begins near
    the identity (BasicSR's ``default_init_weights(..., 0.1)``).
    """

    def __init__(self, num_feat: int = 64, res_scale: float = 1.0):
        super().__init__()
        self.res_scale = res_scale
        self.conv1 = nn.Conv2d(num_feat, num_feat, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(num_feat, num_feat, kernel_size=3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        for conv in (self.conv1, self.conv2):
            nn.init.kaiming_normal_(conv.weight)
            conv.weight.data.mul_(0.1)
            nn.init.zeros_(conv.bias)

    def forward(self, x: Tensor) -> Tensor:
        """x + res_scale * conv(ReLU(conv(x))): no BatchNorm (EDSR), (B, C, H, W) -> same."""
        return x + self.res_scale * self.conv2(self.relu(self.conv1(x)))
