"""A training loader that keeps a GPU fed.

ESRGAN eats 16 patch pairs per step; at 60 steps/s that is ~1000 pairs/s.
Decoding a whole 2K PNG per patch gives tens of pairs/s. The fix: decode
once (in-memory cache or 480 x 480 sub-images), crop with NumPy, and run
several worker processes with pinned memory so the host-to-GPU copy
overlaps compute. Measured in ``benchmarks/data_pipeline.py``.
Taught in: notebook 01.
"""

from __future__ import annotations

import os

import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler


def default_workers() -> int:
    """Worker processes: the cores we have, at most 8 (0 on a 1-core machine)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 0 if (cores or 1) <= 1 else min(8, cores)


def make_train_loader(dataset: Dataset, batch_size: int = 16, device: str | torch.device = "cpu",
                      num_workers: int | None = None, seed: int = 0) -> DataLoader:
    """Shuffled, batched, prefetching loader of training pairs.

    - ``pin_memory`` on CUDA, so ``.to(device, non_blocking=True)`` overlaps;
    - ``persistent_workers``: workers (and their in-memory images) survive
      between epochs instead of being re-forked;
    - a seeded sampler: the data order is a function of ``seed``.
    """
    workers = default_workers() if num_workers is None else num_workers
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=RandomSampler(dataset, generator=generator),
        num_workers=workers,
        pin_memory=torch.device(device).type == "cuda",
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
        drop_last=True,
    )
