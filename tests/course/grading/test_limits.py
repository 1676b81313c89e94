"""The student process's limits: one test per seccomp rule, the resource limits, and what a platform lacks."""

import platform
import subprocess
import sys

import pytest

from srlib.course.grading import seccomp
from srlib.course.grading.limits import Limits, apply

LINUX = sys.platform.startswith("linux") and platform.machine() in seccomp.SYSCALLS
needs_seccomp = pytest.mark.skipif(not LINUX, reason="the seccomp filter is for Linux on x86-64 and arm64")


def run_filtered(body: str, allow_processes: bool = False) -> str:
    """Run ``body`` in a fresh interpreter after installing the filter; its output."""
    script = ("import ctypes, errno, importlib.util, os, signal, subprocess, threading\n"
              f"spec = importlib.util.spec_from_file_location('seccomp', {seccomp.__file__!r})\n"
              "seccomp = importlib.util.module_from_spec(spec)\n"
              "spec.loader.exec_module(seccomp)  # alone: a fresh interpreter need not import torch\n"
              "libc = ctypes.CDLL(None, use_errno=True)\n"
              "def err(result):\n    return 'refused' if result == -1 and ctypes.get_errno() == errno.EPERM else 'allowed'\n"
              f"seccomp.install(allow_processes={allow_processes})\n" + body)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


@needs_seccomp
def test_rule_1_no_new_processes_and_no_new_threads():
    """Grading runs as root, where RLIMIT_NPROC does not bind: 3,000 threads started in 0.55 s (red team, round 4)."""
    out = run_filtered("for start in (os.fork, lambda: subprocess.run(['true'])):\n"
                       "    try:\n        start(); print('started a process')\n"
                       "    except OSError as exc:\n        print('refused', exc.errno)\n"
                       "try:\n    t = threading.Thread(target=print, args=('thread ran',)); t.start(); t.join()\n"
                       "except RuntimeError as exc:\n    print('thread refused', exc)\n"
                       "nr = seccomp.SYSCALLS[os.uname().machine][1]\n"
                       "print('io_uring', err(libc.syscall(nr['io_uring_setup'], 8, 0)))\n")
    assert out.count("refused 1") == 2 and "started a process" not in out, out
    assert "thread refused" in out and "thread ran" not in out and "io_uring refused" in out, out


@needs_seccomp
def test_rule_1_lifted_lets_threads_start():
    out = run_filtered("t = threading.Thread(target=print, args=('thread ran',)); t.start(); t.join()\n",
                       allow_processes=True)
    assert "thread ran" in out, out


@needs_seccomp
def test_rule_1_is_lifted_by_allow_processes_but_not_rule_4():
    out = run_filtered("print(subprocess.run(['true']).returncode)\n"
                       "CLONE_NEWUSER, SIGCHLD = 0x10000000, 17\n"
                       "print('namespace clone', err(libc.syscall(seccomp.SYSCALLS[os.uname().machine][1]['clone'],"
                       " CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)))\n", allow_processes=True)
    assert out.splitlines()[0] == "0" and "namespace clone refused" in out, out


@needs_seccomp
def test_rule_2_signals_only_to_itself():
    out = run_filtered("signal.signal(signal.SIGUSR1, lambda *a: print('own signal'))\n"
                       "os.kill(os.getpid(), signal.SIGUSR1)\n"
                       "for target in (os.getppid(), 1, -1, 0):\n"
                       "    try:\n        os.kill(target, 0); print('signalled', target)\n"
                       "    except OSError as exc:\n        print('refused', exc.errno)\n")
    assert "own signal" in out and out.count("refused 1") == 4 and "signalled" not in out, out


