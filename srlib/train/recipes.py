"""Training recipes: the papers' hyperparameters as plain dataclasses.

Each recipe is a ``Recipe`` with mostly the papers' values (SRGAN, Ledig et
al. 2017, Sec. 3.2; ESRGAN, Wang et al. 2018, Sec. 4.1) and some of BasicSR's
training configs: for ESRGAN, the PSNR stage's length and the EMA, which the
paper does not state, and Adam's beta2 = 0.99 where it states 0.999 (notebook
06, section 2 sets the sources side by side). The generator's own settings are a nested
``GeneratorConfig`` (``recipe.generator``). ``scaled(recipe, size)`` shrinks a recipe to a
``RecipeSize`` (the course's ``ci`` / ``cpu`` profiles hold one:
``profile.recipe_size``; ``gpu``'s is None, the recipe as published). A recipe
is saved in every checkpoint (``asdict``) and can be read from YAML (the
generator as a nested mapping). Taught in: notebook 06, section 2 and
notebook 07, section 3.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from srlib.models.generator_config import GeneratorConfig

DISCRIMINATORS = ("srgan", "esrgan")  # srlib.models.SRGANDiscriminator, ESRGANDiscriminator
ADVERSARIAL = (None, "bce", "ragan", "wgan-gp")


@dataclass
class Recipe:
    """A training recipe: generator, losses and their weights, optimisers, schedule, data sizes.

    Defaults are ESRGAN's PSNR stage (Sec. 4.1), with BasicSR's values where the paper
    gives none or another (``betas``, ``total_iters``, ``ema_decay``: see their comments);
    ``RECIPES`` holds the papers' recipes.
    Weights of 0 switch a loss term off; ``adversarial`` None trains without a discriminator.
    Taught in: notebook 06, section 2 and notebook 07, section 3.
    """

    name: str
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)  # ESRGAN's RRDBNet x4
    # data
    hr_patch: int = 128
    batch_size: int = 16
    # losses (weights of 0 switch a term off)
    pixel_criterion: str = "l1"  # 'l1' or 'mse'
    pixel_weight: float = 1.0
    perceptual_layers: dict = field(default_factory=dict)  # {'conv5_4': 1.0}
    perceptual_criterion: str = "l1"
    perceptual_scale: float = 1.0  # SRGAN: 1 / 12.75
    perceptual_weight: float = 0.0
    adversarial: str | None = None  # None, 'bce', 'ragan' or 'wgan-gp'
    adversarial_weight: float = 0.0
    discriminator: str = "srgan"  # 'srgan' (SRGAN Sec. 2.1, Fig. 4) or 'esrgan' (BasicSR's layout)
    discriminator_norm: str = "batch"
    disc_feat: int = 64  # discriminator width (64 in the papers)
    # conv blocks (conv, norm, LeakyReLU) of SRGAN's discriminator: the paper's 8; every second one
    # halves the patch, so hr_patch must be divisible by 2 ** (disc_blocks / 2). Source document
    # 004 swept 4, 8 and 16 (notebook 09). ESRGAN's discriminator has a fixed depth.
    disc_blocks: int = 8
    n_critic: int = 1
    gp_weight: float = 10.0
    # optimisation
    learning_rate_g: float = 2e-4
    learning_rate_d: float = 1e-4
    betas: tuple = (0.9, 0.99)  # BasicSR's configs; ESRGAN Sec. 4.1 uses (0.9, 0.999)
    milestones: tuple = (200_000, 400_000, 600_000, 800_000)  # ESRGAN Sec. 4.1: halved every 200k
    gamma: float = 0.5
    total_iters: int = 1_000_000  # BasicSR's PSNR-stage config; the paper states no total
    ema_decay: float = 0.999  # BasicSR's GAN-stage config; the paper states no EMA
    # bookkeeping
    val_every: int = 5000
    save_every: int = 5000
    log_every: int = 100
    keep_last: int = 3
    seed: int = 0
    vgg_weights: str = "imagenet"

    def __post_init__(self) -> None:
        self.betas, self.milestones = tuple(self.betas), tuple(self.milestones)
        if isinstance(self.generator, dict):  # from YAML or a checkpoint
            self.generator = GeneratorConfig.from_dict(self.generator)
        if not isinstance(self.generator, GeneratorConfig):
            raise ValueError(f"generator must be a GeneratorConfig, e.g. GeneratorConfig('espcn', num_feat=40), "
                             f"got {self.generator!r}")
        if self.adversarial not in ADVERSARIAL:
            raise ValueError(f"adversarial must be None, 'bce', 'ragan' or 'wgan-gp', got {self.adversarial!r}")
        if self.discriminator not in DISCRIMINATORS:
            raise ValueError(f"discriminator must be one of {', '.join(DISCRIMINATORS)}, got {self.discriminator!r}")
        if self.n_critic < 1:
            raise ValueError(f"n_critic must be at least 1, got {self.n_critic}")
        if self.adversarial == "wgan-gp" and self.discriminator_norm == "batch":
            raise ValueError("a WGAN-GP critic must not use BatchNorm (the penalty is per sample); "
                             "use discriminator_norm='none', 'layer' or 'instance'")
        if self.hr_patch % self.scale:
            raise ValueError(f"hr_patch={self.hr_patch} is not a multiple of scale={self.scale}")
        self._check_disc_blocks()

    def _check_disc_blocks(self) -> None:
        """``disc_blocks``: an even count that the discriminator and the HR patch allow."""
        if not (isinstance(self.disc_blocks, int) and self.disc_blocks >= 2 and self.disc_blocks % 2 == 0):
            raise ValueError(f"disc_blocks must be an even integer >= 2 (conv pairs of stride 1 and 2), "
                             f"got {self.disc_blocks!r}")
        if self.discriminator == "esrgan" and self.disc_blocks != 8:
            raise ValueError(f"disc_blocks={self.disc_blocks} applies to discriminator='srgan' only; "
                             "ESRGAN's discriminator has a fixed depth (leave disc_blocks at 8)")
        if self.is_gan and self.discriminator == "srgan" and self.hr_patch % 2 ** (self.disc_blocks // 2):
            raise ValueError(f"hr_patch={self.hr_patch} cannot pass {self.disc_blocks} discriminator blocks: "
                             f"{self.disc_blocks // 2} of them halve it, so it must be divisible by "
                             f"{2 ** (self.disc_blocks // 2)}")

    @property
    def is_gan(self) -> bool:
        """Whether the recipe trains a discriminator (an adversarial loss is set)."""
        return self.adversarial is not None

    @property
    def scale(self) -> int:
        """The generator's upscaling factor (``recipe.generator.scale``)."""
        return self.generator.scale

    # Read-only spellings from before GeneratorConfig, kept so old code reads them; set them
    # through the config: replace(recipe, generator=replace(recipe.generator, num_feat=16)).
    num_feat = property(lambda self: self.generator.num_feat, doc="``recipe.generator.num_feat``")
    num_block = property(lambda self: self.generator.num_block, doc="``recipe.generator.num_block``")
    num_grow_ch = property(lambda self: self.generator.num_grow_ch, doc="``recipe.generator.num_grow_ch``")


