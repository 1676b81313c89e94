"""Training: recipes, the trainer, checkpoints and runs. Taught in notebooks 06 and 07.

``Trainer.fit`` is the one training loop; ``srlib train`` runs it through
``srlib.train.run.train(recipe, RunOptions(...))``; ``srlib demo`` is ``srlib.demo``."""

from srlib.train.budget import estimate, run_status
from srlib.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from srlib.train.ema import EMA
from srlib.train.guard import NonFiniteGuard
from srlib.train.recipes import RECIPES, Recipe, RecipeSize, get_recipe, recipe_dict, recipe_from_yaml, scaled
from srlib.train.sampler import IterationBatchSampler
from srlib.train.components import amp_dtype
from srlib.train.trainer import Trainer

__all__ = [
    "latest_checkpoint", "load_checkpoint", "save_checkpoint", "EMA", "RECIPES", "Recipe", "RecipeSize",
    "get_recipe", "recipe_dict", "recipe_from_yaml", "scaled", "IterationBatchSampler", "Trainer",
    "amp_dtype", "estimate", "run_status", "NonFiniteGuard",
]
