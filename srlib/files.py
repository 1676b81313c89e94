"""Writing a file so that an interruption never leaves half of it where a whole one was.

A Colab session can end in the middle of a write. ``atomic_path`` hands out a
temporary name beside the target; only a write that finished is renamed onto
the target (``os.replace``: atomic on POSIX and Windows), and an interrupted
one is removed. Checkpoints, ``status.json``, ``metrics.csv``, ``generator.pt``,
the shipped upsampler set and the DIV2K archive on Google Drive are all
written through it. Taught in: notebook 07, section 7 (checkpoints that survive
a disconnect).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield ``path.tmp`` to write; on success rename it onto ``path``, on an error remove it.

    Example: ``with atomic_path(out / "ckpt.pt") as tmp: torch.save(state, tmp)``.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
