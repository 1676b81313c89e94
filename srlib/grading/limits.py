"""Per-task resource limits for the grader's student processes.

Applied by the student process to itself after the grader's own imports and
before any student code runs, so a memory bomb, a fork bomb or a disk filler
costs only its task:

- memory: the address space may grow by ``memory_mb`` beyond what the
  interpreter and its libraries already use (``RLIMIT_AS``); past it, an
  allocation fails with ``MemoryError``;
- CPU time: ``cpu_seconds`` (``RLIMIT_CPU``; the wall-clock limit is separate);
- processes: none may be started (a seccomp filter refuses ``fork``,
  ``vfork`` and ``clone`` without ``CLONE_THREAD``, so threads still work),
  unless ``allow_processes``;
- files: none larger than ``file_mb`` (``RLIMIT_FSIZE``).

Linux applies all four; elsewhere only what the platform supports (and
``srlib grade`` says so). Taught in: README (instructors' section).
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
_ARCH = {"x86_64": (0xC000003E, {"fork": 57, "vfork": 58, "clone": 56, "clone3": 435}),
         "aarch64": (0xC00000B7, {"clone": 220, "clone3": 435})}
_CLONE_THREAD = 0x00010000


def _bpf(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _no_processes_filter(arch: int, numbers: dict) -> list[bytes]:
    """BPF: fork/vfork -> EPERM; clone3 -> ENOSYS (libc falls back to clone); clone of a thread only."""
    LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JSET|K, BPF_RET|K
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
    prog = [_bpf(LD, 4), _bpf(JEQ, arch, 1, 0), _bpf(RET, allow), _bpf(LD, 0)]
    for name in ("fork", "vfork"):
        if name in numbers:
            prog += [_bpf(JEQ, numbers[name], 0, 1), _bpf(RET, eperm)]
    prog += [_bpf(JEQ, numbers["clone3"], 0, 1), _bpf(RET, enosys),
             _bpf(JEQ, numbers["clone"], 0, 3), _bpf(LD, 16),  # clone: load the low word of its flags
             _bpf(JSET, _CLONE_THREAD, 1, 0), _bpf(RET, eperm), _bpf(RET, allow)]
    return prog


def forbid_new_processes() -> None:
    """Install a seccomp filter that lets threads start but no process; OSError if unsupported."""
    machine = platform.machine()
    if not sys.platform.startswith("linux") or machine not in _ARCH:
        raise OSError(f"no seccomp filter for {sys.platform}/{machine}")
    arch, numbers = _ARCH[machine]
    prog = b"".join(_no_processes_filter(arch, numbers))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(prog)
    fprog = SockFprog(len(prog) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def apply(limits: Limits) -> list[str]:
    """Limit this process (call before student code runs); returns the limits that could not be applied."""
    import resource

    missing = []
    mb = 2**20
    wanted = [("memory", "RLIMIT_AS", _vm_size_bytes() + limits.memory_mb * mb),
              ("CPU time", "RLIMIT_CPU", limits.cpu_seconds),
              ("file size", "RLIMIT_FSIZE", limits.file_mb * mb)]
    for label, name, value in wanted:
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (AttributeError, ValueError, OSError):
            missing.append(label)
    if not limits.allow_processes:
        try:
            forbid_new_processes()
        except OSError:
            missing.append("processes")
    return missing
