"""The code a task needs, read from a notebook by the grader itself, before and without running any of it.

A task runs the notebook's code cells up to the last one that defines its
object (later cells cannot affect it), without the course's own cells (tagged
``course-header`` or ``grader-skip``: the Colab set-up, comparisons with the
library) and without the notebook's ``check(...)`` cells (the grader judges the
task itself). IPython magics become blank lines. What those cells may contain
is ``srlib.course.grading.reader``'s business. Taught in: README (instructors' section).
"""

from __future__ import annotations

import ast

SKIP_TAGS = ("course-header", "grader-skip")
MAX_CELL_CHARS = 200_000  # a longer cell is not read (no exercise needs one): it needs review


def code_cells(nb) -> list[str]:
    """The notebook's code cells as source strings, the course's own (tagged) cells left empty."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        cells.append("" if any(t in SKIP_TAGS for t in tags) else cell.source)
    return cells


def strip_magics(source: str) -> str:
    """IPython magics (``%time``, ``!pip``) become blank lines: the grader runs plain Python.

    Only a cell that is not already valid Python is touched, so a continuation line
    that starts with ``%`` or ``!=`` inside brackets keeps its meaning.
    """
    if len(source) > MAX_CELL_CHARS:
        return source
    try:
        ast.parse(source)
        return source
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def parse(source: str) -> tuple[ast.Module | None, str]:
    """(syntax tree, '') or (None, 'syntax') for a syntax error, (None, 'unreadable') for absurd code."""
    tree, error, _ = _parse(source)
    return tree, error


def _parse(source: str) -> tuple[ast.Module | None, str, str]:
    """``parse``, and the source that runs (magics blanked). Plain Python is parsed once; only a cell
    that is not is parsed again with its magics blanked."""
    if len(source) > MAX_CELL_CHARS:
        return None, "unreadable", source
    try:
        return ast.parse(source), "", source
    except SyntaxError:
        stripped = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    except (ValueError, RecursionError, MemoryError):  # null bytes, nesting deeper than the parser goes
        return None, "unreadable", source
    try:
        return ast.parse(stripped), "", stripped
    except SyntaxError:
        return None, "syntax", stripped
    except (ValueError, RecursionError, MemoryError):
        return None, "unreadable", stripped


def defined_names(source: str) -> set[str]:
    """Top-level functions, classes and assigned names in a cell."""
    return names_in(parse(source)[0])


def prepare(cells: list[str]) -> tuple[list[set[str]], list[str]]:
    """Each cell read once, its tree dropped: (the names each defines, what the student process runs of each)."""
    names, runs = [], []
    for source in cells:
        tree, _, runs_as = _parse(source)
        found = names_in(tree)
        del tree
        names.append(found)
        runs.append("" if "check(" in source and not found else runs_as)
    return names, runs


def names_in(tree: ast.Module | None) -> set[str]:
    """Top-level functions, classes and assigned names of a syntax tree (none without one)."""
    names = set()
    for node in tree.body if tree else []:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            targets = [e for t in targets for e in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}  # `a = ...` and `a, b = ...`
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def is_check_cell(source: str) -> bool:
    """A notebook's own ``check(...)`` cell: the grader judges the task itself instead."""
    return "check(" in source and not defined_names(source)


def cells_for(cells: list[str], name: str, names: list[set[str]] | None = None) -> list[str] | None:
    """The code cells up to the last one that defines ``name`` (later cells cannot affect it);
    ``names``: each cell's defined names, when already read (``prepare``)."""
    names = names if names is not None else [defined_names(src) for src in cells]
    last = max((i for i, found in enumerate(names) if name in found), default=None)
    return None if last is None else cells[: last + 1]


def runnable(cells: list[str]) -> list[str]:
    """What the student process runs: check cells emptied, magics blanked (cell numbers unchanged)."""
    return ["" if is_check_cell(source) else strip_magics(source) for source in cells]
