"""The paper search index, in one of two layouts that the same search page reads.

- single: one lunr index built with lunr.py (generator.search.single), loaded whole by lunr.js.
  Simple and fast for small reviews, but its size grows with every abstract and all of it
  downloads before the first search.
- sharded: the same index split into files the page fetches on demand (generator.search.sharded),
  so the first search downloads what its words need, however large the review.

`extra: {litreview: {search: auto | single | sharded}}` in mkdocs.yml chooses; auto takes the single
index up to SINGLE_INDEX_MAX_PAPERS papers. Both layouts write search/manifest.json, which tells the
page which one it has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.cache.store import Cache
from generator.config import SEARCH_MODES
from generator.model import Review
from generator.search.common import LUNR_JS_FILE, lunr_js_path
from generator.search.single import single_files

if TYPE_CHECKING:
    from generator.search.sharded import TermMemo

__all__ = ["LUNR_JS_FILE", "lunr_js_path", "search_files"]

SINGLE_INDEX_MAX_PAPERS = 1000


def resolved_mode(mode: str, paper_count: int) -> str:
    """single or sharded: what `mode` means for a review of `paper_count` papers."""
    if mode not in SEARCH_MODES:
        raise ValueError(f"unknown search mode {mode!r}")
    if mode == "auto":
        return "single" if paper_count <= SINGLE_INDEX_MAX_PAPERS else "sharded"
    return mode


def search_files(
    review: Review, mode: str = "auto", known_terms: TermMemo | None = None, cache: Cache | None = None
) -> dict[str, bytes]:
    """The search data files and lunr.js, by path under the docs dir. For the sharded layout,
    `known_terms` is the lunr term of each token seen before, filled in (sharded.Vocabulary),
    and `cache` keeps the tokenised text fields (sharded.text_fields)."""
    files = {LUNR_JS_FILE: lunr_js_path().read_bytes()}
    if resolved_mode(mode, len(review.papers)) == "sharded":
        # Imported when used: it brings SciPy, which a build of the single layout never needs.
        from generator.search.sharded import sharded_files

        return {**files, **sharded_files(review, known_terms, cache)}
    return {**files, **single_files(review)}
