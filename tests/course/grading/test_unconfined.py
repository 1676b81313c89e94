"""Where the sandbox cannot run: a refusal that says why; and with --unconfined, other rows still stand.

The attacks below are the issue's (#21) unconfined-platform ones. Each is
accepted for review, as a careless instructor might, so that it runs.
"""

import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

import srlib
from grading_class import SOLUTIONS, with_cell
from srlib.cli import main
from srlib.course.grading import ConfinementUnavailable, Limits, grade
from srlib.course.grading import confinement

NOTEBOOK = str(SOLUTIONS / "ex03_pixel_shuffle.ipynb")


def test_grading_refuses_without_bwrap_and_names_the_options(tmp_path, capsys, monkeypatch):
    with pytest.raises(ConfinementUnavailable, match="bubblewrap is not installed .*--unconfined"):
        grade([NOTEBOOK], tmp_path / "g.csv", bwrap="/nonexistent/bwrap")
    monkeypatch.setenv("SRLIB_BWRAP", "/nonexistent/bwrap")
    assert main(["grade", NOTEBOOK, "--out", str(tmp_path / "g.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apt-get install bubblewrap" in err and "--unconfined" in err
    assert not (tmp_path / "g.csv").exists()


def test_grading_refuses_where_bwrap_cannot_make_namespaces(tmp_path):
    if any(os.path.realpath(p).startswith("/tmp/") for p in (sys.prefix, sys.base_prefix)):
        pytest.skip("this Python is installed under /tmp, where the sandbox mounts its scratch space: grading "
                    "refuses before it runs bwrap (a clone under /tmp; see test_sandbox's skip reason)")
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(ConfinementUnavailable, match="No permissions to create new namespace"):
        grade([NOTEBOOK], tmp_path / "g.csv", bwrap=str(fake))


@pytest.mark.parametrize("platform,says", [("win32", "Windows has no bubblewrap"), ("darwin", "macOS has no")])
def test_windows_and_macos_get_a_clear_refusal(tmp_path, monkeypatch, platform, says):
    monkeypatch.setattr(confinement.sys, "platform", platform)
    with pytest.raises(ConfinementUnavailable, match=says):
        confinement.choose(False, tmp_path, tmp_path)
    assert confinement.choose(True, tmp_path, tmp_path) is None  # --unconfined: no sandbox, no refusal


DETACH = ("import subprocess, sys\n"
          "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3); '\n"
          "                  'open({csv!r}, \"w\").write(\"student,total\\\\nattacker,100\\\\n\"); '\n"
          "                  'open({marker!r}, \"w\").write(\"outlived the task\")'],\n"
          "                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)")
KILL = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
PIDFD_KILL = "import os, signal\nsignal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)"  # round 4
FILL = ("import os\nfor i in range(1500):\n    os.mkdir('d' * 40)\n    os.chdir('d' * 40)\n"
        "for k in range(3):\n    open(f'f{k}', 'wb').write(bytes(2**26))")


@pytest.mark.slow
def test_unconfined_attacks_leave_other_rows_and_the_batch_alone(tmp_path, capsys):
    out, marker = tmp_path / "grades.csv", tmp_path / "marker"
    for student, source in (("detacher", DETACH.format(csv=str(out), marker=str(marker))), ("killer", KILL),
                            ("filler", FILL), ("pidfd", PIDFD_KILL)):
        with_cell(tmp_path / "class", "ex03_pixel_shuffle", source, student, after="pixel_shuffle",
                  base=SOLUTIONS)  # before num_upsample_stages' definition: that task runs it
    (tmp_path / "class" / "alice").mkdir()
    shutil.copy(NOTEBOOK, tmp_path / "class" / "alice")
    scratch_before = set(os.listdir(tempfile.gettempdir()))
    # a generous timeout: on a loaded machine the filler's 192 MB must not time a task out
    rows = grade([str(tmp_path / "class")], out, unconfined=True, timeout=180,
                 accept=[f"{s}:num_upsample_stages" for s in ("detacher", "killer", "filler", "pidfd")],
                 limits=Limits(allow_processes=True, memory_mb=1024))  # processes allowed: the detacher can start
    scores = {r["student"]: r["total"] for r in rows}
    assert scores == {"alice": 4, "detacher": 4, "filler": 4, "killer": 4, "pidfd": 4}, rows  # the batch went on
    for killer in ("killer", "pidfd"):
        assert "Operation not permitted" in str(next(r for r in rows if r["student"] == killer)["tasks"])
    written = hashlib.sha256(out.read_bytes()).hexdigest()
    time.sleep(5)  # the detached process would have rewritten the CSV by now
    assert hashlib.sha256(out.read_bytes()).hexdigest() == written and not marker.exists()
    with open(out) as f:
        assert {r["confinement"] for r in csv.DictReader(f)} == {"unconfined"}
    assert "graded WITHOUT confinement" in capsys.readouterr().out
    assert not {n for n in set(os.listdir(tempfile.gettempdir())) - scratch_before if n.startswith("srlib-")}


PATCH = ("path, ran = {metrics!r}, {ran!r}\n"  # a patch that would run in the grader's process if it imported it
         "open(path, 'a').write('\\nopen(%r, \"w\").write(\"ran in the grader\")\\n' % ran)")


@pytest.mark.slow
def test_a_patched_srlib_never_runs_in_the_grader_and_is_reported(tmp_path):
    install = tmp_path / "install"
    shutil.copytree(os.path.dirname(os.path.abspath(srlib.__file__)), install / "srlib",
                    ignore=shutil.ignore_patterns("*.pt", "__pycache__"))
    ran = tmp_path / "ran"
    with_cell(tmp_path / "class", "ex08_evaluation_protocol",
              PATCH.format(metrics=str(install / "srlib" / "metrics.py"), ran=str(ran)), "patcher")
    (tmp_path / "class" / "alice").mkdir()
    shutil.copy(SOLUTIONS / "ex08_evaluation_protocol.ipynb", tmp_path / "class" / "alice")
    code = (f"import sys; sys.path.insert(0, {str(install)!r}); from srlib.cli import main; "
            f"sys.exit(main(['grade', {str(tmp_path / 'class')!r}, '--out', {str(tmp_path / 'g.csv')!r}, "
            "'--unconfined', '--accept', 'patcher:psnr_y']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    assert "srlib's installed files changed during grading (metrics.py)" in done.stdout
    with open(tmp_path / "g.csv") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["alice"]["total"] == "6" and rows["patcher"]["total"] == "0"
    assert "psnr_y: srlib's installed files changed while it ran (metrics.py)" in rows["patcher"]["needs_review"]
    assert not ran.exists()  # the patched file was never imported by the grader
