"""Data order as a function of (seed, iteration): resumable and the same on any worker count.

Batch ``i`` holds positions ``i*B .. i*B + B - 1`` of an endless stream that
visits the data set in a fresh seeded permutation each epoch. Resuming at
iteration ``i`` therefore needs nothing but ``i``. Under DDP each rank takes
its own slice of a global batch of ``B * world_size``.
Taught in: notebook 07.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import Sampler


class IterationBatchSampler(Sampler):
    """Batches of indices for iterations ``start`` to ``stop``: a function of (seed, iteration) alone.

    Args:
        num_samples: length of the data set. batch_size: indices per batch (this rank's).
        seed: the permutations' seed. start, stop: the iterations to serve.
        rank, world_size: this process's slice of each global batch under DDP.
    """

    def __init__(self, num_samples: int, batch_size: int, seed: int, start: int, stop: int,
                 rank: int = 0, world_size: int = 1):
        self.n, self.batch_size, self.seed = num_samples, batch_size, seed
        self.start, self.stop, self.rank, self.world_size = start, stop, rank, world_size
        self._epoch, self._perm = -1, None

    def _index(self, k: int) -> int:
        epoch, position = divmod(k, self.n)
        if epoch != self._epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._epoch, self._perm = epoch, torch.randperm(self.n, generator=g)
        return int(self._perm[position])

    def __iter__(self) -> Iterator[list[int]]:
        for iteration in range(self.start, self.stop):
            first = (iteration * self.world_size + self.rank) * self.batch_size
            yield [self._index(first + j) for j in range(self.batch_size)]

    def __len__(self) -> int:
        return max(0, self.stop - self.start)
