"""Input files are read again only when their status changed, and an edit is never missed: not
when it keeps the size and sets the mtime back, nor when it lands right after a build read the
file."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from generator.build.pipeline import generate
from generator.cache import digests as digests_module
from generator.cache.digests import FileDigests, file_digest
from generator.cache.store import Cache
from generator.config import Settings
from generator.errors import ProblemLog
from generator.project import Project

HOUR_NS = 3600 * 10**9


def age(path: Path, ns: int = HOUR_NS) -> None:
    """Make a file look written long ago (its mtime; its ctime stays the real one)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns - ns, stat.st_mtime_ns - ns))


def digests_of(cache: Cache, paths: list[Path], *, settled: bool = True) -> FileDigests:
    digests = FileDigests(cache, "scope")
    for path in paths:
        digests.digest(str(path))
    if settled:
        digests.started += 2 * HOUR_NS  # as if the build ran long after the files were written
    digests.save()
    return digests


def test_an_unchanged_file_is_not_read_again(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    files = [tmp_path / f"{n}.yaml" for n in range(3)]
    for n, path in enumerate(files):
        path.write_bytes(f"record {n}\n".encode())
    first = digests_of(cache, files)
    assert set(first.read) == {str(p) for p in files}
    second = FileDigests(cache, "scope")
    assert [second.digest(str(p)) for p in files] == [file_digest(p.read_bytes()) for p in files]
    assert second.read == {}
    assert FileDigests(cache, "another scope").known == {}


def test_an_edit_that_keeps_size_and_mtime_is_seen(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    path = tmp_path / "a.yaml"
    path.write_bytes(b"tags: [a]\n")
    age(path)
    digests_of(cache, [path])
    before = path.stat()
    time.sleep(0.05)  # past the file system clock's tick, so the ctime moves
    path.write_bytes(b"tags: [b]\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    again = FileDigests(cache, "scope")
    assert again.digest(str(path)) == file_digest(b"tags: [b]\n")
    assert str(path) in again.read


def test_a_file_written_just_before_the_build_is_read_again_next_time(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    path = tmp_path / "a.yaml"
    path.write_bytes(b"tags: [a]\n")
    digests_of(cache, [path], settled=False)
    # Its status was not remembered: a second write in the same clock tick could hide.
    again = FileDigests(cache, "scope")
    again.digest(str(path))
    assert str(path) in again.read


def test_a_damaged_table_means_reading_everything(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    path = tmp_path / "a.yaml"
    path.write_bytes(b"x\n")
    digests_of(cache, [path])
    for entry in (tmp_path / "cache").iterdir():
        entry.write_bytes(entry.read_bytes()[:-3])
    again = FileDigests(cache, "scope")
    assert again.known == {}
    assert again.digest(str(path)) == file_digest(b"x\n")


def test_a_build_sees_a_record_edit_that_kept_size_and_mtime(
    review: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole pipeline, with every input file's status trusted at once."""
    monkeypatch.setattr(digests_module, "RACY_NS", 0)
    two_tags = re.compile(r"^tags:\n- .+\n- ", re.MULTILINE)
    records = sorted(review.papers_dir.glob("*.yaml"))
    record = next(p for p in records if two_tags.search(p.read_text("utf-8")))
    text = record.read_text(encoding="utf-8")
    first, second = text.split("tags:\n", 1)[1].splitlines()[:2]
    assert first.startswith("- ") and second.startswith("- ")
    page = review.docs_dir / "papers" / f"{record.stem}.md"

    def order() -> tuple[int, int]:
        line = next(line for line in page.read_text("utf-8").splitlines() if 'class="lr-tags"' in line)
        return line.index(f"topics/{first[2:]}.md"), line.index(f"topics/{second[2:]}.md")

    generate(review, ProblemLog(review.root), Settings(site_title="Review"))
    assert order()[0] < order()[1]
    remembered = FileDigests(Cache(review.work_dir / "cache"), str(review.root)).known
    assert str(record).replace(os.sep, "/") in remembered
    before = record.stat()
    time.sleep(0.05)  # past the file system clock's tick, so the ctime moves
    record.write_text(text.replace(f"{first}\n{second}\n", f"{second}\n{first}\n", 1), encoding="utf-8")
    os.utime(record, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert record.stat().st_size == before.st_size and record.read_text("utf-8") != text
    generate(review, ProblemLog(review.root), Settings(site_title="Review"))
    assert order()[0] > order()[1]


def test_statuses_with_any_inode_number_are_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some file systems (FUSE, network ones) use all 64 bits of an inode number."""
    cache = Cache(tmp_path / "cache")
    path = tmp_path / "a.yaml"
    path.write_bytes(b"x\n")
    real_stat = os.stat

    class Status:
        def __init__(self, stat: os.stat_result) -> None:
            self.st_size, self.st_mtime_ns = stat.st_size, stat.st_mtime_ns
            self.st_ctime_ns, self.st_ino = stat.st_ctime_ns, 2**64 - 5

    def stat(target: object, **options: object) -> object:
        found = real_stat(target, **options)  # type: ignore[arg-type]
        return Status(found) if str(target) == str(path) else found

    monkeypatch.setattr(digests_module.os, "stat", stat)
    digests_of(cache, [path])
    again = FileDigests(cache, "scope")
    assert again.digest(str(path)) == file_digest(b"x\n")
    assert again.read == {}
