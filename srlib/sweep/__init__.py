"""Hyper-parameter sweeps: a grid over recipe fields, times seeds, each point an ordinary run.

``grid.py`` parses and checks the grid; ``study.py`` keeps it in an Optuna
study (SQLite by default, a shared database or journal file for several
machines); ``worker.py`` trains and evaluates points until none is left;
``table.py`` reads the results: mean and spread over seeds per configuration
and evaluation set, bicubic as a row, and a paired comparison that says which
differences exceed the seed-to-seed spread; ``figure.py`` draws them and
``report.py`` writes them to the sweep's folder. Taught in: notebook 09.
"""

from srlib.sweep.grid import Grid, GridError, Point, parse_grid, point_recipe, sweepable_fields

__all__ = ["Grid", "GridError", "Point", "parse_grid", "point_recipe", "sweepable_fields"]
