"""The cache is pickle, so an entry this machine did not write must never be unpickled: entries
carry a MAC keyed by a secret outside the review, and anything else reads as a miss."""

from __future__ import annotations

import os
import pickle
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.cache import store
from generator.cache.store import MAGIC, Cache, content_key, sign, verified


class _Boom:
    """Unpickling this runs `os.system`-like code: here, it writes a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (str(self.marker), "pwned"))  # type: ignore[return-value]


@pytest.fixture
def fresh_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A secret made for this test, in a private cache home (not the user's)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.delenv(store.SECRET_ENV, raising=False)
    monkeypatch.setattr(store, "_secret", None)
    yield tmp_path / "home-cache" / "litreview" / "key"
    monkeypatch.setattr(store, "_secret", None)


def _planted_entry(cache_dir: Path, name: str, key: str, payload: bytes, mac: bytes) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / f"{name}.pickle").write_bytes(MAGIC + mac + b"\n" + key.encode("ascii") + b"\n" + payload)


def test_the_secret_is_made_once_private_and_outside_the_review(fresh_secret: Path, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "review" / ".litreview" / "cache")
    key = content_key("x")
    cache.put("entry", key, {"a": 1})
    assert cache.get("entry", key) == {"a": 1}
    assert fresh_secret.is_file()
    assert stat.S_IMODE(fresh_secret.stat().st_mode) == 0o600
    assert not fresh_secret.is_relative_to(tmp_path / "review")


@pytest.mark.parametrize("how", ["old crc checksum", "mac of another secret", "no mac"])
def test_a_planted_malicious_pickle_never_runs(fresh_secret: Path, tmp_path: Path, how: str) -> None:
    """An attacker who can write .litreview/cache/ (a pull request, a CI cache restored from
    another branch) but does not hold this machine's secret: the entry is a miss, nothing runs."""
    import zlib

    marker = tmp_path / "marker"
    cache_dir = tmp_path / "review" / ".litreview" / "cache"
    key = content_key("content the attacker knows")
    payload = pickle.dumps(_Boom(marker))
    mac = {
        "old crc checksum": f"{zlib.crc32(payload):08x}".encode().ljust(store.CHECKSUM_CHARS, b"0"),
        "mac of another secret": b"0" * store.CHECKSUM_CHARS,
        "no mac": b"",
    }[how]
    _planted_entry(cache_dir, "text-features", key, payload, mac)
    cache = Cache(cache_dir)
    assert cache.get("text-features", key) is None
    assert cache.computed("text-features", key, lambda: "recomputed") == "recomputed"
    assert not marker.exists()
    # The honest value replaced the planted one and reads back.
    assert cache.get("text-features", key) == "recomputed"


def test_entries_of_another_machine_are_misses(
    fresh_secret: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Cache(tmp_path / "cache")
    key = content_key("y")
    cache.put("entry", key, [1, 2, 3])
    monkeypatch.setattr(store, "_secret", b"another machine's secret, 32 bytes or more......")
    assert cache.get("entry", key) is None


def test_ci_can_share_a_secret_through_the_environment(
    fresh_secret: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(store.SECRET_ENV, "a repository secret")
    cache = Cache(tmp_path / "cache")
    key = content_key("z")
    cache.put("entry", key, "value")
    monkeypatch.setattr(store, "_secret", None)  # a later job with the same secret
    assert cache.get("entry", key) == "value"
    assert not fresh_secret.exists()


def test_without_a_writable_home_the_cache_still_works_within_a_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unwritable = tmp_path / "ro"
    unwritable.mkdir()
    unwritable.chmod(0o500)
    monkeypatch.setenv("XDG_CACHE_HOME", str(unwritable / "sub"))
    monkeypatch.delenv(store.SECRET_ENV, raising=False)
    monkeypatch.setattr(store, "_secret", None)
    try:
        cache = Cache(tmp_path / "cache")
        key = content_key("w")
        cache.put("entry", key, 7)
        assert cache.get("entry", key) == 7
    finally:
        unwritable.chmod(0o700)
        monkeypatch.setattr(store, "_secret", None)


def test_signed_bytes_verify_only_unchanged(fresh_secret: Path) -> None:
    raw = sign(b"marshalled code")
    assert verified(raw) == b"marshalled code"
    assert verified(raw[:-1] + b"X") is None
    assert verified(b"0" * 64 + b"marshalled code") is None
    assert os.environ.get(store.SECRET_ENV) is None
