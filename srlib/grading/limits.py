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
- files: none larger than ``file_mb`` (``RLIMIT_FSIZE``).

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


def unsupported_limits(limits: Limits) -> list[str]:
    """The limits this platform cannot apply (the grader says so once, in its own process)."""
    missing = []
    try:
        import resource  # noqa: F401
    except ImportError:
        missing += ["memory", "CPU time", "file size"]
    if not sys.platform.startswith("linux") or platform.machine() not in _ARCH:
        missing += ["processes and signals"]
    return missing


def apply(limits: Limits) -> None:
    """Limit this process (call before student code runs); limits the platform lacks are skipped."""
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
