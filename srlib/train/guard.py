"""Skipping steps whose loss is not finite, without making the CPU wait for the GPU.

A NaN or infinite loss (an fp16 overflow, a diverging GAN) must not reach the
weights. The obvious test, ``if not torch.isfinite(loss): ...``, reads a value
computed on the GPU, so the CPU stops queueing work until the GPU has caught up:
a host-device synchronisation at every step, which leaves the GPU idle while the
CPU prepares the next step. Two modes:

- ``every=1`` (the default on the CPU, where there is nothing to wait for): the
  loss is read at once; a bad step is skipped before its backward pass and a
  warning names the iteration.
- ``every=N`` (the default on CUDA, N = the recipe's ``log_every``): the step is
  skipped *on the device*. Fused Adam accepts a ``found_inf`` tensor (the
  mechanism ``torch.amp.GradScaler`` uses for fp16 overflows) and leaves the
  weights, the moments and the step count unchanged where it is non-zero. The
  counters stay on the device too and are read every N iterations, one
  synchronisation per N steps.

In both modes ``max_bad`` non-finite losses in a row stop training with a
message. Under DDP the ranks agree (an all-reduce of the flag, queued on the
device like any other kernel), so they skip the same steps.
Taught in: notebook 07 (measured by ``benchmarks/gpu_check.py``).
"""

from __future__ import annotations

import warnings

import torch
import torch.distributed as dist


class NonFiniteGuard:
    """Backward and optimiser step, skipped when the loss is not finite; stops a diverged run.

    Args:
        every: 1 reads the loss at once (the CPU); N > 1 skips on the device and reads
            the counters every N iterations (CUDA; see the module docstring).
        max_bad: non-finite losses in a row that stop training.
        device: where the counters live.
    """

    def __init__(self, every: int = 1, max_bad: int = 5, device: str | torch.device = "cpu"):
        if every < 1:
            raise ValueError(f"the non-finite check interval must be >= 1, got {every}")
        self.every, self.max_bad = every, max_bad
        self.bad_steps = 0  # host mode: non-finite losses in a row
        self.run = torch.zeros((), dtype=torch.int32, device=device)  # device mode: the same, on the device
        self.skipped = torch.zeros((), dtype=torch.int32, device=device)  # device mode: since the last check

    @property
    def on_device(self) -> bool:
        """Whether bad steps are skipped on the device (fused Adam's ``found_inf``), read every ``every``."""
        return self.every > 1

    def _diverged(self, count: int, iteration: int) -> RuntimeError:
        return RuntimeError(f"{count} non-finite losses in a row at iteration {iteration}: training "
                            "diverged. Lower the learning rates, use --amp off, or resume from an "
                            "earlier checkpoint")

    def step(self, optimizer: torch.optim.Optimizer, loss: torch.Tensor, scaler: torch.amp.GradScaler,
             iteration: int) -> None:
        """Backward and optimizer step, skipped (not applied) when ``loss`` is not finite."""
        optimizer.zero_grad(set_to_none=True)
        bad = ~torch.isfinite(loss.detach())  # () bool, on the loss's device
        if dist.is_initialized():  # all ranks skip the same steps
            flag = bad.float()
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            bad = flag > 0
        if not self.on_device:
            if bad:  # reads the GPU: one synchronisation (free on the CPU)
                self.bad_steps += 1
                warnings.warn(f"iteration {iteration}: non-finite loss ({loss.item()}), step skipped "
                              f"({self.bad_steps} in a row)", stacklevel=3)
                if self.bad_steps >= self.max_bad:
                    raise self._diverged(self.bad_steps, iteration)
                return
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            self.bad_steps = 0
            return
        self.run = torch.where(bad, self.run + 1, torch.zeros_like(self.run))
        self.skipped += bad.to(self.skipped.dtype)
        scaler.scale(loss).backward()
        if scaler.is_enabled():  # fp16: the scaler hands fused Adam its own found_inf, no sync
            scaler.step(optimizer)
            scaler.update()
            return
        optimizer.grad_scale, optimizer.found_inf = None, bad.float()
        try:
            optimizer.step()  # fused Adam: a no-op where found_inf is 1
        finally:
            del optimizer.grad_scale, optimizer.found_inf

    def check(self, iteration: int) -> None:
        """Device mode: read the counters (one synchronisation), warn, stop a diverged run."""
        if not self.on_device:
            return
        run, skipped = torch.stack([self.run, self.skipped]).tolist()
        self.skipped.zero_()
        if skipped:
            warnings.warn(f"iteration {iteration}: {skipped} non-finite loss(es) since the last check "
                          f"(every {self.every} iterations); those steps were skipped", stacklevel=3)
        if run >= self.max_bad:
            raise self._diverged(run, iteration)
