"""File writing helpers."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from generator.files import atomic_write_text


def test_rewritten_files_keep_their_mode(tmp_path: Path) -> None:
    path = tmp_path / "record.yaml"
    path.write_text("a: 1\n")
    os.chmod(path, 0o644)
    atomic_write_text(path, "a: 2\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    fresh = tmp_path / "new.yaml"
    atomic_write_text(fresh, "b: 1\n")
    assert stat.S_IMODE(fresh.stat().st_mode) & 0o044  # readable by others, as with open()


def test_a_full_disk_names_the_file_being_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    target = tmp_path / "papers" / "a.yaml"
    with pytest.raises(OSError) as raised:
        atomic_write_text(target, "id: a\n")
    assert raised.value.errno == errno.ENOSPC
    assert raised.value.filename == str(target)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # the temporary file is gone too
