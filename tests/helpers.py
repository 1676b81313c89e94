"""Shared helpers for the tests."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in ("tools", "benchmarks"):  # their scripts import as modules in tests
    if str(ROOT / folder) not in sys.path:
        sys.path.insert(0, str(ROOT / folder))
