"""pytest's set-up for the whole repository: the unit tests in tests/ and the notebooks under nbval.

It sits at the root so that it applies however pytest is started: the README's
plain ``pytest``, ``pytest tests/...``, or ``pytest notebooks/04_....ipynb``
alone (a conftest.py inside tests/ would not be loaded for the last, and its
report hook would not reach notebook items even in a full run).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))  # helpers such as srlib_layout, nbval_hints

from nbval_hints import pytest_runtest_makereport  # noqa: E402,F401  (a failing notebook cell says how to rebuild)

# Unit tests and nbval kernels run under the tiny, CPU-only profile, the one the stored outputs come from.
os.environ.setdefault("SRLIB_PROFILE", "ci")


def pytest_collection_modifyitems(config, items):
    """Notebook runs (nbval's cells) are slow tests: ``pytest -m "not slow"`` leaves them out."""
    import pytest

    for item in items:
        if getattr(item, "path", None) is not None and item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
