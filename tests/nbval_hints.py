"""A failing stored output says how to rebuild it (issue #20, "Bad input").

nbval's report names the notebook, the cell and the two texts; this hook adds
the command that regenerates the notebook's outputs, and the reminder that a
number which differs between machines must be printed at a precision every
machine reproduces (``python tools/notebooks.py check --cpu-variants``).
"""

import pytest


def rebuild_hint(notebook_stem: str) -> str:
    key = notebook_stem.split("_")[0]  # "03_pixel_shuffle_vs_upsampling" -> "03", "ex02_rrdb" -> "ex02"
    return (f"The stored output of {notebook_stem}.ipynb differs. If the new output is right, rebuild it with "
            f"`python tools/notebooks.py build {key}` and commit it; if only the last printed digit differs, print "
            f"that number at a precision every CPU reproduces and check with "
            f"`python tools/notebooks.py check --cpu-variants {key}`.")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    path = getattr(item, "path", None)
    if report.failed and call.when == "call" and path is not None and path.suffix == ".ipynb":
        report.sections.append(("how to fix", rebuild_hint(path.stem)))
