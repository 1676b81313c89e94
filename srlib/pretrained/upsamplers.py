"""Notebook 03's controlled upsampler experiment: 4 upsamplers x 3 seeds, trained and shipped.

Each model is an ``UpsamplerTestbed`` (one fixed trunk, learning the residual over
MATLAB bicubic) that differs only in its upsampler: pixel shuffle, pixel shuffle
with ICNR, nearest + conv, transposed conv. For a seed, every variant starts
its trunk (``conv_first``, ``body``) from the same random numbers and sees the
same patches in the same order (the data order is a function of the seed);
the upsampler and the last conv, drawn after it, start from different numbers.
Each run goes through the course's one training loop (``Trainer.fit``), with a
plain L1 ``Recipe`` made from the ``UpsamplerRecipe`` the 12 runs share. The 12
models are trained on the CPU by ``python tools/pretrain.py --only upsamplers``
and shipped in one file, ``upsamplers/upsamplers.pt`` (state dicts, the recipe,
and per model its training time and held-out PSNR-Y / SSIM-Y beside bicubic),
so that notebook 03's stored outputs compare trained networks; the notebook
trains them itself on the ``gpu`` profile or with ``TRAIN_HERE = True``.
Taught in: notebook 03, section 4.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from srlib.data import sample_dataset
from srlib.files import atomic_path
from srlib.models.generator_config import GeneratorConfig
from srlib.models.upsampler_testbed import UpsamplerTestbed
from srlib.pretrained import PRETRAINED_DIR, REGENERATE
from srlib.train.recipes import Recipe
from srlib.train.trainer import Trainer

VARIANTS = {"pixel shuffle": ("pixelshuffle", False), "pixel shuffle + ICNR": ("pixelshuffle", True),
            "nearest + conv": ("nearest", False), "transposed conv": ("transposed", False)}
SEEDS = (0, 1, 2)
UPSAMPLERS_PATH = PRETRAINED_DIR / "upsamplers" / "upsamplers.pt"
FORMAT = "srlib-upsamplers-1"


@dataclass(frozen=True)
class UpsamplerRecipe:
    """Everything the 12 runs share: trunk size, data, optimiser and budget."""

    num_feat: int = 16
    num_block: int = 4
    scale: int = 4
    hr_patch: int = 64
    batch_size: int = 16
    learning_rate: float = 1e-3  # Adam, betas (0.9, 0.999), L1 loss
    iters: int = 2000
    milestones: tuple[float, ...] = (0.6, 0.85)  # fractions of iters where the rate drops
    gamma: float = 0.25

    def __post_init__(self) -> None:
        if self.scale not in (2, 4, 8):
            raise ValueError(f"scale={self.scale} unsupported; the transposed conv needs 2, 4 or 8")
        if self.iters < 1 or self.batch_size < 1 or self.hr_patch % self.scale:
            raise ValueError(f"need iters >= 1, batch_size >= 1 and hr_patch a multiple of scale; got {self}")

    def training_recipe(self, variant: str, seed: int) -> Recipe:
        """The trainer's ``Recipe`` for one run: L1 only, Adam (0.9, 0.999), no EMA, data order from ``seed``.

        The trainer is handed the testbed itself (``Trainer(..., generator=...)``); the recipe's
        ``generator`` only carries the scale.
        """
        return Recipe(f"{variant}, seed {seed}", generator=GeneratorConfig(scale=self.scale), hr_patch=self.hr_patch,
                      batch_size=self.batch_size, learning_rate_g=self.learning_rate, betas=(0.9, 0.999),
                      milestones=tuple(int(f * self.iters) for f in self.milestones), gamma=self.gamma,
                      total_iters=self.iters, ema_decay=0.0, val_every=0, save_every=0, seed=seed)


def build_testbed(variant: str, seed: int, recipe: UpsamplerRecipe = UpsamplerRecipe()) -> UpsamplerTestbed:
    """The untrained network of ``variant`` for ``seed`` (its weights drawn after ``manual_seed(seed)``)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown upsampler variant {variant!r}; choose from {', '.join(VARIANTS)}")
    kind, icnr = VARIANTS[variant]
    torch.manual_seed(seed)
    return UpsamplerTestbed(kind, icnr, recipe.num_feat, recipe.num_block, recipe.scale)


