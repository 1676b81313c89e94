"""What the grader reads from a notebook itself, before and without running it.

The code cells a task needs (up to the cell that defines the task's object),
and every place where those cells reach for the course library's own
implementation of the task (``from srlib.models import RRDB``,
``srlib.losses.gradient_penalty``, ``importlib.import_module("srlib.losses")``).
This runs in the grader's process, so no student code can change its answer.
Taught in: README (instructors' section).
"""

from __future__ import annotations

import ast
import inspect


def strip_magics(source: str) -> str:
    """IPython magics (``%time``, ``!pip``) become blank lines: the grader runs plain Python."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def defined_names(source: str) -> set[str]:
    """Top-level functions, classes and assigned names in a cell."""
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def is_check_cell(source: str) -> bool:
    """A notebook's own ``check(...)`` cell: the grader judges the task itself instead."""
    return "check(" in source and not defined_names(source)


def cells_for(cells: list[str], name: str) -> list[str] | None:
    """The code cells up to the last one that defines ``name`` (later cells cannot affect it)."""
    last = max((i for i, src in enumerate(cells) if name in defined_names(src)), default=None)
    return None if last is None else cells[: last + 1]


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id] + parts[::-1])
    return None


def _references(tree: ast.AST) -> set[str]:
    """Dotted srlib paths a cell names: imports, whole attribute chains, strings that mention srlib."""
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Attribute) and id(node) not in inner:
            found.add(_dotted(node) or "")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "srlib" in node.value:
            for word in node.value.replace("'", " ").replace('"', " ").split():
                found.add(word.replace("/", ".").removesuffix(".py"))
    return {f for f in found if f.startswith("srlib.")}


def _origin(dotted: str) -> tuple[str, bool] | None:
    """(the module that defines what ``dotted`` names, whether it is that module itself)."""
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except Exception:  # not a module (an attribute, or a name that does not exist)
            continue
        module = obj.__name__
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
        if obj is None:
            return None
        if inspect.ismodule(obj):
            return obj.__name__, True
        return (getattr(obj, "__module__", None) or module), False  # data (a dict): where it was taken from
    return None


def library_references(cells: list[str], library: tuple[str, ...]) -> list[str]:
    """'code cell N uses srlib.models.RRDB' for each cell that reaches the task's library code.

    Flagged: a name defined in a module of ``library`` (``srlib.models.RRDB`` is
    defined in ``srlib.models.rrdb``), that module, or a package holding it
    (``import srlib.models`` reaches everything in it). Other srlib names
    (``srlib.course.setup``, ``srlib.models.count_parameters``) are fine.
    """
    problems = []
    for i, source in enumerate(cells):
        try:
            tree = ast.parse(strip_magics(source))
        except SyntaxError:
            continue
        for ref in sorted(_references(tree)):
            origin, is_module = _origin(ref) or ("", False)
            if origin and any(origin == m or origin.startswith(m + ".") or (is_module and m.startswith(origin + "."))
                              for m in library):
                problems.append(f"code cell {i + 1} uses {ref}")
                break
    return problems
