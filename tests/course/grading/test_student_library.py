"""The student side of srlib: what srlib grade puts beside student code holds no judge and no reference code."""

import subprocess
import sys

from sandboxing import expected_student_side, srlib_modules, sweep, swept
from srlib.course.exercises.core import ALLOWED_LIBRARY
from srlib.course.grading import student_library
from srlib.course.grading.sandbox import python_paths


def test_the_student_side_imports_no_judge(tmp_path):
    lib = student_library.build(tmp_path / "lib")
    code = student_library.boot(str(lib), python_paths(), (
        "import srlib.course.exercises.probes, srlib.course.grading.worker, srlib.checks, srlib.course\n"
        "print(sorted(m for m in sys.modules if m.startswith('srlib')))\n"
        "print(srlib.checks.check('rrdb', None), srlib.course.exercises.probes.PROBES['rrdb'].obj)\n"
        "import srlib.course.exercises.ex02_rrdb"))
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    loaded = done.stdout.splitlines()[0]
    assert "'srlib.course.exercises.probing'" in loaded and "'srlib.course.grading.worker'" in loaded, done.stdout + done.stderr
    for judge_side in ("srlib.course.exercises.core", "srlib.course.exercises.ex02_rrdb", "srlib.metrics", "srlib.losses",
                       "srlib.models", "srlib.course.grading.grader"):
        assert f"'{judge_side}'" not in loaded, judge_side
    assert done.stdout.splitlines()[1] == "True RRDB"  # check() is a stub there: the grader judges
    assert "No module named 'srlib.course.exercises.ex02_rrdb'" in done.stderr
    names = student_library.files(lib)
    assert "srlib/course/exercises/probes/ex02_rrdb.py" in names and "srlib/course/exercises/ex02_rrdb.py" not in names


def test_the_files_a_task_may_run_are_the_set_ups_and_check():
    """core.ALLOWED_LIBRARY (the judge's list of srlib files a graded object may run) is what the student side
    copies for a notebook's set-up, plus srlib.checks: no probe, no worker, no judge."""
    settings = {"srlib/" + student_library._relative(m).as_posix() for m in student_library.SETTINGS}
    assert set(ALLOWED_LIBRARY) == settings | {"srlib/checks.py"}
    assert "srlib/course/__init__.py" in ALLOWED_LIBRARY and "srlib/course.py" not in ALLOWED_LIBRARY


def test_no_srlib_module_but_the_student_side_imports_there(tmp_path):
    """The red-team sweep, unconfined (the student side alone on sys.path, as --unconfined runs it): of every
    srlib module, only srlib.course with what it loads, srlib.checks (a stub), the probes and the worker import;
    srlib.course.exercises is an empty package; a notebook's set-up cell runs."""
    lib = student_library.build(tmp_path / "lib")
    modules = srlib_modules()
    done = subprocess.run([sys.executable, "-I", "-S", "-c", student_library.boot(str(lib), python_paths(),
                                                                                sweep(modules))],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    loaded, registry, set_up = swept(done.stdout + done.stderr)
    assert loaded == expected_student_side() & set(modules), loaded ^ (expected_student_side() & set(modules))
    for refused in ("srlib.course.colab", "srlib.course.diagrams", "srlib.course.checks", "srlib.course.grading.grader",
                    "srlib.course.grading.reader", "srlib.course.exercises.core", "srlib.course.exercises.ex02_rrdb",
                    "srlib.models", "srlib.metrics", "srlib.cli", "srlib.pretrained"):
        assert refused in modules and refused not in loaded, refused
    assert registry == "registry: False False"
    assert set_up.startswith("set-up ran: ") and set_up.endswith(" True")
