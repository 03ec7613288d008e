"""The set of files a render makes, and writing it to the docs dir.

Output paths are checked for collisions, and only files whose bytes changed are rewritten, so
MkDocs' dirty builds and diffs see just the real changes."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import LitreviewError
from generator.files import atomic_write_bytes, holds

if TYPE_CHECKING:
    from generator.render.paper_pages import PaperPageInputs


class PageSet:
    """Output files by path relative to the docs dir; refuses to produce one path twice.

    A page can also be kept: its inputs have the same key as when the file on disk was written,
    so it is not rendered again (keys say what each page was made from)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.kept: set[str] = set()
        self.keys: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        self.paper_keys: set[str] = set()  # the fragments the pages were made with
        self.inputs: PaperPageInputs | None = None  # what the paper pages were made from

    def _claim(self, path: str) -> None:
        folded = path.casefold()
        if folded in self._folded:
            raise LitreviewError(
                f"two pages would be written to {path!r} (and {self._folded[folded]!r}); "
                "rename one of the ids"
            )
        self._folded[folded] = path

    def add(self, path: str, data: bytes | str, key: str | None = None) -> None:
        self._claim(path)
        self.files[path] = data.encode("utf-8") if isinstance(data, str) else data
        if key is not None:
            self.keys[path] = key

    def keep(self, path: str, key: str | None = None) -> None:
        self._claim(path)
        self.kept.add(path)
        if key is not None:
            self.keys[path] = key

    def paths(self) -> set[str]:
        return set(self.files) | self.kept


@dataclass(frozen=True)
class Written:
    """What write_pages changed in the docs dir (paths relative to it)."""

    written: list[str]
    removed: list[str]


def _stale_files(docs_dir: Path, expected: set[str]) -> tuple[list[Path], list[Path]]:
    """The files under docs_dir that are not `expected`, and the folders left empty without them."""
    stale: list[Path] = []
    empty: list[Path] = []
    top = str(docs_dir)
    for dirpath, _, filenames in os.walk(top, topdown=False):
        folder = os.path.relpath(dirpath, top).replace(os.sep, "/")
        prefix = "" if folder == "." else folder + "/"
        gone = [docs_dir / (prefix + name) for name in filenames if prefix + name not in expected]
        stale.extend(gone)
        if prefix and len(gone) == len(filenames):
            empty.append(docs_dir / folder)
    return stale, empty


def write_pages(
    pages: PageSet, docs_dir: Path, before_change: Callable[[bool], None] = lambda removing: None
) -> Written:
    """Make docs_dir hold exactly `pages`: write changed files, delete stale ones; kept pages
    are left as they are. `before_change(removing)` runs once, before the first file changes."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    stale, empty = _stale_files(docs_dir, pages.paths())
    changing = False
    written: list[str] = []
    for rel, data in sorted(pages.files.items()):
        target = docs_dir / rel
        if holds(target, data):
            continue
        if not changing:
            before_change(bool(stale))
            changing = True
        atomic_write_bytes(target, data, durable=False)
        written.append(rel)
    if stale and not changing:
        before_change(True)
    for path in stale:
        path.unlink()
    for folder in empty:
        if not any(folder.iterdir()):
            folder.rmdir()
    return Written(written, sorted(p.relative_to(docs_dir).as_posix() for p in stale))
