"""The search index's files in the layout mkdocs.yml chooses (single or sharded)."""

from __future__ import annotations

from generator.cache.store import Cache
from generator.model import Review
from generator.search.sharded import sharded_files
from generator.search.single import (
    INDEX_FILE,
    LUNR_JS_FILE,
    MANIFEST_FILE,
    MANIFEST_VERSION,
    build_search_index,
    dumps,
    lunr_js_path,
    resolved_mode,
)

__all__ = ["LUNR_JS_FILE", "lunr_js_path", "search_files"]


def search_files(
    review: Review,
    mode: str = "auto",
    known_terms: dict[str, str | None] | None = None,
    cache: Cache | None = None,
) -> dict[str, bytes]:
    """The search data files and lunr.js, by path under the docs dir. For the sharded layout,
    `known_terms` is the lunr term of each token seen before, filled in (search_shards.Vocabulary),
    and `cache` keeps the tokenised text fields (search_shards.text_fields)."""
    files = {LUNR_JS_FILE: lunr_js_path().read_bytes()}
    if resolved_mode(mode, len(review.papers)) == "sharded":
        return {**files, **sharded_files(review, known_terms, cache)}
    files[INDEX_FILE] = dumps(build_search_index(review))
    files[MANIFEST_FILE] = dumps(
        {
            "version": MANIFEST_VERSION,
            "mode": "single",
            "index": INDEX_FILE.removeprefix("search/"),
            "count": len(review.papers),
        }
    )
    return files
