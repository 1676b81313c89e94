"""The grader's own code stays the grader's: judges loaded first, the installed srlib verified unchanged.

Every judge module, and everything a judge imports (``srlib.metrics``,
``srlib.losses.perceptual``, ...), is imported when ``srlib.course.grading`` is,
before any student code runs: a file changed later cannot run in the
grader's process. ``Fingerprint`` hashes every file of the installed ``srlib``
(SHA-256, ``__pycache__`` aside, some 20 ms) when grading starts; the grader
verifies it after every task, so the task during which a file changed is
named (flagged for review), and before writing the CSV. In the sandbox no
student process can write there; unconfined, one could. Taught in: README
(instructors' section).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import srlib
import srlib.course.exercises  # noqa: F401 - every judge, and what the judges import, loaded with the grader


class Fingerprint:
    """SHA-256 of every file under ``root`` (default: the installed srlib), taken at creation."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root or os.path.dirname(os.path.abspath(srlib.__file__)))
        self.hashes = self._hash()
        self.reported: set[str] = set()

    def _hash(self) -> dict[str, str]:
        found = {}
        for folder, subfolders, names in os.walk(self.root):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(names):
                path = Path(folder) / name
                try:
                    found[str(path.relative_to(self.root))] = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    found[str(path.relative_to(self.root))] = "unreadable"
        return found

    def changed(self) -> list[str]:
        """Files added, removed or changed since creation (each reported once)."""
        now = self._hash()
        names = sorted(n for n in set(now) | set(self.hashes) if now.get(n) != self.hashes.get(n))
        fresh = [n for n in names if n not in self.reported]
        self.reported |= set(fresh)
        return fresh
