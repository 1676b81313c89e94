"""Whether the grader can confine student code here, and what it says when it cannot.

``srlib grade`` confines every student process with bubblewrap
(``srlib.course.grading.sandbox``) and checks once per run that a sandbox starts.
Where it cannot (no bwrap, bwrap unable to create namespaces, macOS,
Windows), it refuses with one message that names what is missing and the
options; ``--unconfined`` grades anyway, without the sandbox, and says so in
the CSV and at the end. There is no container backend: an instructor on
macOS or Windows grades in a Linux machine, VM or WSL 2 where bubblewrap
works. Taught in: README (instructors' section).
"""

from __future__ import annotations

import sys
from pathlib import Path

from srlib.course.grading.sandbox import Bwrap, find_bwrap

INSTALL = "sudo apt-get install bubblewrap on Debian and Ubuntu, the bubblewrap package elsewhere"


class ConfinementUnavailable(ValueError):
    """The grader cannot confine student code here; the message says what is missing and what to do."""


def refusal(missing: str) -> str:
    """The one message ``srlib grade`` prints when it cannot confine student code."""
    return (f"cannot confine student code: {missing}. Options: on Linux, install bubblewrap ({INSTALL}) and "
            "allow user namespaces; or grade on a Linux machine, VM or WSL 2 where it works; or pass "
            "--unconfined to grade without confinement (the CSV and the console then say so; README, "
            "instructors' section, lists what is not guaranteed then)")


def choose(unconfined: bool, lib: Path, empty: Path, bwrap: str | None = None) -> Bwrap | None:
    """The sandbox to run student code in (None with ``unconfined``); ConfinementUnavailable when there is none."""
    if unconfined:
        return None
    if sys.platform == "win32":
        raise ConfinementUnavailable(refusal("Windows has no bubblewrap"))
    if sys.platform == "darwin":
        raise ConfinementUnavailable(refusal("macOS has no bubblewrap"))
    path = find_bwrap(bwrap)
    if not path:
        raise ConfinementUnavailable(refusal("bubblewrap (bwrap) is not installed"))
    why = Bwrap(path).probe(lib, empty)
    if why:
        raise ConfinementUnavailable(refusal(why))
    return Bwrap(path)