FLAT_GENERATOR_KEYS = ("generator", "num_feat", "num_block", "num_grow_ch", "scale")  # before GeneratorConfig
SRRESNET = GeneratorConfig("srresnet", num_block=16)  # the SRGAN paper's B = 16

RECIPES: dict[str, Recipe] = {
    # SRGAN paper: SRResNet pre-trained with MSE, 96x96 crops, Adam 1e-4
    "srresnet_psnr": Recipe("srresnet_psnr", generator=SRRESNET, hr_patch=96,
                            pixel_criterion="mse", learning_rate_g=1e-4, betas=(0.9, 0.999),
                            milestones=(), total_iters=1_000_000),
    # SRGAN: VGG54 content loss (relu5_4, MSE, features / 12.75) + 1e-3 BCE
    "srgan": Recipe("srgan", generator=SRRESNET, hr_patch=96, pixel_weight=0.0,
                    perceptual_layers={"relu5_4": 1.0}, perceptual_criterion="mse",
                    perceptual_scale=1 / 12.75, perceptual_weight=1.0, adversarial="bce",
                    adversarial_weight=1e-3, learning_rate_g=1e-4, learning_rate_d=1e-4,
                    betas=(0.9, 0.999), milestones=(100_000,), gamma=0.1, total_iters=200_000),
    # ESRGAN PSNR stage: RRDBNet, L1, 2e-4 halved every 200k
    "esrgan_psnr": Recipe("esrgan_psnr"),
    # ESRGAN: L1 1e-2 + VGG conv5_4 (before ReLU) L1 + RaGAN 5e-3, from the PSNR model
    "esrgan": Recipe("esrgan", pixel_weight=1e-2, perceptual_layers={"conv5_4": 1.0},
                     perceptual_weight=1.0, adversarial="ragan", adversarial_weight=5e-3, discriminator="esrgan",
                     learning_rate_g=1e-4, learning_rate_d=1e-4,
                     milestones=(50_000, 100_000, 200_000, 300_000), total_iters=400_000),
    # source document 000's variant, corrected: WGAN-GP with a BN-free critic, weighted terms
    "esrgan_wgangp": Recipe("esrgan_wgangp", pixel_criterion="mse", pixel_weight=1e-2,
                            perceptual_layers={"conv5_4": 1.0}, perceptual_weight=1.0,
                            adversarial="wgan-gp", adversarial_weight=5e-3, discriminator="esrgan",
                            discriminator_norm="none",
                            n_critic=5, learning_rate_g=1e-4, learning_rate_d=1e-4, betas=(0.0, 0.9),
                            milestones=(50_000, 100_000, 200_000, 300_000), total_iters=400_000),
    # the main job's small net: residual blocks at LR resolution, a sub-pixel tail, and a
    # bicubic skip (it learns the residual over bicubic); about 134k parameters
    "demo": Recipe("demo", generator=GeneratorConfig("espcn", num_feat=40, num_block=4), hr_patch=64,
                   batch_size=16, learning_rate_g=1e-3, milestones=(), total_iters=100_000,
                   ema_decay=0.0, val_every=0, save_every=0),
}


