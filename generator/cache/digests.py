"""Digests of the review's input files, each remembered with the file's status (size, times,
inode), so that a build reads only the files that changed since the last one.

Asking the file system for a file's status is much cheaper than reading and hashing it. Any write
to a file changes its ctime (which, unlike the mtime, no program can set back) and usually its
mtime or size; a file replaced by a rename has a new inode. A file written within RACY_NS of the
moment its status was taken could still change in the same tick of the file system's clock without
its status showing it (what Git calls "racily clean"), so such a digest is not remembered: the file
is read again next time."""

from __future__ import annotations

import hashlib
import os
import time

import numpy as np

from generator.cache.store import Cache, content_key

DIGESTS_CACHE = "file-digests"
RACY_NS = 2_000_000_000
DIGEST_BYTES = 16


def file_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=DIGEST_BYTES).digest()


class FileDigests:
    """The digest of each file's bytes, by path; read from disk only when the file's status is not
    the one remembered. Call save() to remember the statuses for the next build."""

    def __init__(self, cache: Cache | None, scope: str) -> None:
        self.cache, self.key = cache, content_key(DIGESTS_CACHE, "2", scope)
        stored = cache.get(DIGESTS_CACHE, self.key) if cache is not None else None
        if not (isinstance(stored, tuple) and len(stored) == 4):
            stored = ((), np.zeros((0, 2), dtype=np.uint64), np.zeros((0, 2), dtype=np.int64), b"")
        # Sizes and inodes (some file systems use all 64 bits of an inode), then the two times
        # (before 1970 they are negative).
        self.stored: tuple[tuple[str, ...], np.ndarray, np.ndarray, bytes] = stored
        self.place = {path: n for n, path in enumerate(stored[0])}
        self.statuses = [
            [size, mtime, ctime, inode]
            for (size, inode), (mtime, ctime) in zip(stored[1].tolist(), stored[2].tolist(), strict=True)
        ]
        self.seen: dict[str, tuple[list[int], bytes]] = {}
        self.read: dict[str, bytes] = {}  # the bytes of the files read this time, by path
        self.started = time.time_ns()

    @property
    def known(self) -> dict[str, bytes]:
        """The digests remembered from the last build, by path."""
        digests = self.stored[3]
        return {p: digests[n * DIGEST_BYTES : (n + 1) * DIGEST_BYTES] for p, n in self.place.items()}

    def size(self, path: str) -> int:
        """The size of a file seen in this build."""
        return self.seen[path][0][0]

    def digest(self, path: str) -> bytes:
        """The digest of the file at `path`: as seen earlier in this build, else as remembered if
        its status is unchanged, else read now (OSError if it is gone)."""
        seen = self.seen.get(path)
        if seen is not None:
            return seen[1]
        stat = os.stat(path)
        status = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        n = self.place.get(path)
        if n is not None and self.statuses[n] == status:
            digest = self.stored[3][n * DIGEST_BYTES : (n + 1) * DIGEST_BYTES]
        else:
            with open(path, "rb") as handle:
                data = handle.read()
            self.read[path] = data
            digest = file_digest(data)
            stat = os.stat(path)  # as it is now: a file changed while it was read is recent
            status = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        self.seen[path] = (status, digest)
        return digest

    def save(self) -> None:
        """Remember the digests of the files seen, except those too recently written to trust."""
        if self.cache is None:
            return
        settled = self.started - RACY_NS
        kept = sorted(
            (path, status, digest)
            for path, (status, digest) in self.seen.items()
            if status[1] < settled and status[2] < settled
        )
        paths = tuple(path for path, _, _ in kept)
        sizes = np.array([(s[0], s[3]) for _, s, _ in kept], dtype=np.uint64).reshape(-1, 2)
        times = np.array([(s[1], s[2]) for _, s, _ in kept], dtype=np.int64).reshape(-1, 2)
        digests = b"".join(digest for _, _, digest in kept)
        same = paths == self.stored[0] and digests == self.stored[3]
        if not (same and np.array_equal(sizes, self.stored[1]) and np.array_equal(times, self.stored[2])):
            self.cache.put(DIGESTS_CACHE, self.key, (paths, sizes, times, digests))
