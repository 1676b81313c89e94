"""Notebook 03's controlled upsampler experiment: 4 upsamplers x 3 seeds, trained and shipped.

Each model is an ``UpsamplerTestbed`` (one fixed trunk, learning the residual over
MATLAB bicubic) that differs only in its upsampler: pixel shuffle, pixel shuffle
with ICNR, nearest + conv, transposed conv. For a seed, every variant starts
its trunk (``conv_first``, ``body``) from the same random numbers and sees the
same patches in the same order (the loader's seed); the upsampler and the
last conv, drawn after it, start from different numbers. The 12
models are trained on the CPU by ``python tools/pretrain.py --only upsamplers``
and shipped in one file, ``upsamplers/upsamplers.pt`` (state dicts, the recipe,
and per model its training time and held-out PSNR-Y / SSIM-Y beside bicubic),
so that notebook 03's stored outputs compare trained networks; the notebook
trains them itself on the ``gpu`` profile or with ``TRAIN_HERE = True``.
Taught in: notebook 03, section 4.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from srlib.pretrained import PRETRAINED_DIR, REGENERATE

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

    def __post_init__(self):
        if self.scale not in (2, 4, 8):
            raise ValueError(f"scale={self.scale} unsupported; the transposed conv needs 2, 4 or 8")
        if self.iters < 1 or self.batch_size < 1 or self.hr_patch % self.scale:
            raise ValueError(f"need iters >= 1, batch_size >= 1 and hr_patch a multiple of scale; got {self}")


def build_testbed(variant: str, seed: int, recipe: UpsamplerRecipe = UpsamplerRecipe()):
    """The untrained network of ``variant`` for ``seed`` (its weights drawn after ``manual_seed(seed)``)."""
    from srlib.models.upsampler_testbed import UpsamplerTestbed

    if variant not in VARIANTS:
        raise ValueError(f"unknown upsampler variant {variant!r}; choose from {', '.join(VARIANTS)}")
    kind, icnr = VARIANTS[variant]
    torch.manual_seed(seed)
    return UpsamplerTestbed(kind, icnr, recipe.num_feat, recipe.num_block, recipe.scale)


def train_upsampler(variant: str, seed: int, recipe: UpsamplerRecipe = UpsamplerRecipe(), device="cpu",
                    progress: bool = False):
    """Train ``variant`` with ``seed`` on the bundled training photos; returns the network in eval mode."""
    from tqdm.auto import tqdm

    from srlib.data import make_train_loader, sample_dataset

    net = build_testbed(variant, seed, recipe).to(device)
    train_set = sample_dataset("train", scale=recipe.scale, hr_patch=recipe.hr_patch, repeat=10_000)
    batches = iter(make_train_loader(train_set, batch_size=recipe.batch_size, num_workers=0, seed=seed))
    optimizer = torch.optim.Adam(net.parameters(), lr=recipe.learning_rate)
    drops = [int(f * recipe.iters) for f in recipe.milestones]
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimizer, drops, gamma=recipe.gamma)
    for _ in tqdm(range(recipe.iters), desc=f"{variant}, seed {seed}", disable=not progress, leave=False):
        img_lr, img_hr = next(batches)  # (B, 3, p/s, p/s), (B, 3, p, p): the same batches for every variant
        loss = F.l1_loss(net(img_lr.to(device)), img_hr.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    return net.eval()


def save_upsamplers(nets: dict[str, list], recipe: UpsamplerRecipe, metadata: dict, path=UPSAMPLERS_PATH) -> None:
    """Write the networks (``{variant: [net per seed]}``) with the recipe and metadata in one file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "recipe": asdict(recipe), "seeds": list(SEEDS), "metadata": metadata,
               "state_dicts": {v: [{k: t.detach().cpu() for k, t in net.state_dict().items()} for net in nets[v]]
                               for v in nets}}
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def _damaged(path, why: str) -> ValueError:
    return ValueError(f"{path} is damaged ({why}); regenerate it with `{REGENERATE} --only upsamplers` "
                      "in a course checkout")


def load_upsamplers(path=UPSAMPLERS_PATH, device="cpu") -> tuple[dict[str, list], UpsamplerRecipe, dict]:
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


def describe_upsamplers(path=UPSAMPLERS_PATH) -> list[dict]:
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
