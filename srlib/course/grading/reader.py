"""What the grader will not score without an instructor: code it cannot read to the end.

Before any student code runs, the grader reads the cells a task needs
(``srlib.course.grading.source``). An exercise needs tensors, maths and
``torch.nn``; it never needs to build code or names at run time, reach into
the process that runs it, or call the course library. Cells that do are
**flagged for review**: the task scores 0 and is not run, the CSV's
``needs_review`` column names the cell and the reason, and an instructor who
has read the cell can accept it (``srlib grade --accept STUDENT:TASK``), so
that it runs and scores as any other. Flagged, not guessed:

- dynamic code: ``exec``, ``eval``, ``compile``, ``__import__``, ``globals``,
  ``vars``, ... under any name (``run = exec`` is flagged, as is
  ``functools.reduce(getattr, ...)``), ``getattr``/``setattr`` with a computed
  name, a string anywhere in an annotation or a type (``x: List["code"]``,
  ``list["code"]``: ``typing.get_type_hints`` would evaluate it), typing's
  evaluators (``ForwardRef``, ``get_type_hints``);
- private attributes (``_x``) of any object but the notebook's own (``self._x``
  where the notebook defines ``_x``), so ``T = torch; T._C`` and
  ``ForwardRef(...)._evaluate`` are flagged, and the blocked parts below read as
  attributes of anything (``T.jit``, ``T.library``);
- reaching into the process or its files: dunder attributes, frames and
  tracebacks (``f_back``, ``gi_frame``), private module attributes
  (``torch._C``), the usual ways to open, read or write files
  (``Image.open``, ``ndarray.tofile``, ``np.savetxt``, ``plt.savefig``, ...);
- any import outside ``ALLOWED_MODULES`` (threads, ``ctypes``, ``os``, ...),
  and the parts of allowed packages that load or build code (``torch.ops``,
  ``torch.jit``, ``torch.load``, ``numpy.ctypeslib``, ...);
- srlib beyond ``srlib.checks.check`` and the names ``srlib.course`` exports
  (``setup``, ``show``, ...): its library (``srlib.models``, ...) and the
  course's machinery (``srlib.course.exercises``, ``.grading``, ``.colab``,
  ``.diagrams``, ``.checks``, or any other submodule);
- a built-in the task asks students to write (``F.pixel_shuffle`` in exercise 03).

``setattr(self, f"conv{k}", ...)`` and ``getattr(self, f"conv{k}")`` on the
student's own object are ordinary code: a computed name on ``self`` that
starts with a plain letter cannot reach a dunder. The reader runs in the
grader's process and never imports what a notebook names. It is a filter with
clear messages, not the wall: the student process is confined
(``srlib.course.grading.sandbox``) and holds no judge. Taught in: README (instructors' section).
"""

from __future__ import annotations

import ast

from srlib import course
from srlib.course.grading.source import parse

ALLOWED_MODULES = {  # what a graded cell may import (the top-level package; srlib only as below)
    "torch", "torchvision", "numpy", "math", "cmath", "random", "functools", "itertools", "collections",
    "dataclasses", "typing", "copy", "numbers", "statistics", "fractions", "decimal", "enum", "abc", "warnings",
    "time", "datetime", "textwrap", "matplotlib", "PIL", "skimage", "scipy", "tqdm", "einops"}
# All a graded notebook may use of srlib, below ``srlib`` itself: ``srlib.checks.check``, and ``srlib.course`` with
# the names it exports (``from srlib.course import setup``), none of its submodules. The student process's srlib
# (``srlib.course.grading.student_library``) holds these and no other part a notebook could import.
ALLOWED_SRLIB = {"checks": ("check",), "course": tuple(course.__all__)}
BLOCKED_PARTS = {  # parts of allowed packages that load, build or run code, write files, or reach other processes
    "torch.ops", "torch.jit", "torch.library", "torch.hub", "torch.multiprocessing", "torch.package",
    "torch.distributed", "torch.fx", "torch.compiler", "torch.export", "torch.utils.cpp_extension",
    "torch.utils.benchmark", "torch.utils.model_zoo", "torch.utils.tensorboard", "torch.classes", "torch.onnx",
    "torch.profiler", "torch.autograd.profiler", "torchvision.io", "torchvision.datasets", "numpy.ctypeslib",
    "numpy.f2py", "torch.utils.collect_env", "torch.utils.hipify", "torch.utils.bottleneck", "torch.testing",
    "numpy.distutils", "numpy.testing", "PIL.ImageMath", "scipy.weave", "scipy.io", "skimage.io"}
BLOCKED_NAMES = {b.rsplit(".", 1)[1] for b in BLOCKED_PARTS}  # flagged read from anything: ``T = torch; T.jit``
DYNAMIC = {"exec", "eval", "compile", "__import__", "globals", "vars", "locals", "breakpoint", "open", "input",
           "exit", "quit", "help", "getattr", "setattr", "delattr", "hasattr", "memoryview"}
