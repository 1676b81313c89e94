"""Build, pair and check the course notebooks. One command regenerates everything.

    python tools/notebooks.py build            # all notebooks + solutions, then exercises
    python tools/notebooks.py build 01 ex02    # only those whose name contains 01 or ex02
    python tools/notebooks.py exercises        # regenerate exercises/ from solutions/
    python tools/notebooks.py check            # what CI checks (pairs, headers, exercises)
    python tools/notebooks.py check --cpu-variants [03 ...]
                                               # nbval under other CPUs' kernels and thread counts

Authoring: edit the percent-format ``.py`` twin (or the notebook in Jupyter
with jupytext), then ``build``. It

1. refreshes the two header cells (Colab badge, Colab install) from
   ``srlib.course`` so the repository URL lives in one place;
2. executes the notebook top to bottom under ``SRLIB_PROFILE=ci`` (the
   documented profile of the stored outputs, the one CI compares with nbval),
   with PyTorch's portable kernels and one thread (``BUILD_ENV``), so that
   every CI run on an ordinary AVX2/AVX-512 machine compares the stored
   outputs across two kinds of CPU and a printed number that only one of
   them reproduces fails before it lands;
3. writes the ``.ipynb`` with outputs and re-renders its ``.py`` twin;
4. regenerates ``exercises/`` from ``solutions/``: every region between
   ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes
   ``# YOUR CODE HERE`` + ``raise NotImplementedError()``, outputs cleared.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from srlib.course import colab_badge, colab_install_command  # noqa: E402

FOLDERS = ("notebooks", "solutions", "exercises")
FORMATS = "ipynb,py:percent"
# The twins carry no tool version: a new jupytext patch release must not make them "out of sync".
NO_VERSION_STAMP = "-jupytext.text_representation.jupytext_version"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HEADER_TAG = "course-header"


def header_cells(folder: str, stem: str) -> list:
    """The badge cell and the Colab set-up cell, generated from srlib.course."""
    badge = nbformat.v4.new_markdown_cell(colab_badge(folder, stem))
    setup = nbformat.v4.new_code_cell(
        "# Colab set-up: installs the course package on Google Colab; does nothing locally.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        f"    subprocess.run({colab_install_command()!r}, shell=True, check=True)")
    for cell in (badge, setup):
        cell.metadata["tags"] = [HEADER_TAG]
    return [badge, setup]


def with_header(nb, folder: str, stem: str):
    body = [c for c in nb.cells if HEADER_TAG not in c.metadata.get("tags", [])]
    nb.cells = header_cells(folder, stem) + body
    return nb


def clean_metadata(nb):
    nb.metadata = {
        "jupytext": {"formats": FORMATS, "notebook_metadata_filter": NO_VERSION_STAMP},
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb.nbformat, nb.nbformat_minor = 4, 5
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell.id = f"cell-{i:03d}"  # deterministic ids keep diffs small
    return nb


def py_text(nb) -> str:
    """The percent-format twin of a notebook, as jupytext writes it (without a version stamp)."""
    return without_stamps(jupytext.writes(nb, fmt="py:percent"))


def without_stamps(text: str) -> str:
    """``text`` without the lines that name a tool's version (``jupytext_version: 1.19.6``).

    The twin check compares content: a twin written by another jupytext release, or edited
    in Jupyter by one that adds the stamp, is still in sync.
    """
    return "".join(line for line in text.splitlines(keepends=True)
                   if not re.match(r"#\s+jupytext_version:", line))


def write_pair(nb, ipynb: Path) -> None:
    nb = clean_metadata(nb)
    if ipynb.parent.name in ("solutions", "exercises"):
        nb.metadata["srlib"] = {"exercise": ipynb.stem}  # how `srlib grade` recognises a submission
    nbformat.write(nb, ipynb)
    ipynb.with_suffix(".py").write_text(py_text(nbformat.read(ipynb, as_version=4)))


# The stored outputs are made on "another CPU" (PyTorch's kernels without AVX, one thread) ...
BUILD_ENV = {"ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": "1"}
# ... and must also match under each of these (issue #20), checked by `check --cpu-variants`.
CPU_VARIANTS = {
    "ATEN_CPU_CAPABILITY=default": {"ATEN_CPU_CAPABILITY": "default"},
    "ATEN_CPU_CAPABILITY=avx2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "OMP_NUM_THREADS=1": {"OMP_NUM_THREADS": "1"},
    "OMP_NUM_THREADS=2": {"OMP_NUM_THREADS": "2"},
}


def execute(nb, folder: Path):
    from nbclient import NotebookClient

    os.environ["SRLIB_PROFILE"] = "ci"
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.update(BUILD_ENV)  # the kernel inherits them
    client = NotebookClient(nb, kernel_name="python3", timeout=900,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return nb


def make_exercise_source(source: str) -> str:
    """Replace each solution region by a stub, keeping the marker's indentation."""
    out, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
        elif stripped.startswith(END):
            if not inside:
                raise ValueError(f"'{END}' without '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"'{BEGIN}' without '{END}'")
    return "\n".join(out)


def make_exercise(solution_nb, stem: str):
    nb = nbformat.from_dict(solution_nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = make_exercise_source(cell.source)
            cell.outputs, cell.execution_count = [], None
    return with_header(nb, "exercises", stem)


def build_exercises() -> list[Path]:
    written = []
    for sol in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = make_exercise(nbformat.read(sol, as_version=4), sol.stem)  # same name in both folders
        target = ROOT / "exercises" / sol.name
        write_pair(nb, target)
        written.append(target)
    return written


def build(patterns: list[str]) -> None:
    for folder in ("notebooks", "solutions"):
        for src in sorted((ROOT / folder).glob("*.py")):
            if patterns and not any(p in src.stem for p in patterns):
                continue
            t0 = time.time()
            nb = jupytext.read(src)
            nb = with_header(nb, folder, src.stem)
            nb = execute(nb, src.parent)
            write_pair(nb, src.with_suffix(".ipynb"))
            print(f"built {folder}/{src.stem}.ipynb in {time.time() - t0:.0f} s", flush=True)
    for path in build_exercises():
        print(f"generated {path.relative_to(ROOT)}")


def check() -> list[str]:
    """Problems CI fails on: stale pairs, stale headers, stale or leaky exercises."""
    problems = []
    for folder in FOLDERS:
        for ipynb in sorted((ROOT / folder).glob("*.ipynb")):
            nb = nbformat.read(ipynb, as_version=4)
            twin = ipynb.with_suffix(".py")
            if not twin.exists() or without_stamps(twin.read_text()) != py_text(nb):
                problems.append(f"{twin.relative_to(ROOT)} is out of sync with {ipynb.name}; "
                                "run: python tools/notebooks.py build")
            expected = [c.source for c in header_cells(folder, ipynb.stem)]
            if [c.source for c in nb.cells[:2]] != expected:
                problems.append(f"{ipynb.relative_to(ROOT)}: header cells differ from srlib.course")
        for py in sorted((ROOT / folder).glob("*.py")):
            if not py.with_suffix(".ipynb").exists():
                problems.append(f"{py.relative_to(ROOT)} has no .ipynb twin")
    solutions = {p.name for p in (ROOT / "solutions").glob("*.ipynb")}
    exercises = {p.name for p in (ROOT / "exercises").glob("*.ipynb")}
    if solutions != exercises:
        problems.append(f"exercises/ and solutions/ hold different notebooks: "
                        f"{sorted(solutions ^ exercises)}")
    for name in sorted(solutions & exercises):
        sol = nbformat.read(ROOT / "solutions" / name, as_version=4)
        ex = nbformat.read(ROOT / "exercises" / name, as_version=4)
        want = clean_metadata(make_exercise(sol, Path(name).stem))
        if [(c.cell_type, c.source) for c in want.cells] != [(c.cell_type, c.source) for c in ex.cells]:
            problems.append(f"exercises/{name} differs from what solutions/{name} generates")
        problems += leaks(sol, ex, name)
    return problems


def leaks(sol, ex, name: str) -> list[str]:
    """Solution lines that survive in the exercise, or markers left in it."""
    found = []
    ex_code = "\n".join(c.source for c in ex.cells if c.cell_type == "code")
    if BEGIN in ex_code or END in ex_code:
        found.append(f"exercises/{name} still contains solution markers")
    for cell in sol.cells:
        if cell.cell_type != "code":
            continue
        for region in re.findall(rf"{re.escape(BEGIN)}(.*?){re.escape(END)}", cell.source, re.S):
            for line in region.strip().splitlines():
                line = line.strip()
                if len(line) > 12 and not line.startswith("#") and line in ex_code:
                    found.append(f"exercises/{name} still contains solution code: {line!r}")
    return found


def selected(patterns: list[str]) -> list[Path]:
    """The executed notebooks (notebooks/ and solutions/) whose name contains one of ``patterns``."""
    paths = sorted(p for folder in ("notebooks", "solutions") for p in (ROOT / folder).glob("*.ipynb"))
    return [p for p in paths if not patterns or any(pat in p.stem for pat in patterns)]


def check_cpu_variants(patterns: list[str]) -> int:
    """Run nbval on the stored outputs under each of ``CPU_VARIANTS``; 1 if any differs.

    Each run is a fresh pytest with the variant's environment (PyTorch reads
    ``ATEN_CPU_CAPABILITY`` when it loads), comparing as CI does. A failure
    names the notebook, the cell and both texts (nbval's report); rebuild
    with ``python tools/notebooks.py build NN`` after making the cell print
    at a precision every variant reproduces.
    """
    import subprocess

    paths = [str(p.relative_to(ROOT)) for p in selected(patterns)]
    failed = []
    for name, env in CPU_VARIANTS.items():
        print(f"--- nbval under {name}: {len(paths)} notebooks", flush=True)
        t0 = time.time()
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths]
        result = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "SRLIB_PROFILE": "ci", **env})
        print(f"--- {name}: {'passed' if result.returncode == 0 else 'FAILED'} in {time.time() - t0:.0f} s",
              flush=True)
        if result.returncode:
            failed.append(name)
    print("stored outputs reproduce under every variant" if not failed else f"differ under: {', '.join(failed)}")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("build", "exercises", "check"):
        print(__doc__)
        return 2
    if argv[0] == "build":
        build(argv[1:])
    elif argv[0] == "exercises":
        for path in build_exercises():
            print(f"generated {path.relative_to(ROOT)}")
    elif argv[1:2] == ["--cpu-variants"]:
        return check_cpu_variants(argv[2:])
    else:
        problems = check()
        print("\n".join(problems) or "notebooks, pairs and exercises are in sync")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