def train_upsampler(variant: str, seed: int, recipe: UpsamplerRecipe = UpsamplerRecipe(),
                    device: str | torch.device = "cpu", progress: bool = False) -> UpsamplerTestbed:
    """Train ``variant`` with ``seed`` on the bundled training photos; returns the network in eval mode.

    ``Trainer.fit`` runs the loop: each step an L1 loss on a batch of patches, Adam, the rate
    divided by 4 after 60% and 85% of the iterations. Taught in: notebook 03, section 4.
    """
    net = build_testbed(variant, seed, recipe)
    train_set = sample_dataset("train", scale=recipe.scale, hr_patch=recipe.hr_patch, repeat=10_000)
    trainer = Trainer(recipe.training_recipe(variant, seed), train_set, device=device, amp="off", generator=net)
    trainer.fit(recipe.iters, progress=progress)
    return trainer.generator.eval()


def save_upsamplers(nets: dict[str, list], recipe: UpsamplerRecipe, metadata: dict,
                    path: Path = UPSAMPLERS_PATH) -> None:
    """Write the networks (``{variant: [net per seed]}``) with the recipe and metadata in one file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "recipe": asdict(recipe), "seeds": list(SEEDS), "metadata": metadata,
               "state_dicts": {v: [{k: t.detach().cpu() for k, t in net.state_dict().items()} for net in nets[v]]
                               for v in nets}}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def _damaged(path: Path, why: str) -> ValueError:
    return ValueError(f"{path} is damaged ({why}); regenerate it with `{REGENERATE} --only upsamplers` "
                      "in a course checkout")


def load_upsamplers(path: Path = UPSAMPLERS_PATH,
                    device: str | torch.device = "cpu") -> tuple[dict[str, list], UpsamplerRecipe, dict]:
    """The shipped networks ``{variant: [net for each of SEEDS]}``, their recipe and metadata."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: the shipped upsampler models are missing; regenerate them with "
                                f"`{REGENERATE} --only upsamplers` in a course checkout")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file: say which and how to fix it
        raise _damaged(path, f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise _damaged(path, f"not a {FORMAT} file")
    try:
        recipe = UpsamplerRecipe(**{k: tuple(v) if isinstance(v, list) else v for k, v in payload["recipe"].items()})
        nets = {}
        for variant in VARIANTS:
            nets[variant] = []
            for seed, state in zip(SEEDS, payload["state_dicts"][variant], strict=True):
                net = build_testbed(variant, seed, recipe)
                net.load_state_dict(state)
                nets[variant].append(net.to(device).eval())
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise _damaged(path, f"{type(exc).__name__}: {exc}") from exc
    return nets, recipe, payload["metadata"]


def describe_upsamplers(path: Path = UPSAMPLERS_PATH) -> list[dict]:
    """One row per variant for ``srlib pretrained``: parameters, budget, mean held-out PSNR-Y over the seeds."""
    nets, recipe, meta = load_upsamplers(path)
    rows = []
    for variant, runs in meta["runs"].items():
        rows.append({"variant": variant, "parameters": sum(p.numel() for p in nets[variant][0].parameters()),
                     "iterations": recipe.iters, "seeds": [run["seed"] for run in runs],
                     "minutes": sum(run["training_seconds"] for run in runs) / 60,
                     "psnr_y": sum(run["held_out"]["psnr_y"] for run in runs) / len(runs),
                     "bicubic_psnr_y": runs[0]["held_out"]["bicubic_psnr_y"]})
    return rows