NAMED_ACCESS = ("getattr", "setattr", "delattr", "hasattr")  # fine with a constant name, or a plain one on self
ANYWHERE = {  # attribute names that reach code, frames or files whatever object they are read from
    "exec", "compile", "load", "loads", "save", "ops", "get_type_hints", "load_inline", "load_library",
    "f_back", "f_locals", "f_globals", "f_builtins", "f_code", "gi_frame", "gi_code", "cr_frame", "ag_frame",
    "tb_frame", "tb_next", "attrgetter", "methodcaller", "model_zoo", "load_url", "safe_eval",
    # typing's evaluators of strings as code (``ForwardRef("exec")._evaluate(...)``, ``get_type_hints``)
    "ForwardRef", "evaluate_forward_ref", "get_annotations", "TypeAliasType",
    # what runs a command (``torch.utils.collect_env.run``)
    "system", "popen", "Popen", "check_output", "check_call", "getoutput", "getstatusoutput", "run_and_read_all",
    # modules that other modules re-export (torch.serialization.pickle, numpy's os): reached as attributes
    "sys", "os", "posix", "builtins", "gc", "importlib", "ctypes", "subprocess", "inspect", "pickle", "marshal",
    "shutil", "pathlib", "tempfile", "threading", "multiprocessing", "socket", "runpy", "weakref", "traceback",
    # the usual roads to files
    "open", "tofile", "fromfile", "from_file", "memmap", "open_memmap", "fromregex", "DataSource", "dump",
    "savetxt", "loadtxt", "genfromtxt", "savez", "savez_compressed", "savefig", "imsave", "imread", "save_image",
    "savemat", "loadmat"}
ALLOWED_DUNDERS = {"__init__", "__name__", "__call__", "__len__", "__getitem__", "__repr__", "__str__"}


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


def _module_problem(name: str) -> str:
    """Why naming module path ``name`` (``torch.ops.aten``, ``srlib.models``) needs review, or ''."""
    parts = name.split(".")
    if parts[0] == "srlib":
        allowed = ALLOWED_SRLIB.get(parts[1]) if len(parts) > 1 else ()
        if len(parts) == 1 or allowed is not None and (len(parts) == 2 or parts[2] in allowed):
            return ""
        return (f"uses {name}: the course library's own code (a graded notebook may use srlib.checks.check "
                "and what srlib.course exports, such as setup)")
    if parts[0] not in ALLOWED_MODULES:
        return f"imports {parts[0]}, which an exercise does not need"
    if any(name == b or name.startswith(b + ".") for b in BLOCKED_PARTS):
        return f"uses {name}, which loads or runs code, or writes files"
    if any(p.startswith("_") for p in parts[1:]):
        return f"uses {name}, a private part of {parts[0]}"
    if any(p in ANYWHERE for p in parts[1:]):
        return f"uses {name}, which an exercise does not need"
    return ""


def _own_private(trees: list[ast.Module]) -> set[str]:
    """The private names (``_x``, not dunders) the notebook gives its own objects: ``self._x = ...``, methods
    and class attributes defined in its classes. Only these may be read on ``self``, ``cls`` or its classes."""
    own = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                own.add(node.attr)
            elif isinstance(node, ast.ClassDef):
                own.add(f"class {node.name}")  # a class of the notebook's (kept apart from attribute names)
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        own.add(item.name)
                    elif isinstance(item, ast.Assign | ast.AnnAssign):
                        targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                        own |= {t.id for t in targets if isinstance(t, ast.Name)}
    return own


def _is_private(attr: str) -> bool:
    return attr.startswith("_") and not (attr.startswith("__") and attr.endswith("__"))


def _private_problem(base: ast.AST | None, attr: str, own: set[str]) -> str:
    """Why reading private ``attr`` (``_x``) on ``base`` needs review: fine only for the notebook's own ``_x`` read
    on ``self``, ``cls`` or one of its own classes (``T = torch; T._C`` or ``ForwardRef(...)._evaluate`` are not)."""
    if not _is_private(attr):
        return ""
    if isinstance(base, ast.Name) and (base.id in ("self", "cls") or f"class {base.id}" in own) and attr in own:
        return ""
    return f"uses .{attr}, a private part of an object that is not your own"


def _string_in(note: ast.AST | None) -> bool:
    """Any string constant anywhere inside an annotation (``x: "code"``, ``x: typing.List["code"]``)."""
    return note is not None and any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(note))


GENERICS = {"list", "dict", "tuple", "set", "frozenset", "type"}  # ``list["code"]`` becomes a forward reference


def _typing_subscript(node: ast.Subscript, aliases: dict[str, str]) -> bool:
    """``typing.List["code"]``, ``Optional["code"]``, ``list["code"]``: a string that typing may evaluate later."""
    dotted = _dotted(node.value) or ""
    root, _, rest = dotted.partition(".")
    full = f"{aliases[root]}.{rest}".rstrip(".") if root in aliases else dotted
    typing_like = full in GENERICS or full.split(".")[0] in ("typing", "typing_extensions", "collections")
    return typing_like and _string_in(node.slice)


