"""Per-task resource limits for the grader's student processes.

Applied by the student process to itself after the grader's own imports and
before any student code runs, so a memory bomb, a fork bomb or a disk filler
costs only its task:

- memory: the address space may grow by ``memory_mb`` beyond what the
  interpreter and its libraries already use (``RLIMIT_AS``); past it, an
  allocation fails with ``MemoryError``;
- CPU time: ``cpu_seconds`` beyond the imports (``RLIMIT_CPU``; the wall-clock limit is separate);
- processes: none may be started (a seccomp filter refuses ``fork``,
  ``vfork`` and ``clone`` without ``CLONE_THREAD``, so threads still work),
  unless ``allow_processes``; and whatever ``allow_processes`` says, no
  signal may be sent to another process and no process may be traced;
- files: none larger than ``file_mb`` (``RLIMIT_FSIZE``); and with Landlock
  (Linux 5.13+), none opened outside the interpreter's and libraries' folders
  (read) and the task's scratch folder (write): not ``srlib``'s own files, so
  the course library cannot be imported, not ``/proc``, not other students'
  notebooks, not the grader's folders;

Linux (x86-64, arm64) applies all of them; elsewhere only what the platform
supports, and ``srlib grade`` says which it cannot. Taught in: README (instructors' section).
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 4096
    cpu_seconds: int = 300
    allow_processes: bool = False
    file_mb: int = 64

    def __post_init__(self):
        if self.memory_mb < 256:
            raise ValueError(f"--memory {self.memory_mb} MB is too small to run PyTorch; give at least 256")
        if self.cpu_seconds < 1:
            raise ValueError(f"--cpu-seconds must be at least 1, got {self.cpu_seconds}")

    def as_dict(self) -> dict:
        return asdict(self)


def _vm_size_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


# Seccomp (Linux): syscall numbers and audit architecture per machine.
_ARCH = {"x86_64": (0xC000003E, {"fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "kill": 62, "tkill": 200,
                                 "tgkill": 234, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311}),
         "aarch64": (0xC00000B7, {"clone": 220, "clone3": 435, "kill": 129, "tkill": 130, "tgkill": 131,
                                  "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271})}
_CLONE_THREAD = 0x00010000
_LD, _JEQ, _JSET, _RET = 0x20, 0x15, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JSET|K, BPF_RET|K
_ALLOW, _EPERM, _ENOSYS = 0x7FFF0000, 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS


def _bpf(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _filter(arch: int, nr: dict, own_pid: int, allow_processes: bool) -> list[bytes]:
    """BPF program: no signals to other processes, no ptrace; optionally no new processes.

    fork/vfork -> EPERM; clone3 -> ENOSYS (libc falls back to clone); clone only
    with CLONE_THREAD; kill/tkill/tgkill only to this process (the low word of
    their first argument must be our own pid); ptrace and process_vm_* -> EPERM.
    """
    prog = [_bpf(_LD, 4), _bpf(_JEQ, arch, 1, 0), _bpf(_RET, _ALLOW), _bpf(_LD, 0)]
    refused = ["ptrace", "process_vm_readv", "process_vm_writev"]
    if not allow_processes:
        refused += [n for n in ("fork", "vfork") if n in nr]
        prog += [_bpf(_JEQ, nr["clone3"], 0, 1), _bpf(_RET, _ENOSYS),
                 _bpf(_JEQ, nr["clone"], 0, 4), _bpf(_LD, 16), _bpf(_JSET, _CLONE_THREAD, 0, 1),
                 _bpf(_RET, _ALLOW), _bpf(_RET, _EPERM)]
    for name in refused:
        prog += [_bpf(_JEQ, nr[name], 0, 1), _bpf(_RET, _EPERM)]
    for name in ("kill", "tkill", "tgkill"):  # after this block the accumulator holds args[0], so reload nr
        prog += [_bpf(_JEQ, nr[name], 0, 4), _bpf(_LD, 16), _bpf(_JEQ, own_pid, 0, 1), _bpf(_RET, _ALLOW),
                 _bpf(_RET, _EPERM), _bpf(_LD, 0)]
    prog.append(_bpf(_RET, _ALLOW))
    return prog


def install_filter(allow_processes: bool = False) -> None:
    """Install the seccomp filter in this process (inherited by threads); OSError if unsupported."""
    machine = platform.machine()
    if not sys.platform.startswith("linux") or machine not in _ARCH:
        raise OSError(f"no seccomp filter for {sys.platform}/{machine}")
    arch, numbers = _ARCH[machine]
    prog = b"".join(_filter(arch, numbers, os.getpid(), allow_processes))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(prog)
    fprog = SockFprog(len(prog) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


# Landlock (Linux >= 5.13): which files the process may open, as an allow-list of path trees.
_LANDLOCK_CREATE, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT = 444, 445, 446  # same numbers on x86-64 and arm64
_FILE_RIGHTS = 1 | 2 | 4  # execute, write file, read file
_READ = 1 | 4 | 8  # execute, read file, read dir


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 where there is none."""
    if not sys.platform.startswith("linux"):
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    return max(0, libc.syscall(_LANDLOCK_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1)))


