"""Whether the bubblewrap sandbox runs here: the reason the grading tests that need it skip, if any."""

import functools
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