def _plain_name_on_self(call: ast.Call) -> bool:
    """``getattr(self, f"conv{k}")``: a name computed on self that starts with a letter (never a dunder)."""
    if len(call.args) < 2:
        return False
    target, key = call.args[0], call.args[1]
    while isinstance(target, ast.Attribute):
        target = target.value
    if not (isinstance(target, ast.Name) and target.id == "self"):
        return False
    head = key.values[0] if isinstance(key, ast.JoinedStr) and key.values else None
    if isinstance(key, ast.BinOp) and isinstance(key.op, ast.Add):
        head = key.left
    return isinstance(head, ast.Constant) and isinstance(head.value, str) and head.value[:1].isalpha()


def _named_access(call: ast.Call, own: set[str]) -> str:
    """Why a getattr/setattr/delattr/hasattr call needs review, or ''."""
    key = call.args[1] if len(call.args) > 1 else None
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        name = key.value
        if name.startswith("__") and name not in ALLOWED_DUNDERS or name in ANYWHERE or name in BLOCKED_NAMES:
            return f"reads attribute {name}, which an exercise does not need"
        return _private_problem(call.args[0], name, own)
    if _plain_name_on_self(call):
        return ""
    return f"calls {call.func.id}() with a computed attribute name (dynamic code the grader cannot read)"


def _node_problem(node: ast.AST, aliases: dict[str, str], fine_calls: set[int], forbidden: tuple[str, ...],
                  own: set[str] = frozenset()) -> str:
    """Why this one node needs review, or ''; ``own``: the notebook's own classes and private names."""
    if isinstance(node, ast.Import):
        taken = [a.name for a in node.names if set(a.name.split(".")) & set(forbidden)]
        if taken:
            return f"imports {taken[0]}, which this task asks you to write yourself"
        return next((p for a in node.names if (p := _module_problem(a.name))), "")
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return "uses a relative import"
        if any(a.name == "*" for a in node.names):
            return f"imports * from {node.module} (import the names you use)"
        in_path = set((node.module or "").split(".")) & set(forbidden)  # from skimage.color.colorconv import ...
        taken = [a.name for a in node.names if a.name in forbidden or in_path]
        if taken:
            return f"imports {taken[0]} from {node.module}, which this task asks you to write yourself"
        return next((p for a in node.names if (p := _module_problem(f"{node.module}.{a.name}"))), "")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in NAMED_ACCESS:
        fine_calls.add(id(node.func))
        return _named_access(node, own)
    if isinstance(node, ast.Name):
        if node.id in DYNAMIC and id(node) not in fine_calls:
            return f"uses {node.id} (dynamic code the grader cannot read)"
        if node.id.startswith("__") and node.id not in ALLOWED_DUNDERS:
            return f"uses {node.id}, which an exercise does not need"
        return _module_problem(aliases[node.id]) if node.id in aliases else ""
    attrs = [node.attr] if isinstance(node, ast.Attribute) else list(getattr(node, "kwd_attrs", []))
    for attr in attrs:  # `case object(sys=s)` reads attributes too
        if attr.startswith("__") and attr not in ALLOWED_DUNDERS:
            return f"uses {attr}, which an exercise does not need"
        if attr in ANYWHERE:
            return f"uses .{attr}, which an exercise does not need"
        if attr in BLOCKED_NAMES:
            return f"uses .{attr}, which loads or runs code, or writes files (whatever it is read from)"
        if attr in forbidden:
            return f"uses {attr}, which this task asks you to write yourself"
        if why := _private_problem(node.value if isinstance(node, ast.Attribute) else None, attr, own):
            return why
    if isinstance(node, ast.Attribute) and (dotted := _dotted(node)) and dotted.split(".")[0] in aliases:
        root, _, rest = dotted.partition(".")
        return _module_problem(f"{aliases[root]}.{rest}")
    if isinstance(node, ast.arg | ast.AnnAssign | ast.FunctionDef | ast.AsyncFunctionDef):
        note = node.returns if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else node.annotation
        if _string_in(note):
            return "has a string annotation (typing would evaluate it as code)"
    if isinstance(node, ast.Subscript) and _typing_subscript(node, aliases):
        return "has a string inside a type (a string annotation: typing would evaluate it as code)"
    return ""


def review_reasons(cells: list[str], forbidden: tuple[str, ...] = ()) -> list[str]:
    """One sentence per cell that needs an instructor's review before it runs (see the module docstring)."""
    aliases, own = {}, set()
    for source in cells:  # first reading: imports and the notebook's own names; each tree dropped after use
        tree, _ = parse(source)
        if tree is not None:
            aliases.update(_aliases([tree]))
            own |= _own_private([tree])
        del tree
    reasons = []
    for i, source in enumerate(cells):  # second reading, one cell's tree at a time
        tree, error = parse(source)
        where = f"code cell {i + 1} (`{(source.strip().splitlines() or [''])[0][:60]}`)"
        if error == "unreadable":
            reasons.append(f"{where} is too large or too deeply nested for the grader to read")
        fine_calls: set[int] = set()
        for node in ast.walk(tree) if tree is not None else ():
            why = _node_problem(node, aliases, fine_calls, forbidden, own)
            if why:
                reasons.append(f"{where} {why}")
                break
    return reasons
