"""The content-keyed cache: damaged or stale entries recomputed, keys and checksums checked,
dicts kept in buckets."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np

from generator.cache.store import BUCKETS, Cache, content_key
from generator.project import Project
from tests.pipeline.test_incremental import build, tree


def test_a_damaged_or_stale_cache_is_recomputed(review: Project) -> None:
    build(review)
    cache_dir = review.work_dir / "cache"
    names = sorted(p.name for p in cache_dir.glob("*.pickle"))
    expected = {"text-features.pickle", "neighbours.pickle", "map-layout.pickle", "parsed-records.00.pickle"}
    assert expected <= set(names)
    reference = tree(review.docs_dir)
    for n, path in enumerate(sorted(cache_dir.glob("*.pickle"))):
        raw = bytearray(path.read_bytes())
        if n % 3 == 0:
            path.write_bytes(bytes(raw[: len(raw) // 2]))  # truncated
        elif n % 3 == 1:
            raw[-10] ^= 0xFF  # a flipped byte
            path.write_bytes(bytes(raw))
        else:
            path.write_bytes(b"not a cache file")
    # And pages that the page state says are current, but whose files someone changed.
    page = next((review.docs_dir / "papers").glob("*.md"))
    page.write_text("tampered", encoding="utf-8")
    shutil.rmtree(review.site_dir)
    build(review)
    assert tree(review.docs_dir) == reference


def test_cache_entries_check_their_key_and_checksum(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    key = content_key(["a", "b"])
    assert cache.get("thing", key) is None  # missing
    cache.put("thing", key, {"x": np.arange(3)})
    assert cache.get("thing", key)["x"].tolist() == [0, 1, 2]
    assert cache.get("thing", content_key(["a", "c"])) is None  # stale
    assert content_key(["ab", "c"]) != content_key(["a", "bc"])
    calls = []
    assert cache.computed("other", key, lambda: calls.append(1) or 7) == 7
    assert cache.computed("other", key, lambda: calls.append(1) or 8) == 7
    assert calls == [1]


def test_a_dict_in_buckets_rewrites_only_the_buckets_that_changed(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    key = content_key(["records"])
    first = {content_key([str(n)]): n for n in range(200)}
    cache.put_dict("records", key, first, {})
    files = sorted(tmp_path.glob("records.*.pickle"))
    assert len(files) == BUCKETS
    assert cache.get_dict("records", key) == first
    assert cache.get_dict("records", content_key(["other"])) == {}  # stale: nothing
    stamps = {f: f.stat().st_mtime_ns for f in files}
    time.sleep(0.01)
    second = dict(first)
    del second[content_key(["7"])]
    second[content_key(["new"])] = -1
    cache.put_dict("records", key, second, cache.get_dict("records", key))
    assert cache.get_dict("records", key) == second
    rewritten = [f for f in files if f.stat().st_mtime_ns != stamps[f]]
    assert 1 <= len(rewritten) <= 2
    files[0].write_bytes(b"damaged")  # a damaged bucket loses its part, nothing else
    damaged = cache.get_dict("records", key)
    assert damaged.items() < second.items()
    cache.put_dict("records", key, second, damaged)  # its keys count as added: it is rewritten
    assert cache.get_dict("records", key) == second
    third = {**second, content_key(["plain"]): 3}
    cache.put_dict("records", key, third, dict(second))  # a plain dict as `before` works too
    assert cache.get_dict("records", key) == third
