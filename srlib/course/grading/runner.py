"""One student process per task: start it, time it, read what it reports, and make sure it is gone.

A ``Session`` lives for one ``srlib grade`` run. It holds the student side of
srlib (``srlib.course.grading.student_library``) in a private folder and starts each
task's worker (``srlib.course.grading.worker``) either in the sandbox
(``srlib.course.grading.sandbox``) or, with ``--unconfined``, as a plain process in a
scratch folder of its own. Either way the worker runs in a new session, its
time limit starts when it says ``ready``, its report arrives on a pipe (never a
file a student could reach), and before the next task starts:

- in the sandbox, the sandbox's first process is killed, which ends every
  process of its PID namespace, and the grader waits until it is gone;
- unconfined, the worker's process group is killed, then (Linux) every
  orphan its code left behind, however detached, and the scratch folder is
  removed at any depth (``srlib.course.grading.cleanup``).

Taught in: README (instructors' section).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import srlib
from srlib.course.exercises.observations import MAX_BYTES, unpack
from srlib.course.grading import cleanup, student_library
from srlib.course.grading.confinement import choose
from srlib.course.grading.limits import Limits
from srlib.course.grading.sandbox import ENVIRONMENT, SANDBOX_LIB, Bwrap, python_paths

STARTUP_SECONDS = 90  # a fresh process importing torch, before the task's own time limit starts
MARGIN_SECONDS = 10  # after the time limit: the probe's own deadline, then the report
WORKER = "from srlib.course.grading.worker import main; main()"


@dataclass
class Outcome:
    """What one student process left: its exit code (None: stopped at the limit), its report, the limits it lacked."""

    code: int | None
    report: bytes = b""
    missing: list[str] = field(default_factory=list)


class _Reader(threading.Thread):
    """Reads the worker's channel to its end: a ``ready`` line, then the report.

    It keeps at most MAX_BYTES and a header and drops the rest (a flood ends as
    an unreadable report, never as a blocked worker or a full grader).
    """

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.ready, self.missing, self.rest = stream, threading.Event(), [], b""

    def run(self):
        try:
            line = self.stream.readline(4096)
            if line.startswith(b"ready "):
                missing = json.loads(line[6:]).get("missing", [])
                self.missing = [str(m) for m in missing] if isinstance(missing, list) else []
                self.ready.set()
            size, kept = 0, []
            while chunk := self.stream.read1(2**20):
                if size <= MAX_BYTES + 4096:
                    kept.append(chunk)
                    size += len(chunk)
            self.rest = b"".join(kept) if self.ready.is_set() else b""
        except (OSError, ValueError):
            pass


def read_report(data: bytes) -> dict:
    """The record in a worker's report (``result N`` then N bytes); ValueError for anything else."""
    head, _, body = data.partition(b"\n")
    if not head.startswith(b"result ") or not head[7:].isdigit() or len(body) != int(head[7:]):
        raise ValueError("not a report")
    return unpack(body)


class Session:
    """Starts and stops the student processes of one grading run, confined unless ``unconfined``."""

    def __init__(self, limits: Limits, unconfined: bool = False, bwrap: str | None = None):
        """Build the student side of srlib, then check the sandbox (ConfinementUnavailable when it cannot run)."""
        self.limits = limits
        self.workspace = Path(tempfile.mkdtemp(prefix="srlib-grade-"))
        os.chmod(self.workspace, 0o755)
        self.lib = student_library.build(self.workspace / "lib")
        self.empty = self.workspace / "empty"
        self.empty.mkdir(mode=0o755)
        try:
            self.bwrap = choose(unconfined, self.lib, self.empty, bwrap)
        except ValueError:
            cleanup.remove_tree(str(self.workspace))
            raise
        self.paths = python_paths()
        self.known_children = set(cleanup.children()) if self.bwrap is None else set()
        self.reaping = self.bwrap is None and cleanup.become_subreaper()

    @property
    def name(self) -> str:
        return "bwrap" if self.bwrap else "unconfined"

    def close(self) -> None:
        if self.reaping:
            cleanup.become_subreaper(False)
        cleanup.remove_tree(str(self.workspace))

    def run(self, job: dict, timeout: float) -> Outcome:
        """Run the worker on ``job`` (its scratch and library folders filled in here) and return its outcome."""
        scratch = None
        if self.bwrap:
            job = {**job, "scratch": "/tmp", "library_dirs": []}
            code = student_library.boot(SANDBOX_LIB, self.paths, WORKER)
            command = self.bwrap.command(self.lib, self.empty, self.limits, ["-I", "-S", "-c", code])
            env, cwd = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, None
        else:
            scratch = tempfile.mkdtemp(prefix="srlib-task-")
            job = {**job, "scratch": scratch, "library_dirs": [os.path.dirname(os.path.abspath(srlib.__file__))]}
            code = student_library.boot(str(self.lib), self.paths, WORKER)
            command = [os.path.realpath(sys.executable), "-I", "-S", "-c", code]
            env = {**ENVIRONMENT, "HOME": scratch, "TMPDIR": scratch, "MPLCONFIGDIR": scratch,
                   "PATH": os.environ.get("PATH", ""), "SYSTEMROOT": os.environ.get("SYSTEMROOT", "")}
            cwd = scratch
        try:
            return self._run(command, env, cwd, job, timeout)
        finally:
            if scratch:
                cleanup.remove_tree(scratch)

    def _run(self, command: list[str], env: dict, cwd: str | None, job: dict, timeout: float) -> Outcome:
        info_r, info_w = os.pipe() if self.bwrap else (None, None)
        if self.bwrap:
            command = command[:1] + ["--info-fd", str(info_w)] + command[1:]
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env, cwd=cwd, start_new_session=True, pass_fds=(info_w,) if self.bwrap else ())
        pidfd = None
        if self.bwrap:
            os.close(info_w)
            pidfd = _sandbox_pidfd(info_r)
        reader = _Reader(proc.stdout)
        reader.start()
        code = None
        try:
            proc.stdin.write(json.dumps(job).encode())
            proc.stdin.close()
        except OSError:  # it ended before reading its job
            pass
        try:
            if reader.ready.wait(STARTUP_SECONDS):
                code = proc.wait(timeout=timeout + MARGIN_SECONDS)
            elif proc.poll() is not None:
                code = proc.returncode
        except subprocess.TimeoutExpired:
            code = None
        finally:
            self._stop(proc, pidfd)
        reader.join(10)
        if self.bwrap and code is not None and code > 128:
            code = -(code - 128)  # bwrap reports a signal as 128 + its number
        return Outcome(code, reader.rest, reader.missing)

    def _stop(self, proc: subprocess.Popen, pidfd: int | None) -> None:
        """Kill the worker and everything it started; return when they are gone."""
        if pidfd is not None:  # the sandbox's first process: it exits only once every process of its PID namespace has
            try:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                select.select([pidfd], [], [], 10)  # readable once it has exited
            except OSError:
                pass
            os.close(pidfd)
            try:
                proc.wait(timeout=10)  # bwrap follows its child
            except subprocess.TimeoutExpired:
                pass
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
        if self.reaping:
            cleanup.stop_orphans(keep=self.known_children)


def _sandbox_pidfd(info_r: int) -> int | None:
    """A pidfd of the sandbox's first process, from bwrap's ``--info-fd`` JSON; None where unavailable."""
    with os.fdopen(info_r, "rb") as f:
        data = f.read(4096)
    try:
        pid = int(json.loads(data)["child-pid"])
        return os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    except (ValueError, KeyError, TypeError, OSError):
        return None
