"""Generators, discriminators and their parts; weight files. Taught in notebooks 02, 03 and 05."""

from torch import nn

from srlib.models.blocks import ResidualBlock, ResidualBlockNoBN
from srlib.models.discriminator import SRGANDiscriminator
from srlib.models.esrgan_discriminator import ESRGANDiscriminator
from srlib.models.espcn import ResidualESPCN
from srlib.models.generator_config import GeneratorConfig, build_generator
from srlib.models.generator_file import load_generator, read_generator, save_generator
from srlib.models.rrdb import RRDB, ResidualDenseBlock, RRDBNet, scaled_kaiming_
from srlib.models.srresnet import MSRResNet, SRResNet
from srlib.models.upsample import (NearestConvUpsampler, PixelShuffleUpsampler,
                                   TransposedConvUpsampler, icnr_, make_upsampler, upsample_stages)
from srlib.models.upsampler_testbed import UpsamplerTestbed
from srlib.models.weights import (check_state_dict, download_esrgan_weights, load_esrgan_weights,
                                  to_basicsr_names)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = [
    "ResidualBlock", "ResidualBlockNoBN", "RRDB", "ResidualDenseBlock", "RRDBNet",
    "scaled_kaiming_", "SRResNet", "MSRResNet", "NearestConvUpsampler", "PixelShuffleUpsampler",
    "TransposedConvUpsampler", "icnr_", "make_upsampler", "upsample_stages", "check_state_dict",
    "download_esrgan_weights", "load_esrgan_weights", "to_basicsr_names", "count_parameters",
    "ResidualESPCN", "build_generator", "load_generator", "save_generator",
    "SRGANDiscriminator", "ESRGANDiscriminator", "GeneratorConfig", "read_generator", "UpsamplerTestbed",
]

# Names the course no longer exports, and what replaced them.
RETIRED = {
    "VGGStyleDiscriminator": (
        "srlib.models.VGGStyleDiscriminator was retired: it named SRGAN's discriminator, while BasicSR's "
        "VGGStyleDiscriminator is ESRGAN's layout. Use SRGANDiscriminator (SRGAN, Ledig et al. 2017, "
        "Sec. 2.1 and Fig. 4) or ESRGANDiscriminator (BasicSR's VGGStyleDiscriminator, names and shapes)."),
}


def __getattr__(name: str) -> object:
    """A retired name raises an ImportError that says what replaced it (``from srlib.models import ...`` too)."""
    if name in RETIRED:
        raise ImportError(RETIRED[name])  # an AttributeError's message would be lost by `from ... import`
    raise AttributeError(f"module 'srlib.models' has no attribute {name!r}")
