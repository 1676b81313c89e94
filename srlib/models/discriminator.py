"""SRGAN's discriminator (and, with ``norm``, a normalisation-free WGAN-GP critic).

SRGAN (Ledig et al. 2017, Sec. 2.1 and Fig. 4): eight 3x3 convs with
64-64-128-128-256-256-512-512 channels, stride 2 on every second conv,
BatchNorm after every conv but the first, LeakyReLU(0.2), then Dense(1024),
LeakyReLU(0.2), Dense(1). It outputs a *logit*: the sigmoid belongs in the
loss. (A bare ``nn.LeakyReLU()`` has slope 0.01, not the paper's 0.2.)
ESRGAN's own discriminator, the layout BasicSR calls ``VGGStyleDiscriminator``,
is ``ESRGANDiscriminator`` in ``esrgan_discriminator.py``.

A WGAN-GP critic must not use BatchNorm: the gradient penalty is defined per
sample, and BN makes each sample's score depend on the rest of the batch.
``norm="none" | "layer" | "instance"`` gives the critic variant.
Taught in: notebook 05.
"""

from __future__ import annotations

from torch import Tensor, nn

NORMS = ("batch", "none", "layer", "instance")


def make_norm(kind: str, channels: int) -> nn.Module:
    """The normalisation layer after a discriminator conv: 'batch', 'instance', 'layer' or 'none'."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "layer":
        return nn.GroupNorm(1, channels)  # LayerNorm over (C, H, W) of each sample
    return nn.Identity()


class SRGANDiscriminator(nn.Module):
    """SRGAN discriminator (Ledig et al. 2017, Sec. 2.1 and Fig. 4). (N, 3, S, S) in [0, 1] -> (N, 1) logits.

    Args:
        input_size: HR patch side S (96 for SRGAN, 128 for ESRGAN); must be
            divisible by 2**depth.
        depth: number of (stride-1, stride-2) conv pairs; 4 is the paper's 8 convs.
        norm: 'batch' (paper), or 'none' / 'layer' / 'instance' for a WGAN-GP critic.
    """

    def __init__(self, input_size: int = 128, num_feat: int = 64, depth: int = 4, norm: str = "batch"):
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {norm!r}")
        if input_size % 2**depth:
            raise ValueError(f"input_size={input_size} must be divisible by 2**depth={2**depth}")
        layers, in_ch = [], 3
        for stage in range(depth):
            out_ch = num_feat * 2 ** min(stage, 3)  # 64, 128, 256, 512, 512, ...
            for stride in (1, 2):
                layers.append(nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=stride, padding=1))
                if layers[:-1]:  # no normalisation after the very first conv
                    layers.append(make_norm(norm, out_ch))
                layers.append(nn.LeakyReLU(negative_slope=0.2, inplace=True))
                in_ch = out_ch
        self.features = nn.Sequential(*layers)
        side = input_size // 2**depth
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(in_ch * side * side, 1024),
                                        nn.LeakyReLU(negative_slope=0.2, inplace=True), nn.Linear(1024, 1))
        self.input_size = input_size

    def forward(self, x: Tensor) -> Tensor:
        """One logit per image: (N, 3, S, S) in [0, 1] -> (N, 1); the sigmoid belongs in the loss."""
        if x.shape[-1] != self.input_size or x.shape[-2] != self.input_size:
            raise ValueError(f"discriminator built for {self.input_size}x{self.input_size} patches, "
                             f"got {tuple(x.shape[-2:])}; build it with input_size={x.shape[-1]}")
        return self.classifier(self.features(x))  # (N, 1) logits

