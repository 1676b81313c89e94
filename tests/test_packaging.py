"""pyproject.toml, environment.yml, README.md and .ci/run agree with each other."""

import re

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

import yaml

from helpers import ROOT

CONDA_NAMES = {"torch": "pytorch"}  # PyPI name -> conda-forge name where they differ


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_matches_pyproject():
    project = pyproject()["project"]
    wanted = {CONDA_NAMES.get(_name(r), _name(r))
              for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"], "conda-forge only (the pytorch channel is retired)"
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda == wanted, (f"only in environment.yml: {sorted(conda - wanted)}; "
                             f"only in pyproject.toml: {sorted(wanted - conda)}")


def test_no_upper_pins_on_torch():
    for req in pyproject()["project"]["dependencies"]:
        if _name(req) in ("torch", "torchvision"):
            assert "<" not in req and "==" not in req, f"{req}: an upper pin fights Colab's torch"


def test_runtime_and_dev_dependencies_declared():
    project = pyproject()["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    dev = {_name(r) for r in project["optional-dependencies"]["dev"]}
    assert {"torch", "torchvision", "numpy", "pillow", "matplotlib", "ipywidgets", "tqdm",
            "scikit-image"} <= runtime
    assert {"pytest", "nbval", "jupytext", "jupyterlab"} <= dev
    assert project["scripts"]["srlib"] == "srlib.cli:main"


def readme_command(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.*?)\n```", text, re.S)
    assert match, f"README.md has no code block after <!-- {marker} -->"
    return match.group(1).strip()


def test_readme_has_exactly_two_quick_start_commands():
    main, test = readme_command("main-command"), readme_command("test-command")
    for cmd in (main, test):
        assert len(cmd.splitlines()) == 1, "each quick-start command is one line"
        assert cmd.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
    assert test.endswith(".venv/bin/pytest")
    assert '".[dev]"' in test


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci and "README.md" in ci and 'eval "$cmd"' in ci


def test_pytest_runs_notebooks_strictly():
    opts = pyproject()["tool"]["pytest"]["ini_options"]
    assert "--nbval " in opts["addopts"] + " " and "--nbval-lax" not in opts["addopts"]
    assert "--nbval-current-env" in opts["addopts"]
    assert "--nbval-sanitize-with tests/nbval_sanitize.cfg" in opts["addopts"]
    assert set(opts["testpaths"]) == {"tests", "notebooks", "solutions"}


def test_readme_lists_every_notebook_with_its_colab_badge():
    from srlib.course import LESSONS, colab_url

    readme = (ROOT / "README.md").read_text()
    for lesson in LESSONS:
        assert f"| {lesson.number} |" in readme, f"README's table lacks notebook {lesson.number}"
        if (ROOT / "notebooks" / f"{lesson.stem}.ipynb").exists():
            assert colab_url("notebooks", lesson.stem) in readme, f"{lesson.stem}: no Colab badge"
        else:
            row = next(line for line in readme.splitlines() if line.startswith(f"| {lesson.number} |"))
            assert "planned" in row, f"{lesson.stem} does not exist: mark it planned"


def _pins() -> dict[str, list[tuple[str, str]]]:
    """constraints-dev.txt as {name: [(version, marker), ...]}."""
    pins: dict[str, list[tuple[str, str]]] = {}
    for line in (ROOT / "constraints-dev.txt").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement, _, marker = line.partition(";")
        name, _, version = requirement.strip().partition("==")
        assert version, f"constraints-dev.txt: {line!r} is not pinned with =="
        pins.setdefault(name.lower(), []).append((version.strip(), marker.strip()))
    return pins


def test_the_test_environment_is_pinned():
    """Issue #20: every direct dependency and dev tool has a pinned release; the README installs with it."""
    project = pyproject()["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    missing = sorted(wanted - set(_pins()))
    assert not missing, f"not in constraints-dev.txt: {missing}; refresh it with `python tools/lock.py`"
    assert "-c constraints-dev.txt" in readme_command("test-command")


def test_this_environment_has_the_pinned_releases():
    """The environment running the suite is the one the README's command builds (stored outputs depend
    on numpy, scikit-image, torch ...); an install without the constraints says how to fix it."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.markers import Marker
    from packaging.version import Version

    wrong = []
    for name, options in _pins().items():
        for pinned, marker in options:
            if marker and not Marker(marker).evaluate():
                continue
            try:
                installed = version(name)
            except PackageNotFoundError:
                continue  # an optional platform package (pip decides what applies)
            if Version(installed.split("+")[0]) != Version(pinned):
                wrong.append(f"{name} {installed} (pinned {pinned})")
    assert not wrong, ("this environment differs from constraints-dev.txt: " + ", ".join(wrong)
                       + "; reinstall with the README's test command (pip install -e \".[dev]\" -c constraints-dev.txt)")
