"""A cache of expensive derived data (parsed records, text features, neighbours, map layout),
kept in .litreview/cache/ and keyed by a hash of the content it was computed from.

Entries are checked, never trusted: each file carries a checksum of its payload and the key it
was made for, so a missing, stale (different key), truncated or otherwise corrupt entry reads as
a miss, and the caller computes the value again. One entry is kept per name; writing a new one
replaces the old atomically. The cache holds only what the project's own content produced, so
pickle is safe here (the folder is as trusted as the content beside it).
"""

from __future__ import annotations

import hashlib
import pickle
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from generator.files import atomic_write_bytes

MAGIC = b"litreview-cache-2\n"
# A CRC-32 of the payload catches a damaged or truncated entry (the cache guards against
# accidents, not attacks) faster than SHA-256, and a rebuild of a large review reads many entries.
CHECKSUM_CHARS = 8
T = TypeVar("T")


def content_key(*parts: Iterable[bytes | str] | bytes | str) -> str:
    """A hex digest of everything the cached value depends on (strings, bytes, or lists of them)."""
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        items = [part] if isinstance(part, (bytes, str)) else part
        for item in items:
            data = item.encode("utf-8") if isinstance(item, str) else item
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        digest.update(b"\xff")  # separates the parts, so ("ab", "c") and ("a", "bc") differ
    return digest.hexdigest()


BUCKETS = 16  # files a put_dict value is split into


def _bucket(item_key: bytes | str) -> int:
    return zlib.crc32(item_key if isinstance(item_key, bytes) else item_key.encode("utf-8")) % BUCKETS


class _StoredDict(dict[Any, Any]):
    """What get_dict gives: the keys each of the dict's files held (none for a file missing)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[Any] = [() for _ in range(BUCKETS)]


class Cache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.pickle"

    def get(self, name: str, key: str) -> Any | None:
        """The value stored under `name` for `key`, or None if there is none or it is damaged."""
        try:
            raw = self._path(name).read_bytes()
        except OSError:
            return None
        header_size = len(MAGIC) + CHECKSUM_CHARS + 40 + 2
        if len(raw) < header_size or not raw.startswith(MAGIC):
            return None
        checksum = raw[len(MAGIC) : len(MAGIC) + CHECKSUM_CHARS].decode("ascii", "replace")
        stored_key = raw[len(MAGIC) + CHECKSUM_CHARS + 1 : header_size - 1].decode("ascii", "replace")
        payload = memoryview(raw)[header_size:]  # not copied
        if stored_key != key or f"{zlib.crc32(payload):08x}" != checksum:
            return None
        try:
            return pickle.loads(payload)
        except Exception:  # a payload that passed the checksum but not unpickling: still a miss
            return None

    def put(self, name: str, key: str, value: Any) -> None:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        checksum = f"{zlib.crc32(payload):08x}".encode("ascii")
        atomic_write_bytes(
            self._path(name), MAGIC + checksum + b"\n" + key.encode("ascii") + b"\n" + payload, durable=False
        )

    def forget(self, name: str) -> None:
        """Remove the entry stored under `name`, if any."""
        self._path(name).unlink(missing_ok=True)

    def get_dict(self, name: str, key: str) -> dict[Any, Any]:
        """A dict stored by put_dict (an empty one if there is none; damaged parts are left out).
        It remembers which keys came from which file, for put_dict."""
        merged = _StoredDict()
        for bucket in range(BUCKETS):
            part = self.get(f"{name}.{bucket:02d}", key)
            if isinstance(part, dict):
                merged.update(part)
                merged.parts[bucket] = part.keys()
        return merged

    def put_dict(self, name: str, key: str, value: dict[Any, Any], before: dict[Any, Any]) -> None:
        """Store `value` (keyed by content hashes, so a changed value has a new key) in BUCKETS
        files, rewriting only those whose keys differ from `before` (what get_dict gave): one
        edit re-pickles one bucket of a large value, and only the keys added or removed are placed
        in their files."""
        parts: list[Any] | None = getattr(before, "parts", None)
        if parts is None:
            parts = [[] for _ in range(BUCKETS)]
            for item_key in before:
                parts[_bucket(item_key)].append(item_key)
        added: list[list[Any]] = [[] for _ in range(BUCKETS)]
        touched: set[int] = set()
        for item_key in value.keys() ^ before.keys():
            bucket = _bucket(item_key)
            touched.add(bucket)
            if item_key in value:
                added[bucket].append(item_key)
        for bucket in sorted(touched):
            part = {k: value[k] for k in parts[bucket] if k in value}
            part.update((k, value[k]) for k in added[bucket])
            self.put(f"{name}.{bucket:02d}", key, part)

    def computed(self, name: str, key: str, compute: Callable[[], T]) -> T:
        """The cached value for `key`, or compute() stored for next time."""
        value = self.get(name, key)
        if value is None:
            value = compute()
            self.put(name, key, value)
        return value
