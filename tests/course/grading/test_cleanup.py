"""What the grader clears after a task when it runs unconfined: deep scratch trees, detached processes."""

import os
import subprocess
import sys
import time

import pytest

from srlib.course.grading import cleanup

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux: /proc and a child subreaper")


def test_a_deep_tree_is_removed_without_recursion_or_long_paths(tmp_path):
    """The deep-tree half of the disk-fill trick: 1,500 nested folders whose full path is far beyond PATH_MAX."""
    root = tmp_path / "scratch"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    for depth in range(1500):
        os.mkdir("d" * 40, dir_fd=fd)
        child = os.open("d" * 40, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
        if depth % 500 == 0:
            with open(os.open("data", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as f:
                f.write("x")
            os.symlink(str(tmp_path / "keep"), "link", dir_fd=fd)  # a link out of the tree: not followed
    os.close(fd)
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "precious").write_text("mine")
    (root / "locked" / "inner").mkdir(parents=True)
    os.chmod(root / "locked", 0)  # a student's chmod 000
    cleanup.remove_tree(str(root))
    assert not root.exists() and (tmp_path / "keep" / "precious").read_text() == "mine"
    cleanup.remove_tree(str(root))  # already gone: nothing to do


@linux
def test_detached_processes_become_the_graders_and_are_stopped():
    """The detached-Popen attack: a grandchild in a new session outlives its parent, then is stopped."""
    assert cleanup.become_subreaper()
    try:
        before = set(cleanup.children())
        script = ("import subprocess, sys\n"
                  "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True,\n"
                  "                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
                  "print(p.pid)")
        orphan = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True).stdout)
        time.sleep(0.2)
        assert orphan in cleanup.children()  # its parent is gone: it is ours now, not init's
        assert cleanup.stop_orphans(keep=before) == 1
        assert orphan not in cleanup.children() and not os.path.exists(f"/proc/{orphan}")
    finally:
        cleanup.become_subreaper(False)
