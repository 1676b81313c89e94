"""Notebook hygiene: pairs in sync, headers from one place, exercises generated, outputs compared."""

from pathlib import Path

import nbformat
import pytest

from helpers import ROOT

import notebooks as tool  # tools/notebooks.py

ALL = sorted(p for folder in tool.FOLDERS for p in (ROOT / folder).glob("*.ipynb"))
EXECUTED = [p for p in ALL if p.parent.name != "exercises"]


def test_check_command_finds_no_problem():
    assert tool.check() == []


def test_exercise_generation_replaces_solution_regions():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\nprint(f)"
    assert tool.make_exercise_source(source) == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\nprint(f)")
    with pytest.raises(ValueError, match="without"):
        tool.make_exercise_source("### BEGIN SOLUTION\nx = 1")


def test_leak_detector_catches_solution_code_left_in_an_exercise():
    sol = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "### BEGIN SOLUTION\nanswer = compute_the_answer()\n### END SOLUTION")])
    ex = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer = compute_the_answer()")])
    assert tool.leaks(sol, ex, "x.ipynb")


@pytest.fixture
def twin(tmp_path, monkeypatch) -> Path:
    """A course tree in tmp_path with one notebook and its twin, as ``build`` writes them; the twin's path."""
    nb = nbformat.v4.new_notebook(cells=tool.header_cells("notebooks", "99_x"))
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    for folder in tool.FOLDERS:
        (tmp_path / folder).mkdir()
    tool.write_pair(nb, tmp_path / "notebooks" / "99_x.ipynb")
    return tmp_path / "notebooks" / "99_x.py"


def test_a_stale_py_twin_is_detected(twin):
    assert tool.check() == []
    twin.write_text("# edited by hand\n")
    assert any("out of sync" in p for p in tool.check())


def test_a_twin_written_by_another_jupytext_release_is_in_sync(twin):
    """Issue #20: the twin check compares content, not the tool's version stamp."""
    assert "jupytext_version:" not in twin.read_text()  # written without a stamp
    stamped = twin.read_text().replace("#     text_representation:\n",
                                       "#     text_representation:\n#       jupytext_version: 9.99.1\n")
    assert "jupytext_version: 9.99.1" in stamped
    twin.write_text(stamped)
    assert tool.check() == []


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_badge_and_colab_setup_first(path: Path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and "colab-badge.svg" in nb.cells[0].source
    assert nb.cells[1].cell_type == "code" and '"google.colab" in sys.modules' in nb.cells[1].source


def _printing(cell) -> bool:
    return any(o.output_type in ("stream", "execute_result")
               or (o.output_type == "display_data" and "text/plain" in o.get("data", {})
                   and not any(k.startswith("image/") for k in o.get("data", {})))
               for o in cell.get("outputs", []))


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_third_of_printing_cells_are_compared(path: Path):
    nb = nbformat.read(path, as_version=4)
    printing = [c for c in nb.cells if c.cell_type == "code" and _printing(c)]
    ignored = [c for c in printing
               if {"nbval-ignore-output", "nbval-skip"} & set(c.metadata.get("tags", []))
               or c.source.lstrip().startswith(("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP"))]
    assert printing, "a notebook that prints nothing compares nothing"
    assert len(printing) - len(ignored) >= len(printing) / 3, (
        f"only {len(printing) - len(ignored)} of {len(printing)} printing cells are compared")


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_outputs_come_from_the_ci_profile(path: Path):
    nb = nbformat.read(path, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "srlib profile: ci" in text and "device: cpu" in text


@pytest.mark.parametrize("path", sorted((ROOT / "exercises").glob("*.ipynb")), ids=lambda p: p.name)
def test_exercises_are_stubs_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert any("raise NotImplementedError()" in c.source for c in code)


LESSONS = sorted((ROOT / "notebooks").glob("0*.ipynb"))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_each_lesson_has_two_figures_references_and_questions(path: Path):
    """Issue #15: at least two stored figures, paper links and predict-first questions per lesson."""
    nb = nbformat.read(path, as_version=4)
    figures = sum(any(k.startswith("image/") for k in o.get("data", {}))
                  for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert figures >= 2, f"{figures} figure(s); every lesson needs at least two that carry its argument"
    assert "## References" in prose and "arxiv.org/abs/" in prose
    assert "## Predict, then run" in prose


def test_a_differing_stored_output_names_the_cell_both_texts_and_the_rebuild_command():
    """Issue #20, bad input: nbval's report (notebook, cell, both texts) plus how to rebuild.

    Run as a contributor would, ``pytest path/to/notebook.ipynb`` from the repository's root
    with its own configuration (pyproject's options, the root conftest.py), on a notebook in a
    git-ignored folder whose stored output is wrong.
    """
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    cell = nbformat.v4.new_code_cell("print(6 * 7)", execution_count=1,
                                     outputs=[nbformat.v4.new_output("stream", name="stdout", text="41\n")])
    (ROOT / "runs").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=ROOT / "runs", prefix="nbval-hint-"))
    try:
        nbformat.write(nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": {
            "name": "python3", "display_name": "Python 3", "language": "python"}}), folder / "42_answer.ipynb")
        env = {key: value for key, value in os.environ.items() if key != "SRLIB_PROFILE"}
        result = subprocess.run([sys.executable, "-m", "pytest", str(folder.relative_to(ROOT) / "42_answer.ipynb")],
                                capture_output=True, text=True, cwd=ROOT, env=env)
    finally:
        shutil.rmtree(folder)
    assert result.returncode == 1
    out = result.stdout
    assert "42_answer.ipynb::Cell 0" in out and "41" in out and "42" in out
    assert "python tools/notebooks.py build 42" in out and "--cpu-variants 42" in out
