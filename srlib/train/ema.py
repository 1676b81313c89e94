"""Exponential moving average of the generator's weights (BasicSR: decay 0.999).

theta_ema <- decay * theta_ema + (1 - decay) * theta, after every step; the
average is smoother than the last iterate and is what ``generator.pt`` holds.
Taught in: notebook 07, section 7 (a resumed run restores it too).
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """A frozen copy of ``model`` whose weights follow it as an exponential moving average."""

    def __init__(self, model: nn.Module, decay: float = 0.999):
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """theta_ema <- decay * theta_ema + (1 - decay) * theta; buffers (BN statistics) are copied."""
        for ema_p, p in zip(self.model.parameters(), model.parameters()):
            ema_p.lerp_(p.detach(), 1 - self.decay)
        for ema_b, b in zip(self.model.buffers(), model.buffers()):
            ema_b.copy_(b)

    def state_dict(self) -> dict:
        """The averaged weights (saved in checkpoints)."""
        return self.model.state_dict()

    def load_state_dict(self, state: dict) -> None:
        """Restore the averaged weights from a checkpoint."""
        self.model.load_state_dict(state)
