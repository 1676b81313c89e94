"""What a notebook's first cells call: ``setup`` (seed, threads, profile, device) and ``show``.

``show(obj)`` displays the tested ``srlib`` source of ``obj``, so that a notebook
never retypes library code (STYLE.md, "Code from srlib, shown, never retyped").
"""

from __future__ import annotations

import random

import numpy as np
import torch

from srlib.course.profiles import Profile, get_device, get_profile


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


FINAL_LINE_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt}"  # no time, rate or postfix: the same on every machine


def final_line_progress_bars() -> None:
    """Make ``tqdm.auto.tqdm`` a text bar that prints only its final state.

    A notebook's stored outputs (the ``ci`` profile) are what a reader sees on
    GitHub. A live widget bar is stored as its first frame ("0%| 0/40"), so a
    finished loop looks failed; this bar writes one line when it closes
    ("100%|██████████| 40/40"), without the elapsed time, the rate or the
    postfix: they differ from machine to machine, and tqdm pads the rate to a
    width that depends on its value, so no sanitiser can make them match.
    Code that imports ``tqdm.auto`` after this call gets it; interactive
    profiles keep the live bars.
    """
    import tqdm.auto
    import tqdm.std

    class FinalLineBar(tqdm.std.tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["leave"] = True  # a closed bar keeps its line
            kwargs["bar_format"] = FINAL_LINE_FORMAT
            super().__init__(*args, **kwargs)

        def display(self, msg=None, pos=None):
            if not self.disable:  # still running: skip; close() sets disable, then displays
                return True
            return super().display(msg, pos)

    tqdm.auto.tqdm = FinalLineBar


def setup(seed: int = 0, profile: str | None = None) -> tuple[Profile, torch.device]:
    """A notebook's first call: seed, fix threads, print profile and device.

    Under ``ci`` the thread count is fixed to 2 so that stored outputs are
    reproduced bit for bit on CI's 2 cores as well as on bigger machines, and
    progress bars print only their final line (``final_line_progress_bars``).
    """
    prof = get_profile(profile)
    if prof.name == "ci":
        torch.set_num_threads(2)
        final_line_progress_bars()
    seed_everything(seed)
    device = get_device(prof)
    print(f"srlib profile: {prof.name} ({prof.description})")
    print(f"device: {device.type}")
    return prof, device


def show(obj) -> None:
    """Display the tested ``srlib`` source of ``obj`` (never a retyped copy)."""
    import inspect

    from IPython.display import Code, display

    display(Code(inspect.getsource(obj), language="python"))
