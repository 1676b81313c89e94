"""The bubblewrap sandbox: what a student process can see, write and reach (skipped where bwrap cannot run)."""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

import srlib
from srlib.course.grading import student_library
from srlib.course.grading.limits import Limits
from sandboxing import expected_student_side, running, sandbox_problem, srlib_modules, sweep, swept
from srlib.course.grading.sandbox import SANDBOX_LIB, Bwrap, find_bwrap, masks, python_paths


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """(bwrap, the student library, an empty folder), or a skip saying why bwrap cannot run here."""
    folder = tmp_path_factory.mktemp("sandbox")
    lib, empty = student_library.build(folder / "lib"), folder / "empty"
    empty.mkdir()
    if sandbox_problem():
        pytest.skip(sandbox_problem())
    return Bwrap(find_bwrap()), lib, empty


def in_sandbox(sandbox, code: str, limits: Limits = Limits(), timeout: float = 60) -> str:
    """Run ``code`` in a sandbox as the grader builds it (no seccomp: that is the worker's); its output."""
    bwrap, lib, empty = sandbox
    command = bwrap.command(lib, empty, limits, ["-I", "-S", "-c", student_library.boot(SANDBOX_LIB, python_paths(),
                                                                                      code)])
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return done.stdout + done.stderr


def attempts(pairs: dict) -> str:
    """Code that tries each named action and prints 'reached: NAME' or 'refused: NAME'."""
    lines = ["import os, sys"]
    for name, action in pairs.items():
        lines += [f"try:\n    {action}\n    print('reached: {name}')",
                  f"except BaseException as exc:\n    print('refused: {name}', type(exc).__name__)"]
    return "\n".join(lines)


def test_the_student_side_holds_no_judge_and_no_reference_code(sandbox, tmp_path):
    judges = {f"srlib/course/exercises/{m}.py" for m in ("core", "ex01_paired_crop_augment", "ex02_rrdb",
                                                   "ex03_pixel_shuffle", "ex04_perceptual_loss",
                                                   "ex05_gradient_penalty_ragan", "ex07_gan_training_step",
                                                   "ex08_evaluation_protocol")}
    written = set(student_library.files(sandbox[1]))
    assert not written & judges and "srlib/course/exercises/probing.py" in written and "srlib/metrics.py" not in written
    assert "return True" in (sandbox[1] / "srlib" / "checks.py").read_text()  # the stub, not the judge's check()
    checkout = os.path.dirname(os.path.abspath(srlib.__file__))
    out = in_sandbox(sandbox, attempts({
        "import a judge": "import srlib.course.exercises.ex02_rrdb",
        "import the registry": "from srlib.course.exercises import EXERCISES",
        "import the library": "import srlib.models",
        "import the metrics": "import srlib.metrics",
        "read the checkout": f"open({checkout + '/models/rrdb.py'!r}).read()",
        "probes import": "import srlib.course.exercises.probes.ex02_rrdb",
    }))
    assert out.count("refused:") == 5 and "reached: probes import" in out, out


def test_no_srlib_module_but_the_student_side_imports_in_the_sandbox(sandbox):
    """The red-team sweep, confined: every module of srlib is tried; only srlib.course with what it loads,
    srlib.checks (a stub), the probes and the worker import (the course's machinery, srlib.course.colab,
    .diagrams, .checks, the judges, the grader and the whole library do not); a notebook's set-up cell runs."""
    modules = srlib_modules()
    loaded, registry, set_up = swept(in_sandbox(sandbox, sweep(modules), timeout=120))
    assert loaded == expected_student_side() & set(modules), loaded ^ (expected_student_side() & set(modules))
    assert {"srlib.course.colab", "srlib.course.diagrams", "srlib.course.checks", "srlib.course.grading.grader",
            "srlib.course.exercises.ex02_rrdb", "srlib.models", "srlib.cli"} <= set(modules) - loaded
    assert registry == "registry: False False" and set_up.endswith(" True"), set_up


def test_an_installed_srlib_is_masked_wherever_it_sits(sandbox, monkeypatch):
    """The /usr/local/lib trick: srlib installed as a plain package next to torch is not readable in the sandbox."""
    site = Path(tempfile.mkdtemp(dir="/var/tmp")) / "site-packages"  # not under /tmp, where the scratch goes
    try:
        shutil.copytree(os.path.dirname(srlib.__file__), site / "srlib", ignore=shutil.ignore_patterns("*.pt"))
        (site / "srlib-0.1.0.dist-info").mkdir()
        (site / "__editable__.srlib-0.1.0.pth").write_text("import os")
        (site / "unrelated").mkdir()
        assert masks([str(site)]) == [str(site / n) for n in ("__editable__.srlib-0.1.0.pth", "srlib",
                                                              "srlib-0.1.0.dist-info")]
        monkeypatch.syspath_prepend(str(site))
        assert str(site) in python_paths()
        out = in_sandbox(sandbox, attempts({
            "read it": f"open({str(site / 'srlib' / 'models' / 'rrdb.py')!r}).read()",
            "list it": f"assert os.listdir({str(site / 'srlib')!r})",
            "see the neighbour": f"assert os.path.isdir({str(site / 'unrelated')!r})",
        }))
        assert "refused: read it" in out and "refused: list it" in out and "reached: see the neighbour" in out, out
    finally:
        shutil.rmtree(site.parent)


def test_the_only_writable_place_is_a_small_private_scratch(sandbox):
    """The disk-fill trick: bytes and files are both capped, and nothing else is writable."""
    limits = Limits(scratch_mb=2, scratch_files=50)
    out = in_sandbox(sandbox, attempts({
        "write 1 MB": "open('/tmp/a', 'wb').write(b'x' * 2**20)",
        "write 4 MB": "open('/tmp/b', 'wb').write(b'x' * 4 * 2**20)",
        "make 100 files": "[open(f'/tmp/f{i}', 'w').close() for i in range(100)]",
        "write /": "open('/x', 'w')", "write /dev/shm": "open('/dev/shm/x', 'w')",
        "write the library": f"open({SANDBOX_LIB + '/srlib/x.py'!r}, 'w')",
        "write site-packages": f"open({python_paths()[-1] + '/x.py'!r}, 'w')",
    }), limits=limits)
    assert "reached: write 1 MB" in out and out.count("refused:") == 6, out


def test_no_network_no_other_process_no_privilege(sandbox):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        out = in_sandbox(sandbox, attempts({
            "reach the host": f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)",
            "see the grader": "assert len([p for p in os.listdir('/proc') if p.isdigit()]) > 3",
            "signal the grader": f"os.kill({os.getpid()}, 0)",
            "mount": "import subprocess; subprocess.run(['mount', '-t', 'tmpfs', 'x', '/tmp'], check=True)",
        }))
    finally:
        listener.close()
    assert out.count("refused:") == 4, out


def test_processes_end_with_the_sandbox(sandbox):
    """The detached-process attack, confined: a process in a new session ends with its sandbox."""
    out = in_sandbox(sandbox, "import subprocess\n"
                              "subprocess.Popen(['sleep', '1234.5'], start_new_session=True)\nprint('left one')")
    assert "left one" in out
    assert running("1234.5") == []
