"""Files the generator reads and writes: only inside the review; atomically, and only when their
bytes change."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from generator.errors import LitreviewError

# The temporary file atomic_write_bytes writes before renaming it to `name`: `.name.XXXX.tmp`.
_TEMPORARY = re.compile(r"\..+\.[^.]+\.tmp")
STALE_TEMPORARY_SECONDS = 60.0  # a temporary this old was left by a writer that was killed


def is_temporary(name: str) -> bool:
    """Whether a file name is that of a temporary file of atomic_write_bytes."""
    return _TEMPORARY.fullmatch(name) is not None


def remove_stale_temporaries(folder: Path, older_than: float = STALE_TEMPORARY_SECONDS) -> list[str]:
    """Delete the temporary files of atomic_write_bytes in `folder` (not its subfolders) older
    than `older_than` seconds: a writer killed between writing and renaming left them. Younger
    ones may be another process's write in progress and stay. The names of those deleted."""
    removed = []
    limit = time.time() - older_than
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if not is_temporary(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < limit:
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue  # gone meanwhile, or not ours to delete
    return sorted(removed)


def files_under(root: Path) -> list[str]:
    """Every file under root, as paths relative to it with "/" separators. Strings, not Paths:
    pathlib is slow for the many pages of a large site."""
    found = []
    top = str(root)
    for dirpath, _, filenames in os.walk(top):
        folder = os.path.relpath(dirpath, top).replace(os.sep, "/")
        prefix = "" if folder == "." else folder + "/"
        found.extend(prefix + name for name in filenames)
    return found


def holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` already has exactly these bytes (so writing it can be skipped,
    keeping its mtime for MkDocs' dirty builds)."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half.

    `durable` flushes it to disk first; files that can be generated again skip that (an fsync
    per file is most of the cost of writing thousands of pages)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); keep the mode the file had, or the usual one.
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename is not None:
            raise
        # A full disk fails the write or the flush, whose errors name no file: name the one we write.
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def files_inside(folder: Path, root: Path) -> list[Path]:
    """The files under `folder` (by the paths as listed, sorted), following symbolic links only
    while they stay inside `root`: a link out of the review (to /proc/self/environ, a key, another
    project) is refused by name, so no file outside the review is read or published."""
    files: list[Path] = []
    seen: set[Path] = set()
    todo = [folder]
    while todo:
        current = todo.pop()
        real = current.resolve()
        if real in seen:  # a link back to a folder already listed
            continue
        seen.add(real)
        for entry in sorted(current.iterdir(), reverse=True):
            if entry.is_symlink() and not entry.resolve().is_relative_to(root):
                raise LitreviewError(
                    f"{entry} is a symbolic link to {entry.resolve()}, outside the review ({root}); "
                    "litreview reads no file outside the review: copy the file in or remove the link"
                )
            if entry.is_dir():
                todo.append(entry)
            elif entry.is_file():
                files.append(entry)
    return sorted(files)
