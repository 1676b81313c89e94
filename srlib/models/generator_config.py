"""One generator's hyper-parameters, checked once, and the generator they build.

A ``GeneratorConfig`` names the architecture and its size; it is nested in
every training ``Recipe`` (``recipe.generator``) and stored in every
``generator.pt`` (``asdict``), so a file rebuilds its own network.

=============  ==========================================  ===================
architecture   paper                                       defaults (paper's)
=============  ==========================================  ===================
``rrdbnet``    ESRGAN (Wang et al. 2018, Sec. 3.1)         64 feat, 23 RRDB, growth 32
``srresnet``   SRGAN (Ledig et al. 2017, Fig. 4)           64 feat, 16 blocks
``msrresnet``  BasicSR's SRResNet without BN               64 feat, 16 blocks
``espcn``      the course's small net (``srlib demo``)     40 feat, 4 blocks
=============  ==========================================  ===================

Taught in: notebook 02 (the architectures) and notebook 06, section 2 (the
trainer builds its generator from the recipe's config).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from torch import nn

from srlib.models.espcn import ResidualESPCN
from srlib.models.rrdb import RRDBNet
from srlib.models.srresnet import MSRResNet, SRResNet
from srlib.models.upsample import SCALES

ARCHITECTURES = ("rrdbnet", "srresnet", "msrresnet", "espcn")


@dataclass
class GeneratorConfig:
    """A generator's architecture and size.

    Args:
        architecture: 'rrdbnet', 'srresnet', 'msrresnet' or 'espcn'.
        num_feat: width (feature channels) of the trunk.
        num_block: depth: RRDBs, residual blocks, or ESPCN blocks.
        num_grow_ch: growth channels of a dense block (RRDBNet only).
        scale: upscaling factor, one of 2, 3, 4, 8.
        bicubic_skip: RRDBNet only: learn the residual over MATLAB bicubic (the
            course's small shipped models; not in the paper, see ``srlib.models.rrdb``).
    """

    architecture: str = "rrdbnet"
    num_feat: int = 64
    num_block: int = 23
    num_grow_ch: int = 32
    scale: int = 4
    bicubic_skip: bool = False

    def __post_init__(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"unknown generator architecture {self.architecture!r}; use one of "
                             f"{', '.join(ARCHITECTURES)}")
        if self.scale not in SCALES:
            raise ValueError(f"scale={self.scale} unsupported; use one of {', '.join(map(str, SCALES))}")
        for name in ("num_feat", "num_grow_ch"):
            if not (isinstance(getattr(self, name), int) and getattr(self, name) >= 1):
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if not (isinstance(self.num_block, int) and self.num_block >= 0):
            raise ValueError(f"num_block must be an integer >= 0, got {self.num_block!r}")
        if self.bicubic_skip and self.architecture != "rrdbnet":
            raise ValueError(f"bicubic_skip is an RRDBNet option; {self.architecture!r} "
                             + ("has its own bicubic skip" if self.architecture == "espcn" else "has none"))

    @classmethod
    def from_dict(cls, config: dict) -> GeneratorConfig:
        """A config from ``asdict`` output; also reads the key ``generator`` of files before
        ``GeneratorConfig`` existed (``srlib-generator-1``, old checkpoints' flat recipes)."""
        config = dict(config)
        if "generator" in config and "architecture" not in config:
            config["architecture"] = config.pop("generator")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ValueError(f"unknown generator settings {unknown}; valid: {sorted(known)}")
        return cls(**config)

    def to_dict(self) -> dict:
        """Plain types, as stored in ``generator.pt`` and in a checkpoint's recipe."""
        return asdict(self)


def build_generator(config: GeneratorConfig | dict) -> nn.Module:
    """The (untrained) generator a config describes; a dict is read with ``GeneratorConfig.from_dict``."""
    cfg = config if isinstance(config, GeneratorConfig) else GeneratorConfig.from_dict(config)
    common = dict(num_feat=cfg.num_feat, num_block=cfg.num_block, scale=cfg.scale)
    if cfg.architecture == "rrdbnet":
        return RRDBNet(num_grow_ch=cfg.num_grow_ch, bicubic_skip=cfg.bicubic_skip, **common)
    if cfg.architecture == "srresnet":
        return SRResNet(**common)
    if cfg.architecture == "msrresnet":
        return MSRResNet(**common)
    return ResidualESPCN(**common)
