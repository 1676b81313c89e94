"""What the grader reads from a notebook itself, before and without running any of it.

1. The code cells a task needs: those up to the cell that defines the task's
   object, without the course's own cells (tagged ``course-header`` or
   ``grader-skip``: the Colab set-up, comparisons with the library).
2. A policy check of those cells. An exercise needs tensors, maths and
   ``torch.nn``; it never needs to reach into the process that runs it. So a
   cell that imports ``sys``, ``os``, ``gc``, ``importlib``, ``ctypes``, ...,
   calls ``exec``, ``eval``, ``open``, ``__import__``, ``getattr`` with a
   computed name, touches dunder attributes (``__dict__``, ``__globals__``),
   private module attributes (``torch._C``), ``torch.ops`` or ``torch.load``,
   or any part of srlib but ``srlib.checks`` and ``srlib.course`` scores 0
   for the task (the student process cannot import the rest anyway: see
   ``srlib.course.grading.limits``); so does a built-in the task forbids
   (``F.pixel_shuffle`` in exercise 03).

This runs in the grader's process, so no student code can change its answer;
it never imports or runs anything the notebook names. It is a first filter
with clear messages, not the wall: Python offers too many roads to an
attribute for a list of names to close them all, which is why the student's
process is also confined (``srlib.course.grading.limits``) and never holds the
course library. Taught in: README (instructors' section).
"""

from __future__ import annotations

import ast

SKIP_TAGS = ("course-header", "grader-skip")
BLOCKED_MODULES = {  # modules that reach into the running process, other processes, files or code loading
    "sys", "os", "gc", "ctypes", "inspect", "importlib", "builtins", "subprocess", "signal", "threading",
    "_thread", "multiprocessing", "concurrent", "pickle", "marshal", "types", "socket", "shutil", "pathlib", "io",
    "resource", "traceback", "atexit", "code", "codeop", "runpy", "pkgutil", "zipimport", "zipfile", "tempfile",
    "mmap", "dill", "cloudpickle", "joblib", "dis", "linecache", "tracemalloc", "faulthandler", "posix",
    "nbformat", "IPython", "srlib.course.exercises", "srlib.course.grading", "srlib.course.colab", "srlib.course.diagrams", "srlib.__main__", "srlib.cli", "torch.multiprocessing",
    "torch.utils.cpp_extension", "torch.hub", "torch.library", "torch.ops", "torch.jit", "torch.package"}
BLOCKED_CALLS = {"exec", "eval", "compile", "__import__", "open", "globals", "vars", "locals", "breakpoint",
                 "input", "exit", "quit", "help"}
BLOCKED_ATTRIBUTES = {"load", "loads", "ops", "save"}  # torch.load / np.load run pickles; torch.ops reaches kernels
ANYWHERE = {  # attribute names that reach the interpreter whatever object they are read from
    "sys", "os", "builtins", "gc", "importlib", "ctypes", "subprocess", "inspect", "pickle", "marshal", "posix",
    "f_back", "f_locals", "f_globals", "f_builtins", "f_code", "gi_frame", "gi_code", "cr_frame", "ag_frame",
    "tb_frame", "tb_next", "attrgetter", "methodcaller", "model_zoo", "load_url"}
ALLOWED_DUNDERS = {"__init__", "__name__", "__call__", "__len__", "__getitem__", "__repr__", "__str__"}
ALLOWED_SRLIB = ("checks", "course")  # all a graded notebook may import from srlib


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
    try:
        ast.parse(source)
        return source
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def parse(source: str) -> tuple[ast.Module | None, str]:
    """(syntax tree, '') or (None, 'syntax') for a syntax error, (None, 'unreadable') for absurd code."""
    try:
        return ast.parse(strip_magics(source)), ""
    except SyntaxError:
        return None, "syntax"
    except (ValueError, RecursionError, MemoryError):  # null bytes, nesting deeper than the parser goes
        return None, "unreadable"


def defined_names(source: str) -> set[str]:
    """Top-level functions, classes and assigned names in a cell."""
    tree, _ = parse(source)
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


