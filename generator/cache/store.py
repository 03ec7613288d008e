"""A cache of expensive derived data (parsed records, text features, neighbours, map layout),
kept in .litreview/cache/ and keyed by a hash of the content it was computed from.

Entries are checked, never trusted: each file carries a MAC of its key and payload, so a
missing, stale (different key), truncated or otherwise corrupt entry reads as a miss, and the
caller computes the value again. One entry is kept per name; writing a new one replaces the old
atomically.

Entries are pickles, and unpickling runs code, so the folder is not trusted as the content beside
it is: a cache committed in a pull request, or restored in CI from another branch, is someone
else's. The MAC is keyed BLAKE2b with a secret kept outside the review (machine_secret: the
LITREVIEW_CACHE_KEY environment variable, else ~/.cache/litreview/key, made 0600 on first use),
and a payload is unpickled only when its MAC verifies: an entry this machine did not write is a
miss, never code that runs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from generator.files import atomic_write_bytes

MAGIC = b"litreview-cache-3\n"
# Keyed BLAKE2b (a MAC) of the key and payload: as fast as a checksum on large entries, and no one
# without the secret can make an entry that verifies.
MAC_BYTES = 32
CHECKSUM_CHARS = 2 * MAC_BYTES
SECRET_ENV = "LITREVIEW_CACHE_KEY"
_SECRET_BYTES = 32
_secret: bytes | None = None
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


def secret_file() -> Path:
    """Where this user's cache secret is kept: outside any review, in the user's cache folder."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "litreview" / "key"


def _read_or_make_secret(path: Path) -> bytes:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_bytes()
        if len(secret) < _SECRET_BYTES:
            raise OSError(f"{path} holds no usable key") from None
        return secret
    secret = secrets.token_hex(_SECRET_BYTES).encode("ascii")
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret


def machine_secret() -> bytes:
    """The key of the cache's MACs: LITREVIEW_CACHE_KEY, else the user's key file (made on first
    use). When neither can be had (no writable home), a random key for this process: the cache
    then works within one command and reads as misses in the next."""
    global _secret
    if _secret is None:
        from_env = os.environ.get(SECRET_ENV, "")
        if from_env:
            _secret = from_env.encode("utf-8")
        else:
            try:
                _secret = _read_or_make_secret(secret_file())
            except OSError:
                _secret = secrets.token_bytes(_SECRET_BYTES)
    return _secret


def _mac(key: bytes, payload: bytes | memoryview) -> str:
    secret = machine_secret()
    if len(secret) > 64:  # BLAKE2b's longest key
        secret = hashlib.sha512(secret).digest()
    digest = hashlib.blake2b(key=secret, digest_size=MAC_BYTES)
    digest.update(len(key).to_bytes(8, "little"))
    digest.update(key)
    digest.update(payload)
    return digest.hexdigest()


def sign(data: bytes) -> bytes:
    """`data` behind this machine's MAC, for other cache files whose loading runs code (compiled
    templates are marshalled code): read them back with `verified`."""
    return _mac(b"", data).encode("ascii") + data


def verified(raw: bytes) -> bytes | None:
    """The data `sign` wrapped, or None when the MAC does not verify (damaged, or not made here)."""
    mac, data = raw[:CHECKSUM_CHARS], raw[CHECKSUM_CHARS:]
    return data if hmac.compare_digest(_mac(b"", data).encode("ascii"), mac) else None


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
        checksum = raw[len(MAGIC) : len(MAGIC) + CHECKSUM_CHARS]
        stored_key = raw[len(MAGIC) + CHECKSUM_CHARS + 1 : header_size - 1].decode("ascii", "replace")
        payload = memoryview(raw)[header_size:]  # not copied
        if stored_key != key or not hmac.compare_digest(
            _mac(key.encode("ascii"), payload).encode("ascii"), checksum
        ):
            return None  # stale, damaged, or not written with this machine's secret: never unpickled
        try:
            return pickle.loads(payload)
        except Exception:  # a payload that passed the checksum but not unpickling: still a miss
            return None

    def put(self, name: str, key: str, value: Any) -> None:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        checksum = _mac(key.encode("ascii"), payload).encode("ascii")
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
