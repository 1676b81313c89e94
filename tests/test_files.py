"""srlib.files.atomic_path: a finished write replaces the file, an interrupted one leaves it as it was."""

import pytest

from srlib.files import atomic_path


def test_a_finished_write_replaces_the_file(tmp_path):
    path = tmp_path / "status.json"
    path.write_text("old")
    with atomic_path(path) as tmp:
        assert tmp != path and tmp.parent == path.parent
        tmp.write_text("new")
        assert path.read_text() == "old"  # nothing changes until the write has finished
    assert path.read_text() == "new" and not tmp.exists()


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "ckpt_000001.pt"
    path.write_text("whole")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(path) as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt  # a disconnect in the middle of the write
    assert path.read_text() == "whole" and list(tmp_path.iterdir()) == [path]
