"""For the grading tests: whether the bubblewrap sandbox runs here (the reason to skip if not), which processes run."""

import functools
import os
import tempfile
from pathlib import Path


@functools.lru_cache(maxsize=1)
def sandbox_problem() -> str:
    """'' when bubblewrap can confine a student process here, else why not."""
    from srlib.grading import student_library
    from srlib.grading.sandbox import Bwrap, find_bwrap

    with tempfile.TemporaryDirectory() as folder:
        lib, empty = student_library.build(Path(folder) / "lib"), Path(folder) / "empty"
        empty.mkdir()
        why = Bwrap(find_bwrap() or "bwrap").probe(lib, empty)
    return f"no sandbox here: {why} (install bubblewrap: apt-get install bubblewrap)" if why else ""


def running(marker: str) -> list[int]:
    """Host process ids whose command line holds ``marker`` (Linux)."""
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found
