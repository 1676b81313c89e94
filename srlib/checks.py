"""``from srlib.checks import check``: the import the exercise notebooks use, kept where it always was.

The checks themselves live in ``srlib.course.checks``, with the rest of the
course's machinery. Taught in: the exercise notebooks (01-05, 07, 08).
"""

from srlib.course.checks import Report, check, run_check

__all__ = ["Report", "check", "run_check"]