def get_recipe(name: str) -> Recipe:
    """A fresh copy of the named recipe from ``RECIPES``; a ValueError lists the names."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; valid recipes: {', '.join(RECIPES)}")
    return replace(RECIPES[name])


@dataclass(frozen=True)
class RecipeSize:
    """The sizes a published recipe is shrunk to for a run of minutes instead of days (``scaled``).

    Args:
        train_iters: iterations of the whole run; the milestones sit at 50% and 75% of them.
        batch_size: patches per step.
        hr_patch: HR crop side in pixels (a multiple of the scale).
        num_feat: generator width (the discriminator's too).
        num_block: generator depth.
        vgg_weights: 'random' for runs that must stay offline (no ImageNet download); None keeps
            the recipe's.
    """

    train_iters: int
    batch_size: int
    hr_patch: int
    num_feat: int
    num_block: int
    vgg_weights: str | None = None


def scaled(recipe: Recipe, size: RecipeSize | None) -> Recipe:
    """The recipe at ``size``; as published when ``size`` is None. The ``demo`` recipe is never shrunk.

    Taught in: notebook 06, section 2 (a recipe says what to optimise; the profile's size, how long).
    """
    if size is None or recipe.name == "demo":
        return replace(recipe)
    iters = size.train_iters
    generator = replace(recipe.generator, num_feat=size.num_feat, num_block=size.num_block,
                        num_grow_ch=max(8, size.num_feat // 2))
    small = dict(generator=generator, disc_feat=size.num_feat, hr_patch=size.hr_patch,
                 batch_size=size.batch_size, total_iters=iters,
                 milestones=tuple(int(iters * f) for f in (0.5, 0.75)),
                 val_every=max(1, iters // 4), save_every=max(1, iters // 4), log_every=max(1, iters // 20),
                 # an EMA over ~10% of the run: 0.999 would average over more steps than a short run has
                 ema_decay=min(recipe.ema_decay, 1 - 10 / iters) if recipe.ema_decay else 0.0)
    if size.vgg_weights is not None:
        small["vgg_weights"] = size.vgg_weights  # offline: chosen explicitly, warned about
    return replace(recipe, **small)


def recipe_from_yaml(path: str | Path) -> Recipe:
    """A recipe from a YAML file of ``Recipe`` fields (``name`` required; unknown keys refused).

    The generator is a mapping (``generator: {architecture: espcn, num_feat: 40}``); fields it
    leaves out keep the named recipe's values. The flat keys of older files (``generator: espcn``,
    ``num_feat: 40``, ...) are read into it.
    """
    import yaml

    data = yaml.safe_load(Path(path).read_text()) or {}
    flat = {k: data.pop(k) for k in FLAT_GENERATOR_KEYS if k in data and not isinstance(data[k], dict)}
    if flat:  # recipes written before GeneratorConfig: generator: espcn, num_feat: 40, ...
        data["generator"] = {("architecture" if k == "generator" else k): v for k, v in flat.items()}
    known = {f.name for f in fields(Recipe)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown recipe fields {unknown}; valid fields: {sorted(known)}")
    base = get_recipe(data["name"]) if data.get("name") in RECIPES else Recipe(data.get("name", "custom"))
    if isinstance(data.get("generator"), dict):
        data["generator"] = GeneratorConfig.from_dict({**base.generator.to_dict(), **data["generator"]})
    return replace(base, **data)


def recipe_dict(recipe: Recipe) -> dict:
    """Plain types only (lists, not tuples; the generator a nested dict), for checkpoints and YAML."""
    d = asdict(recipe)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def generator_of(recipe_as_dict: dict) -> GeneratorConfig:
    """The generator config of a checkpoint's recipe dict; reads the flat keys
    (``generator: 'rrdbnet'``, ``num_feat``, ...) of checkpoints written before ``GeneratorConfig``."""
    if isinstance(recipe_as_dict.get("generator"), dict):
        return GeneratorConfig.from_dict(recipe_as_dict["generator"])
    return GeneratorConfig.from_dict({k: recipe_as_dict[k] for k in FLAT_GENERATOR_KEYS if k in recipe_as_dict})
