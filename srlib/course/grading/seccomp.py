"""A seccomp filter for the grader's student processes: no new processes, no reaching other processes.

The student process installs it on itself after its imports, before any
student code runs; threads inherit it. Rules (each has a test in
``tests/course/grading/test_limits.py``):

1. ``fork`` and ``vfork`` fail with EPERM, ``clone`` too (a new process, and
   a new thread: ``CLONE_THREAD``), and ``clone3`` with ENOSYS (so libc falls
   back to ``clone``): no new processes, so no fork bomb and nothing that
   outlives the task, and no new threads while the task runs (the worker's
   thread pools start before the filter). Grading runs as root, where
   ``RLIMIT_NPROC`` does not bind: refusing threads is the limit that holds
   for every user. ``io_uring_setup`` fails too (its kernel workers are
   threads, and its operations pass no filter). ``allow_processes`` lifts
   this rule (processes and threads, neither counted), not the next ones.
2. ``kill``, ``tkill``, ``tgkill``, ``rt_sigqueueinfo`` and
   ``rt_tgsigqueueinfo`` work only on the process itself, and
   ``pidfd_open``, ``pidfd_send_signal`` and ``pidfd_getfd`` fail (a pidfd,
   or a ``/proc/PID`` folder opened, would signal any process): no signal
   to the grader or to anyone else.
3. ``ptrace``, ``process_vm_readv`` and ``process_vm_writev`` fail: no
   reading or writing another process's memory; ``memfd_create`` fails: no
   memory held in files outside the address-space limit.
4. ``unshare``, ``setns`` and a ``clone`` into new namespaces fail (a new
   user namespace would let code mount file systems of its own).
5. A system call of another ABI (32-bit ``int 0x80``, x32 numbers on
   x86-64) fails: the rules above cannot be bypassed by another numbering.

Linux only (x86-64, arm64): elsewhere ``install`` raises OSError and the
grader says the rule is not applied. Taught in: README (instructors' section).
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys

# Audit architectures and system call numbers (linux/audit.h, the kernel's syscall tables).
AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64 = 0xC000003E, 0xC00000B7
SYSCALLS = {
    "x86_64": (AUDIT_ARCH_X86_64, {"fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "kill": 62, "tkill": 200,
                                   "tgkill": 234, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
                                   "unshare": 272, "setns": 308, "memfd_create": 319, "rt_sigqueueinfo": 129,
                                   "rt_tgsigqueueinfo": 297, "pidfd_send_signal": 424, "pidfd_open": 434,
                                   "pidfd_getfd": 438, "io_uring_setup": 425}),
    "aarch64": (AUDIT_ARCH_AARCH64, {"clone": 220, "clone3": 435, "kill": 129, "tkill": 130, "tgkill": 131,
                                     "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
                                     "unshare": 97, "setns": 268, "memfd_create": 279, "rt_sigqueueinfo": 138,
                                     "rt_tgsigqueueinfo": 240, "pidfd_send_signal": 424, "pidfd_open": 434,
                                     "pidfd_getfd": 438, "io_uring_setup": 425}),
}
SIGNALS = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")  # arg0: the process (or group)
X32_SYSCALL_BIT = 0x40000000  # x86-64's x32 ABI numbers carry this bit
CLONE_THREAD = 0x00010000  # linux/sched.h
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
NEW_NAMESPACES = (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID
                  | CLONE_NEWNET)

# struct seccomp_data offsets (linux/seccomp.h): nr, arch, then (after the instruction pointer) args[0]
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0 = 0, 4, 16
# classic BPF opcodes (linux/filter.h)
BPF_LD_W_ABS = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS: load a 32-bit word of seccomp_data
BPF_JEQ_K = 0x05 | 0x10 | 0x00  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JGE_K = 0x05 | 0x30 | 0x00  # BPF_JMP | BPF_JGE | BPF_K
BPF_JSET_K = 0x05 | 0x40 | 0x00  # BPF_JMP | BPF_JSET | BPF_K
BPF_RET_K = 0x06 | 0x00  # BPF_RET | BPF_K
# filter verdicts (linux/seccomp.h)
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
REFUSE = SECCOMP_RET_ERRNO | errno.EPERM
NOT_THERE = SECCOMP_RET_ERRNO | errno.ENOSYS
# prctl options (linux/prctl.h, linux/seccomp.h)
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    """One BPF instruction (struct sock_filter)."""
    return struct.pack("HBBI", code, jt, jf, k)


def program(arch: int, nr: dict[str, int], own_pid: int, allow_processes: bool) -> list[bytes]:
    """The filter's instructions for ``arch`` with system call numbers ``nr`` (see the rules above)."""
    prog = [_op(BPF_LD_W_ABS, OFFSET_ARCH), _op(BPF_JEQ_K, arch, 1, 0), _op(BPF_RET_K, REFUSE),  # rule 5
            _op(BPF_LD_W_ABS, OFFSET_NR)]
    if arch == AUDIT_ARCH_X86_64:
        prog += [_op(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1), _op(BPF_RET_K, REFUSE)]  # rule 5: x32 numbers
    refused = ["ptrace", "process_vm_readv", "process_vm_writev", "memfd_create", "unshare", "setns",  # rules 3, 4
               "pidfd_open", "pidfd_send_signal", "pidfd_getfd"]  # rule 2
    clone = [_op(BPF_LD_W_ABS, OFFSET_ARG0), _op(BPF_JSET_K, NEW_NAMESPACES, 0, 1), _op(BPF_RET_K, REFUSE)]
    if allow_processes:
        clone += [_op(BPF_RET_K, SECCOMP_RET_ALLOW)]
    else:  # rule 1: no process, no thread
        refused += [n for n in ("fork", "vfork") if n in nr] + ["io_uring_setup"]
        clone += [_op(BPF_RET_K, REFUSE)]
    prog += [_op(BPF_JEQ_K, nr["clone3"], 0, 1), _op(BPF_RET_K, NOT_THERE),  # its flags are out of reach
             _op(BPF_JEQ_K, nr["clone"], 0, len(clone))] + clone
    for name in refused:
        prog += [_op(BPF_JEQ_K, nr[name], 0, 1), _op(BPF_RET_K, REFUSE)]
    for name in SIGNALS:  # rule 2; after this block the accumulator holds arg0: reload nr
        prog += [_op(BPF_JEQ_K, nr[name], 0, 4), _op(BPF_LD_W_ABS, OFFSET_ARG0), _op(BPF_JEQ_K, own_pid, 0, 1),
                 _op(BPF_RET_K, SECCOMP_RET_ALLOW), _op(BPF_RET_K, REFUSE), _op(BPF_LD_W_ABS, OFFSET_NR)]
    prog.append(_op(BPF_RET_K, SECCOMP_RET_ALLOW))
    return prog


def install(allow_processes: bool = False) -> None:
    """Install the filter in this process (threads started later inherit it); OSError where unsupported."""
    machine = platform.machine()
    if not sys.platform.startswith("linux") or machine not in SYSCALLS:
        raise OSError(f"no seccomp filter for {sys.platform}/{machine}")
    arch, numbers = SYSCALLS[machine]
    prog = b"".join(program(arch, numbers, os.getpid(), allow_processes))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(prog)
    fprog = SockFprog(len(prog) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