@needs_seccomp
@pytest.mark.parametrize("allow_processes", [False, True])
def test_rule_2_no_pidfd_and_no_queued_signal_to_another(allow_processes):
    """``pidfd_send_signal(pidfd_open(getppid()), SIGKILL)`` ended an --unconfined grader (red team, round 4)."""
    out = run_filtered("nr = seccomp.SYSCALLS[os.uname().machine][1]\n"
                       "print('pidfd_open', err(libc.syscall(nr['pidfd_open'], os.getppid(), 0)))\n"
                       "proc = os.open(f'/proc/{os.getppid()}', os.O_RDONLY)  # a /proc/PID folder is a pidfd too\n"
                       "print('pidfd_send_signal', err(libc.syscall(nr['pidfd_send_signal'], proc, 0, 0, 0)))\n"
                       "print('pidfd_getfd', err(libc.syscall(nr['pidfd_getfd'], proc, 0, 0)))\n"
                       "info = ctypes.create_string_buffer(128)\n"
                       "print('rt_sigqueueinfo', err(libc.syscall(nr['rt_sigqueueinfo'], os.getppid(), 0, info)))\n"
                       "print('rt_tgsigqueueinfo', err(libc.syscall(nr['rt_tgsigqueueinfo'], os.getppid(), "
                       "os.getppid(), 0, info)))\n"
                       "signal.signal(signal.SIGUSR1, lambda *a: print('own queued signal'))\n"
                       "signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])\n"
                       "info = (ctypes.c_int * 32)(signal.SIGUSR1, 0, -1, os.getpid(), os.getuid())  # SI_QUEUE\n"
                       "print('own', err(libc.syscall(nr['rt_sigqueueinfo'], os.getpid(), signal.SIGUSR1, info)))\n"
                       "signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGUSR1])\n", allow_processes)
    for call in ("pidfd_open", "pidfd_send_signal", "pidfd_getfd", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        assert f"{call} refused" in out, out
    assert "own allowed" in out and "own queued signal" in out, out


@needs_seccomp
def test_rule_3_no_reaching_another_process():
    out = run_filtered("nr = seccomp.SYSCALLS[os.uname().machine][1]\n"
                       "PTRACE_ATTACH = 16\n"
                       "print('ptrace', err(libc.ptrace(PTRACE_ATTACH, os.getppid(), 0, 0)))\n"
                       "print('vm_read', err(libc.syscall(nr['process_vm_readv'], os.getppid(), 0, 0, 0, 0, 0)))\n"
                       "print('vm_write', err(libc.syscall(nr['process_vm_writev'], os.getppid(), 0, 0, 0, 0, 0)))\n"
                       "print('memfd', err(libc.memfd_create(b'hoard', 0)))\n")
    assert "ptrace refused" in out and "vm_read refused" in out and "vm_write refused" in out, out
    assert "memfd refused" in out, out  # memory in a file, beyond the address-space limit


@needs_seccomp
def test_rule_4_no_new_namespaces():
    out = run_filtered("CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000\n"
                       "print('unshare', err(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS)))\n"
                       "print('setns', err(libc.setns(os.open('/proc/self/ns/uts', os.O_RDONLY), 0)))\n")
    assert "unshare refused" in out and "setns refused" in out, out


@pytest.mark.skipif(platform.machine() != "x86_64" or not LINUX, reason="x32 numbers exist on x86-64 only")
def test_rule_5_no_other_numbering():
    out = run_filtered("print('x32 getpid', err(libc.syscall(seccomp.X32_SYSCALL_BIT | 39)))\n")
    assert "x32 getpid refused" in out, out
    prog = seccomp.program(seccomp.AUDIT_ARCH_X86_64, seccomp.SYSCALLS["x86_64"][1], 1, False)
    # a foreign architecture (32-bit int 0x80) is refused by the filter's first three instructions
    assert prog[1] == seccomp._op(seccomp.BPF_JEQ_K, seccomp.AUDIT_ARCH_X86_64, 1, 0)
    assert prog[2] == seccomp._op(seccomp.BPF_RET_K, seccomp.REFUSE)


def test_the_filter_is_refused_where_it_cannot_run(monkeypatch):
    monkeypatch.setattr(seccomp.platform, "machine", lambda: "sparc64")
    with pytest.raises(OSError, match="no seccomp filter"):
        seccomp.install()


def test_limits_refuse_absurd_values():
    with pytest.raises(ValueError, match="too small to run PyTorch"):
        Limits(memory_mb=10)
    with pytest.raises(ValueError, match="scratch"):
        Limits(scratch_files=1)


@needs_seccomp
def test_memory_limit_applies_and_missing_limits_are_named(monkeypatch):
    script = ("import torch\nfrom srlib.course.grading.limits import Limits, apply\n"
              "(torch.ones(64, 64) @ torch.ones(64, 64)).sum()\n"  # PyTorch's thread pool starts first, as in the worker
              "print('missing', apply(Limits(memory_mb=512)))\n"
              "print((torch.ones(64, 64) @ torch.ones(64, 64)).sum().item())\n"
              "try:\n    b = bytearray(2 * 2**30)\nexcept MemoryError:\n    print('memory refused')\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120).stdout
    assert "missing []" in out and "262144.0" in out and "memory refused" in out, out
    import srlib.course.grading.limits as limits_module

    monkeypatch.setattr(limits_module, "vm_size_bytes", lambda: None)  # no /proc/self/status (macOS)
    monkeypatch.setattr(limits_module.seccomp, "install", lambda allow: (_ for _ in ()).throw(OSError("none")))
    import resource

    before = resource.getrlimit(resource.RLIMIT_CPU), resource.getrlimit(resource.RLIMIT_FSIZE)
    monkeypatch.setattr(resource, "setrlimit", lambda *a: None)  # this test process keeps its own limits
    assert apply(Limits()) == ["memory", "processes and signals"]
    assert (resource.getrlimit(resource.RLIMIT_CPU), resource.getrlimit(resource.RLIMIT_FSIZE)) == before
