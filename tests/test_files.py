"""File writing helpers."""

from __future__ import annotations

import os
import stat
from pathlib import Path

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
