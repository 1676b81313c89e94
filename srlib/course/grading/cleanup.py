"""What the grader clears after each task when it runs without the sandbox (``--unconfined``).

- ``remove_tree``: delete a task's scratch folder however deep a student made
  it. It never recurses and never builds long paths (it walks with open
  folders and ``..``), so ``RecursionError`` or ``ENAMETOOLONG`` cannot stop it
  (``shutil.rmtree`` recurses: 1,500 nested folders stop it on Python 3.10-3.12).
- ``become_subreaper`` and ``stop_orphans`` (Linux): processes a student's code
  left behind, even in a new session, become the grader's children instead of
  init's, and are killed after the task.

In the sandbox neither is needed: its scratch is a private file system and its
processes end with its PID namespace. Taught in: README (instructors' section).
"""

from __future__ import annotations

import ctypes
import os
import signal
import stat
import sys

PR_SET_CHILD_SUBREAPER = 36  # prctl option (linux/prctl.h)


def _open_folder(name: str, parent: int) -> int:
    """The folder ``name`` in ``parent``, opened without following links (made readable first if needed)."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        return os.open(name, flags, dir_fd=parent)
    except PermissionError:  # a student's chmod 000: the owner may change it back
        os.chmod(name, 0o700, dir_fd=parent)
        return os.open(name, flags, dir_fd=parent)


def _first_folder(fd: int) -> str | None:
    """Remove files from the open folder ``fd`` until a subfolder turns up; its name, or None when empty."""
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                return entry.name
            os.unlink(entry.name, dir_fd=fd)
    return None


def remove_tree(path: str) -> None:
    """Delete ``path`` and everything under it, at any depth, without following links.

    A walk with two open folders at a time: down into the first subfolder,
    back up through ``..`` once a folder is empty. No recursion, no long paths.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)
        return
    if os.scandir not in os.supports_fd or os.unlink not in os.supports_dir_fd:  # not POSIX: the plain way
        import shutil

        shutil.rmtree(path, ignore_errors=True)
        return
    path = os.path.abspath(path)
    parent = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd = _open_folder(os.path.basename(path), parent)
    finally:
        os.close(parent)
    names: list[str] = []  # the folders entered below ``path``, outermost first
    try:
        while True:
            name = _first_folder(fd)
            if name is not None:
                child = _open_folder(name, fd)
                os.close(fd)
                fd = child
                names.append(name)
                continue
            if not names:
                break
            up = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = up
            os.rmdir(names.pop(), dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(path)


def become_subreaper(on: bool = True) -> bool:
    """Make orphaned descendants this process's children (Linux; ``on=False`` undoes it); whether it worked."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0


def children() -> list[int]:
    """Process ids whose parent is this process (from /proc; empty where there is no /proc)."""
    me, found = os.getpid(), []
    try:
        pids = [int(n) for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()  # the name may hold spaces and parentheses
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me:
            found.append(pid)
    return found


def stop_orphans(keep: set[int] = frozenset()) -> int:
    """Kill and reap every child of this process not in ``keep``, until none is left; how many."""
    stopped = 0
    for _ in range(100):  # killing one may hand us its own children
        pids = [p for p in children() if p not in keep]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                stopped += 1
            except (ProcessLookupError, ChildProcessError):
                pass
    return stopped