def _aliases(trees: list[ast.Module]) -> dict[str, str]:
    """Names bound by imports -> what they name: {'F': 'torch.nn.functional', 'np': 'numpy'}."""
    found = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    found[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
    return found


def _blocked(module: str) -> bool:
    return any(module == b or module.startswith(b + ".") for b in BLOCKED_MODULES)


def _library(dotted: str) -> bool:
    """Whether ``dotted`` names srlib beyond what a notebook may use while graded (checks, course)."""
    parts = dotted.split(".")
    return parts[0] == "srlib" and len(parts) > 1 and parts[1] not in ALLOWED_SRLIB


def _uses(tree: ast.Module, aliases: dict[str, str]):
    """(kind, name, node) for each import, attribute, maximal dotted chain (aliases resolved), call, name."""
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (("import", a.name, node) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            yield ("from", module, node)
            if any(a.name == "*" for a in node.names):
                yield ("star", module, node)
            yield from (("import", f"{module}.{a.name}", node) for a in node.names)
        elif isinstance(node, ast.Attribute):
            yield ("attribute", node.attr, node)
            dotted = _dotted(node) if id(node) not in inner else None
            if dotted and dotted.split(".")[0] in aliases:
                root, _, rest = dotted.partition(".")
                yield ("module chain", f"{aliases[root]}.{rest}", node)
        elif isinstance(node, ast.MatchClass):  # `case object(sys=s)` reads attributes too
            yield from (("attribute", attr, node) for attr in node.kwd_attrs)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            yield ("call", node.func.id, node)
        elif isinstance(node, ast.Name):
            yield ("name", node.id, node)
            if node.id in aliases:
                yield ("module chain", aliases[node.id], node)


def _problem(kind: str, name: str, node: ast.AST, forbidden: tuple[str, ...]) -> str:
    """Why this use breaks the policy, or ''."""
    if kind in ("import", "from") and (name.startswith(".") or _blocked(name)):
        return f"imports {name}, which an exercise does not need"
    if kind == "star":
        return f"imports * from {name} (import the names you use)"
    if kind == "call" and name in BLOCKED_CALLS:
        return f"calls {name}(), which an exercise does not need"
    if kind == "call" and name in ("getattr", "setattr", "delattr", "hasattr"):
        key = node.args[1] if len(node.args) > 1 else None
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return f"calls {name}() with a computed attribute name"
        name, kind = key.value, "attribute"
    if kind in ("attribute", "name") and name.startswith("__") and name not in ALLOWED_DUNDERS:
        return f"uses {name}, which an exercise does not need"
    if kind == "attribute" and name in ANYWHERE:
        return f"uses .{name}, which an exercise does not need"
    if kind == "attribute" and name in forbidden:
        return f"uses {name}, which this task asks you to write yourself"
    if kind == "module chain":
        parts = name.split(".")
        reexported = any(p in BLOCKED_MODULES for p in parts[1:])  # torch.sys, numpy.os, ...: modules re-exported
        if _blocked(name) or reexported or any(p.startswith("_") for p in parts[1:]) or parts[-1] in BLOCKED_ATTRIBUTES:
            return f"uses {name}, which an exercise does not need"
    if kind in ("import", "module chain") and _library(name):
        return (f"uses {name}: while it runs your code the grader keeps the course library out of reach "
                "(only srlib.checks and srlib.course are there)")
    return ""


def policy_problems(cells: list[str], forbidden: tuple[str, ...] = ()) -> list[str]:
    """One sentence per cell that breaks the grader's policy (see the module docstring)."""
    parsed = [parse(source) for source in cells]
    aliases = _aliases([tree for tree, _ in parsed if tree is not None])
    problems = []
    for i, (source, (tree, error)) in enumerate(zip(cells, parsed)):
        where = f"code cell {i + 1} (`{(source.strip().splitlines() or [''])[0][:60]}`)"
        if error == "unreadable":
            problems.append(f"{where} is too large or too deeply nested for the grader to read")
        for kind, name, node in _uses(tree, aliases) if tree is not None else ():
            why = _problem(kind, name, node, forbidden)
            if why:
                problems.append(f"{where} {why}")
                break
    return problems
