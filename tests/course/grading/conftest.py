"""The grading tests build their classes with benchmarks/grading_class.py and hostile_class.py."""

import helpers  # noqa: F401 - puts tools/ and benchmarks/ on sys.path
