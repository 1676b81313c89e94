"""Per-task resource limits for the grader's student processes.

Applied by the student process to itself after its own imports and before any
student code runs, so a memory bomb, a CPU hog, a fork bomb or a disk filler
costs only its task:

- memory: the address space may grow by ``memory_mb`` beyond what the
  interpreter and its libraries already use (``RLIMIT_AS``); past it, an
  allocation fails with ``MemoryError``;
- CPU time: ``cpu_seconds`` beyond the imports (``RLIMIT_CPU``; the
  wall-clock limit is the grader's);
- files: none larger than ``file_mb`` (``RLIMIT_FSIZE``); in the sandbox
  (``srlib.course.grading.sandbox``) the only writable place is a private file system
  of ``scratch_mb`` and ``scratch_files`` files at most, gone with the task;
- processes and signals: the seccomp filter of ``srlib.course.grading.seccomp``.

Where the platform lacks one (no ``/proc/self/status``, no ``resource``
module, no seccomp), ``apply`` says so and the grader prints it: nothing is
skipped silently. Taught in: README (instructors' section).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from srlib.course.grading import seccomp

MB = 2**20


@dataclass(frozen=True)
class Limits:
    """What one task's student process may use."""

    memory_mb: int = 4096  # address space beyond PyTorch's own
    cpu_seconds: int = 300  # CPU time beyond the imports
    allow_processes: bool = False  # let student code start processes (refused by default)
    file_mb: int = 64  # largest file
    scratch_mb: int = 128  # the private writable file system (sandbox only)
    scratch_files: int = 4096  # files and folders in it (sandbox only)

    def __post_init__(self):
        if self.memory_mb < 256:
            raise ValueError(f"--memory {self.memory_mb} MB is too small to run PyTorch; give at least 256")
        if self.cpu_seconds < 1:
            raise ValueError(f"--cpu-seconds must be at least 1, got {self.cpu_seconds}")
        if self.scratch_mb < 1 or self.scratch_files < 16 or self.file_mb < 1:
            raise ValueError("the scratch space needs at least 1 MB and 16 files, and files at least 1 MB")

    def as_dict(self) -> dict:
        return asdict(self)


def vm_size_bytes() -> int | None:
    """This process's address-space size (``VmSize``), None where ``/proc/self/status`` is missing."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _rlimits(limits: Limits) -> list[str]:
    """Set the memory, CPU-time and file-size limits; the names of those that could not be set."""
    try:
        import resource
    except ImportError:  # Windows
        return ["memory", "CPU time", "file size"]
    missing = []
    used = resource.getrusage(resource.RUSAGE_SELF)
    vm = vm_size_bytes()
    wanted = {"memory": ("RLIMIT_AS", None if vm is None else vm + limits.memory_mb * MB),
              "CPU time": ("RLIMIT_CPU", int(used.ru_utime + used.ru_stime) + 1 + limits.cpu_seconds),
              "file size": ("RLIMIT_FSIZE", limits.file_mb * MB)}
    for what, (name, value) in wanted.items():
        try:
            if value is None or not hasattr(resource, name):
                raise ValueError(name)
            resource.setrlimit(getattr(resource, name), (value, value))
        except (ValueError, OSError):
            missing.append(what)
    return missing


def apply(limits: Limits) -> list[str]:
    """Limit this process (call before student code runs); the limits this platform could not apply."""
    missing = _rlimits(limits)
    try:
        seccomp.install(limits.allow_processes)
    except OSError:
        missing.append("signals" if limits.allow_processes else "processes and signals")
    return missing
