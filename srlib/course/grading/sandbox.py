"""The confinement of the grader's student processes on Linux: bubblewrap (``bwrap``).

bubblewrap is the sandbox Flatpak uses (Debian/Ubuntu package ``bubblewrap``).
Each task's process gets, from ``Bwrap.command``:

- read-only binds of exactly what it needs: the system's ``/usr`` (and the
  ``/bin``, ``/lib`` links), a few files of ``/etc``, the Python installation
  and the folders on the grader's ``sys.path`` inside it, with every ``srlib``
  entry there masked, and the student side of srlib
  (``srlib.course.grading.student_library``) at ``SANDBOX_LIB``; not the course
  checkout, not other notebooks, not the grader's folders or home;
- as the only writable place, a private ``/tmp`` of ``Limits.scratch_mb``
  and ``scratch_files`` files (a tmpfs mounted with ``size`` and
  ``nr_inodes``, gone with the task); the rest of the file system is
  read-only, ``/dev`` and ``/`` included;
- new user, PID, network, IPC and UTS namespaces (no network, no other
  process visible), a new session, no capabilities (``setpriv`` drops them
  after the mount), and ``--die-with-parent``;
- the grader kills the sandbox's first process after the task, which ends
  every process in its PID namespace, detached or not.

``Bwrap.probe`` checks once per run that all of this works here. Taught in:
README (instructors' section).
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from srlib.course.grading.limits import MB, Limits
from srlib.course.grading.student_library import boot

SANDBOX_LIB = "/srlib-student"  # where the student side of srlib appears inside the sandbox
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime",
       "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/fonts")
HIDDEN = ("srlib", "_srlib", "__editable__")  # site-packages entries that are (or lead to) the course library
ENVIRONMENT = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "HOME": "/tmp",
               "TMPDIR": "/tmp", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib", "LANG": "C.UTF-8",
               "TORCHDYNAMO_DISABLE": "1", "PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"}
# mount the size-capped scratch, then drop every capability for good, then run the rest
MOUNT_AND_DROP = 'mount -t tmpfs -o "$1" tmpfs /tmp && shift && exec "$@"'
DROP = ("setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--no-new-privs", "--")


def python_paths() -> list[str]:
    """The grader's ``sys.path`` folders that belong to the Python installation (never the course checkout)."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    found = []
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        inside = any(real == p or real.startswith(p + os.sep) for p in prefixes)
        if real and os.path.exists(real) and (inside or os.path.basename(real) in ("site-packages", "dist-packages")):
            found.append(real)
    return list(dict.fromkeys(found))


def _bound(paths: list[str]) -> list[str]:
    """``paths`` without those inside another one (one bind covers them)."""
    paths = sorted(set(paths))
    return [p for p in paths if not any(p != q and p.startswith(q + os.sep) for q in paths)]


def masks(folders: list[str]) -> list[str]:
    """Every entry of ``folders`` that is, or leads to, the course library (to be hidden in the sandbox)."""
    found = []
    for folder in folders:
        if os.path.isdir(folder):
            found += [os.path.join(folder, n) for n in sorted(os.listdir(folder)) if n.startswith(HIDDEN)]
    return found


@dataclass(frozen=True)
class Bwrap:
    """One way to start a student process: inside bubblewrap, at ``path``."""

    path: str
    name = "bwrap"

    def command(self, lib: Path, empty: Path, limits: Limits, python_args: list[str]) -> list[str]:
        """The command that runs ``python python_args`` confined; ``lib`` holds the student side of srlib."""
        args = [self.path, "--unshare-user", "--uid", "0", "--gid", "0", "--unshare-pid", "--unshare-net",
                "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session",
                "--clearenv", "--proc", "/proc", "--dev", "/dev", "--dir", "/tmp", "--chdir", "/tmp"]
        for key, value in ENVIRONMENT.items():
            args += ["--setenv", key, value]
        for path in SYSTEM:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        for path in ETC:
            args += ["--ro-bind-try", path, path]
        python = python_paths()
        prefixes = [os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)]
        for path in _bound(prefixes + python):
            if path == "/tmp" or path.startswith("/tmp/"):
                raise ValueError(f"the Python installation is under /tmp ({path}), where the sandbox mounts its "
                                 "scratch space: install it elsewhere")
            if not any(path == s or path.startswith(s + os.sep) for s in SYSTEM):
                args += ["--ro-bind", path, path]
        for path in masks(python + [os.path.realpath(p) for p in site.getsitepackages()]):
            args += ["--ro-bind", str(empty) if os.path.isdir(path) else "/dev/null", path]
        args += ["--ro-bind", str(lib), SANDBOX_LIB, "--remount-ro", "/dev", "--remount-ro", "/",
                 "--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETPCAP"]
        scratch = f"size={limits.scratch_mb * MB},nr_inodes={limits.scratch_files},mode=1777"
        return args + ["/bin/sh", "-c", MOUNT_AND_DROP, "sh", scratch, *DROP,
                       os.path.realpath(sys.executable), *python_args]

    def probe(self, lib: Path, empty: Path) -> str:
        """'' when a sandbox starts here and runs Python with the student side of srlib; else what failed."""
        if not sys.platform.startswith("linux"):
            return f"bubblewrap runs on Linux only (this is {sys.platform})"
        if not (os.path.isfile(self.path) and os.access(self.path, os.X_OK)):
            return f"bubblewrap is not installed ({self.path} not found)"
        code = boot(SANDBOX_LIB, python_paths(), "import numpy, srlib.course.grading.worker; print('sandbox ok')")
        try:
            done = subprocess.run(self.command(lib, empty, Limits(), ["-I", "-S", "-c", code]), capture_output=True,
                                  text=True, timeout=120, stdin=subprocess.DEVNULL)
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap could not start a sandbox ({exc})"
        if "sandbox ok" not in done.stdout:
            why = " ".join((done.stderr or done.stdout).split())[-300:]
            return f"bubblewrap could not start a sandbox here (user namespaces disabled?): {why}"
        return ""


def find_bwrap(path: str | None = None) -> str:
    """The bwrap to use: ``path``, else ``$SRLIB_BWRAP``, else the one on ``PATH`` ('' when none)."""
    return path or os.environ.get("SRLIB_BWRAP") or shutil.which("bwrap") or ""
