"""Every public function and class of the library half says what it does, with typed signatures.

The library half (``srlib_layout.library_modules``: data, models, losses, metrics, infer,
train, sweep, pretrained, demo, download, files) is what a student reads to learn SR. Each module
has a docstring that names the notebook teaching it; each public function, class, method
and property has a docstring whose first line says what it does, and annotations on every
parameter and on its return (``__init__`` returns nothing to annotate). Read with ``ast``:
nothing is imported.
"""

import ast

from srlib_layout import library_modules

SELF = ("self", "cls")


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _problems(node: ast.AST, where: str) -> list[str]:
    """Missing docstring or annotations of one function or class."""
    found = []
    dunder = node.name.startswith("__")
    if not dunder:
        doc = ast.get_docstring(node)
        if not doc or not doc.strip().splitlines()[0].strip():
            found.append(f"{where}: no docstring (its first line says what it does)")
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = node.args
        params = args.posonlyargs + args.args + args.kwonlyargs
        params += [a for a in (args.vararg, args.kwarg) if a is not None]
        missing = [a.arg for a in params if a.annotation is None and a.arg not in SELF]
        if missing:
            found.append(f"{where}: parameters without a type hint: {', '.join(missing)}")
        if node.returns is None and node.name != "__init__":
            found.append(f"{where}: no return type hint")
    return found


def problems_in(source: str, module: str) -> list[str]:
    """Every missing docstring or annotation in one module's source."""
    tree = ast.parse(source)
    found = [] if ast.get_docstring(tree) else [f"{module}: no module docstring"]
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or not _public(node.name):
            continue
        if node.name.startswith("__"):
            continue
        found += _problems(node, f"{module}.{node.name}")
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _public(item.name):
                    found += _problems(item, f"{module}.{node.name}.{item.name}")
    return found


def test_the_library_half_is_documented_and_typed():
    found = [p for name, path in library_modules().items() for p in problems_in(path.read_text(), name)]
    assert not found, f"{len(found)} gaps:\n" + "\n".join(found)


def test_each_library_module_names_the_notebook_that_teaches_it():
    """A module's docstring says where it is taught ("Taught in: notebook NN, section M")."""
    missing = [name for name, path in library_modules().items()
               if path.name != "__init__.py" and "Taught in" not in (ast.get_docstring(ast.parse(path.read_text())) or "")]
    assert not missing, missing


def test_the_check_sees_what_is_missing():
    source = ('"""A module."""\n'
              "def f(x, y: int):\n    return x\n"
              "class A:\n    def __init__(self, n):\n        pass\n"
              "    def go(self) -> None:\n        pass\n"
              "def _private(x):\n    pass\n")
    found = problems_in(source, "m")
    assert found == ["m.f: no docstring (its first line says what it does)",
                     "m.f: parameters without a type hint: x", "m.f: no return type hint",
                     "m.A: no docstring (its first line says what it does)",
                     "m.A.__init__: parameters without a type hint: n",
                     "m.A.go: no docstring (its first line says what it does)"], found
