"""The student side of srlib: what srlib grade puts beside student code holds no judge and no reference code."""

import subprocess
import sys

from srlib.grading import student_library
from srlib.grading.sandbox import python_paths


def test_the_student_side_imports_no_judge(tmp_path):
    lib = student_library.build(tmp_path / "lib")
    code = student_library.boot(str(lib), python_paths(), (
        "import srlib.exercises.probes, srlib.grading.worker, srlib.checks, srlib.course\n"
        "print(sorted(m for m in sys.modules if m.startswith('srlib')))\n"
        "print(srlib.checks.check('rrdb', None), srlib.exercises.probes.PROBES['rrdb'].obj)\n"
        "import srlib.exercises.ex02_rrdb"))
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    loaded = done.stdout.splitlines()[0]
    assert "'srlib.exercises.probing'" in loaded and "'srlib.grading.worker'" in loaded, done.stdout + done.stderr
    for judge_side in ("srlib.exercises.core", "srlib.exercises.ex02_rrdb", "srlib.metrics", "srlib.losses",
                       "srlib.models", "srlib.grading.grader"):
        assert f"'{judge_side}'" not in loaded, judge_side
    assert done.stdout.splitlines()[1] == "True RRDB"  # check() is a stub there: the grader judges
    assert "No module named 'srlib.exercises.ex02_rrdb'" in done.stderr
    names = student_library.files(lib)
    assert "srlib/exercises/probes/ex02_rrdb.py" in names and "srlib/exercises/ex02_rrdb.py" not in names
