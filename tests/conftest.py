import os

from nbval_hints import pytest_runtest_makereport  # noqa: F401  (a failing notebook cell says how to rebuild)

# Unit tests and nbval kernels run under the tiny, CPU-only profile.
os.environ.setdefault("SRLIB_PROFILE", "ci")


def pytest_collection_modifyitems(config, items):
    """Notebook runs (nbval's cells) are slow tests: ``pytest -m "not slow"`` leaves them out."""
    import pytest

    for item in items:
        if getattr(item, "path", None) is not None and item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
