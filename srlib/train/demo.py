"""Moved to ``srlib.demo`` (the main job is an application, not part of training); kept for old imports."""

from srlib.demo import comparison_figure, run_demo

__all__ = ["comparison_figure", "run_demo"]
