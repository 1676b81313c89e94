"""Shared helpers for the tests."""

import sys
from pathlib import Path

import torch

from srlib.models import GeneratorConfig, build_generator
from srlib.models.generator_file import save_generator

ROOT = Path(__file__).resolve().parents[1]
for folder in ("tools", "benchmarks"):  # their scripts import as modules in tests
    if str(ROOT / folder) not in sys.path:
        sys.path.insert(0, str(ROOT / folder))

TINY_GENERATOR = GeneratorConfig("espcn", num_feat=8, num_block=1, scale=4)


def saved_generator(folder, name, seed, config=None):
    """A tiny ResidualESPCN with random (non-zero) weights, written as ``folder/name`` (generator.pt)."""
    torch.manual_seed(seed)
    model = build_generator(config or TINY_GENERATOR)
    for p in model.parameters():  # ResidualESPCN's tail starts at zero: give it weights
        torch.nn.init.normal_(p, std=0.01)
    return save_generator(Path(folder) / name, model, config or TINY_GENERATOR, "test")
