"""ESRGAN's discriminator, layer for layer as BasicSR's ``VGGStyleDiscriminator``.

ESRGAN (Wang et al. 2018, Sec. 3.2 and the released training code) keeps
SRGAN's VGG-style design but builds it differently from the SRGAN paper's
Sec. 2.1 and Fig. 4 (``SRGANDiscriminator``): ten convolutions in five stages, the
downsampling ones 4x4 with stride 2 and no bias (BatchNorm follows them),
widths 64-64 | 128-128 | 256-256 | 512-512 | 512-512, so a 128x128 patch ends
as a 512 x 4 x 4 map; then Linear(8192, 100), LeakyReLU(0.2), Linear(100, 1).
14,499,401 parameters at 64 features and 128 px. Output: one *logit* per
image; the sigmoid (or the relativistic average of RaGAN) is in the loss.

The parameter names (``conv0_0``, ``conv0_1``, ``bn0_1``, ..., ``conv4_1``,
``bn4_1``, ``linear1``, ``linear2``) and shapes are BasicSR's, so a BasicSR
discriminator checkpoint loads with ``strict=True`` and gives the same
outputs (``tests/models/test_discriminators.py`` checks names, shapes and
the count).

Deviations from BasicSR, all off by default except the first:

- ``input_size`` may be any side from 32 up (BasicSR asserts 128 or 256):
  the course's small profiles train on 48 and 64 px patches. The first
  linear layer is sized from the map the stages leave (4 x 4 at 128 px, as
  BasicSR; 1 x 1 at 48 px). At 256 px a sixth stage is added, as BasicSR does.
- ``norm`` = ``"none"``, ``"layer"`` or ``"instance"`` replaces BatchNorm for a
  WGAN-GP critic (the penalty is per sample; notebook 05, section 4, "Why a
  WGAN-GP critic must not use BatchNorm"); with ``"none"`` the convolutions get a bias back, since no
  normalisation follows them. BasicSR has only BatchNorm.
- Weights keep PyTorch's default initialisation, as BasicSR's discriminator
  does (it applies no 0.1 scaling there; that is for its generators).

Taught in: notebook 05 (discriminators and critics), used by the ``esrgan``
and ``esrgan_wgangp`` recipes (notebook 07).
"""

from __future__ import annotations

from torch import Tensor, nn

from srlib.models.discriminator import NORMS, make_norm


class ESRGANDiscriminator(nn.Module):
    """BasicSR's VGG-style discriminator. (N, 3, S, S) in [0, 1] -> (N, 1) logits.

    Args:
        input_size: HR patch side S (128 in ESRGAN; any S >= 32 here).
        num_feat: width of the first stage (64 in ESRGAN); later stages 2x, 4x, 8x, 8x.
        norm: 'batch' (ESRGAN), or 'none' / 'layer' / 'instance' for a WGAN-GP critic.
    """

    def __init__(self, input_size: int = 128, num_feat: int = 64, norm: str = "batch"):
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {norm!r}")
        if input_size < 32:
            raise ValueError(f"input_size={input_size} is too small: five stride-2 stages need at least "
                             "32 pixels; train on larger HR patches (hr_patch >= 32)")
        self.input_size = input_size
        widths = [num_feat, num_feat * 2, num_feat * 4, num_feat * 8, num_feat * 8]
        if input_size == 256:  # BasicSR's extra stage for 256 px
            widths.append(num_feat * 8)
        bias = norm == "none"  # BatchNorm (or another norm) follows: a bias would be redundant
        in_ch, side = 3, input_size
        for stage, out_ch in enumerate(widths):
            # stride 1, 3x3; the very first conv has a bias and no norm
            self.add_module(f"conv{stage}_0", nn.Conv2d(in_ch, out_ch, kernel_size=3, stride=1, padding=1,
                                                        bias=stage == 0 or bias))
            if stage > 0:
                self.add_module(f"bn{stage}_0", make_norm(norm, out_ch))
            # stride 2, 4x4: halves the side, (N, out_ch, side // 2, side // 2)
            self.add_module(f"conv{stage}_1", nn.Conv2d(out_ch, out_ch, kernel_size=4, stride=2, padding=1,
                                                        bias=bias))
            self.add_module(f"bn{stage}_1", make_norm(norm, out_ch))
            in_ch, side = out_ch, side // 2
        self.num_stages = len(widths)
        self.linear1 = nn.Linear(in_ch * side * side, 100)  # 512 * 4 * 4 = 8192 at 128 px
        self.linear2 = nn.Linear(100, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        """One logit per image: (N, 3, S, S) in [0, 1] -> (N, 1); the sigmoid (or RaGAN's average) is in the loss."""
        if x.shape[-1] != self.input_size or x.shape[-2] != self.input_size:
            raise ValueError(f"discriminator built for {self.input_size}x{self.input_size} patches, "
                             f"got {tuple(x.shape[-2:])}; build it with input_size={x.shape[-1]}")
        feat = self.lrelu(self.conv0_0(x))  # (N, C, S, S)
        feat = self.lrelu(self.bn0_1(self.conv0_1(feat)))  # (N, C, S/2, S/2)
        for stage in range(1, self.num_stages):
            feat = self.lrelu(getattr(self, f"bn{stage}_0")(getattr(self, f"conv{stage}_0")(feat)))
            feat = self.lrelu(getattr(self, f"bn{stage}_1")(getattr(self, f"conv{stage}_1")(feat)))  # side / 2
        feat = feat.flatten(1)  # (N, 8C * 4 * 4) at 128 px, in BasicSR's (C, H, W) order
        return self.linear2(self.lrelu(self.linear1(feat)))  # (N, 1) logits