def restrict_files(readable: list[str], writable: list[str]) -> None:
    """Let this process open only files under ``readable`` (read) and ``writable`` (anything).

    Files opened before the call stay usable. OSError where Landlock is missing.
    """
    abi = landlock_abi()
    if abi < 1:
        raise OSError("no Landlock in this kernel")
    handled = (1 << 13) - 1 | (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0) | \
        (1 << 15 if abi >= 5 else 0)  # + refer, truncate, ioctl on devices
    libc = ctypes.CDLL(None, use_errno=True)
    attr = struct.pack("Q", handled)
    ruleset = libc.syscall(_LANDLOCK_CREATE, attr, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, rights in ((readable, _READ), (writable, handled)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                allowed = rights if os.path.isdir(path) else rights & (_FILE_RIGHTS | 1 << 14 | 1 << 15) & handled
                rule = struct.pack("=Qi", allowed, fd)  # struct landlock_path_beneath_attr (packed)
                result = libc.syscall(_LANDLOCK_ADD_RULE, ruleset, 1, rule, ctypes.c_uint32(0))
                os.close(fd)
                if result < 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS, needed by landlock_restrict_self
        if libc.syscall(_LANDLOCK_RESTRICT, ruleset, ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def readable_paths(hidden: tuple[str, ...] = ("srlib", "__editable__", "_srlib")) -> list[str]:
    """What student code may read: the interpreter's and libraries' files, never srlib's own.

    Each entry of each ``sys.path`` folder is allowed on its own, so the folder that
    holds ``srlib`` (site-packages, or the course checkout) stays open but ``srlib``
    itself does not: the course library cannot be imported, wrapped or read.
    """
    paths = ["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib", "/dev/null", "/dev/urandom"]
    for folder in dict.fromkeys(p for p in sys.path if p and os.path.isdir(p)):
        for name in os.listdir(folder):
            if not name.startswith(hidden):
                paths.append(os.path.join(folder, name))
    return [p for p in dict.fromkeys(paths) if os.path.exists(p)]


def unsupported_limits(limits: Limits) -> list[str]:
    """The limits this platform cannot apply (the grader says so once, in its own process)."""
    import importlib.util

    missing = []
    if importlib.util.find_spec("resource") is None:  # Windows
        missing += ["memory", "CPU time", "file size"]
    if not sys.platform.startswith("linux") or platform.machine() not in _ARCH:
        missing += ["signals" if limits.allow_processes else "processes and signals"]
    if landlock_abi() < 1:
        missing += ["file access (the course library stays importable)"]
    return missing


def apply(limits: Limits, scratch: str | None = None) -> None:
    """Limit this process (call before student code runs); limits the platform lacks are skipped.

    With ``scratch``, files too: the process may then read the interpreter's and
    its libraries' files (not srlib's) and write only in ``scratch``.
    """
    mb = 2**20
    try:
        import resource

        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu = int(used.ru_utime + used.ru_stime) + 1 + limits.cpu_seconds  # the limit counts the imports too
        for name, value in (("RLIMIT_AS", _vm_size_bytes() + limits.memory_mb * mb),
                            ("RLIMIT_CPU", cpu), ("RLIMIT_FSIZE", limits.file_mb * mb)):
            if hasattr(resource, name):
                resource.setrlimit(getattr(resource, name), (value, value))
    except (ImportError, ValueError, OSError):
        pass
    try:
        install_filter(limits.allow_processes)
    except OSError:
        pass
    if scratch is not None:
        try:
            restrict_files(readable_paths(), [scratch])
        except OSError:
            pass
