"""Training: recipes, the trainer, checkpoints and runs. Taught in notebooks 06 and 07.

``srlib train``'s loop is ``srlib.train.run.train``; ``srlib demo`` is ``srlib.demo``."""

from srlib.train.budget import estimate, run_status
from srlib.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from srlib.train.ema import EMA
from srlib.train.guard import NonFiniteGuard
from srlib.train.recipes import RECIPES, Recipe, get_recipe, recipe_dict, recipe_from_yaml, scaled
from srlib.train.sampler import IterationBatchSampler
from srlib.train.trainer import Trainer, amp_dtype

__all__ = [
    "latest_checkpoint", "load_checkpoint", "save_checkpoint", "EMA", "RECIPES", "Recipe",
    "get_recipe", "recipe_dict", "recipe_from_yaml", "scaled", "IterationBatchSampler", "Trainer",
    "amp_dtype", "estimate", "run_status", "NonFiniteGuard",
]
