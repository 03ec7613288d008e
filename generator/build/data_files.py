"""The data files made after the pages: the search index, catalog.json and map.json.

They need the enriched review but none of the pages, so a worker process makes them while this
one renders the pages and MkDocs builds them (build/worker.py). What the worker is sent is small
and picklable: where to find the review in the cache (CachedReview), not the review itself.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generator.build.processes import long_lived
from generator.cache import keys
from generator.cache.store import Cache
from generator.enrich.map_layout import MAP_FILE, layout, map_data
from generator.enrich.related import related_papers
from generator.enrich.stage import cached_vectors
from generator.errors import LitreviewError
from generator.model import Paper, Review, Taxonomy
from generator.records.store import cached_papers, paper_key
from generator.render.catalog import CATALOG_FILE, CatalogIndex, catalog_file
from generator.search.files import search_files


def is_data_file(path: str) -> bool:
    """Whether a docs path is one of the data files: search index parts, catalog and map."""
    return path in (MAP_FILE, CATALOG_FILE) or (path.startswith("search/") and path.endswith(".json"))


@dataclass(frozen=True)
class CachedReview:
    """Where another process finds an enriched review in the cache: the papers as load_papers
    cached them (by record digest, in order) and the related choices, with the taxonomy and key
    terms. Sending it costs nothing, where pickling the review itself is slow for both ends."""

    papers_key: str
    digests: tuple[bytes, ...]
    choices_key: str
    taxonomy: Taxonomy
    key_terms: dict[str, tuple[str, ...]]

    def load(self, cache: Cache, search: SearchIndexTask | None = None) -> Review | None:
        """The review; with the papers `search` loaded, if it loaded these."""
        papers = search.papers if search is not None and search.papers_key == self.papers_key else None
        if papers is None or search is None or search.digests != self.digests:
            papers = cached_papers(cache, self.papers_key, self.digests)
        choices = cache.get(keys.RELATED_CHOICES.name, self.choices_key)
        if papers is None or choices is None or len(choices) != len(papers):
            return None
        return Review(tuple(papers), self.taxonomy, related_papers(papers, choices=choices), self.key_terms)


def cached_search_files(review: Review, search_mode: str, cache: Cache) -> dict[str, bytes]:
    """The search index's files, with the lunr term of each token seen kept in the cache."""
    entry = keys.LUNR_TERMS
    known_terms = cache.get(entry.name, entry.key()) or {}
    count = len(known_terms)
    files = search_files(review, search_mode, known_terms, cache)
    if len(known_terms) != count:
        cache.put(entry.name, entry.key(), known_terms)
    return files


@dataclass
class SearchIndexTask:
    """The part of the data files' work that needs only the papers and the taxonomy: loading the
    papers from the cache and making the search index. The worker is given it as soon as the
    records are read, and does it while the build relates the papers. Picklable until called."""

    cache_dir: Path
    papers_key: str
    digests: tuple[bytes, ...]
    taxonomy: Taxonomy
    search_mode: str
    papers: list[Paper] | None = None
    search: dict[str, bytes] | None = None

    def __call__(self) -> SearchIndexTask:
        cache = Cache(self.cache_dir)
        with long_lived():
            self.papers = cached_papers(cache, self.papers_key, self.digests)
        if self.papers is not None:
            review = Review(tuple(self.papers), self.taxonomy, {}, {})
            self.search = cached_search_files(review, self.search_mode, cache)
        return self

    def serves(self, cached: CachedReview, search_mode: str) -> bool:
        """Whether this work is that of the review `cached` describes."""
        return self.papers is not None and (
            self.papers_key,
            self.digests,
            self.taxonomy,
            self.search_mode,
        ) == (cached.papers_key, cached.digests, cached.taxonomy, search_mode)


@dataclass(frozen=True)
class DataFiles:
    """Makes the data files: a picklable object, so that another process can make them while
    MkDocs runs (spawned, not forked: a forked process could hang in OpenMP, which scikit-learn
    uses, once the parent has). With `cached`, the review is not pickled: the other process
    loads it from the cache."""

    review: Review | None
    cache_dir: Path
    text_key: str
    related_method: str
    search_mode: str
    cached: CachedReview | None = None

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        if self.cached is not None:
            state["review"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    def __call__(self, search: SearchIndexTask | None = None) -> dict[str, bytes]:
        """The data files; with the search index `search` made, when it made it for this review."""
        cache = Cache(self.cache_dir)
        if self.review is not None:
            return self._files(self.review, cache)
        if search is not None and (self.cached is None or not search.serves(self.cached, self.search_mode)):
            search = None
        try:
            with long_lived():
                review = self.cached.load(cache, search) if self.cached is not None else None
            if review is None:
                raise LitreviewError("the review is not in the cache")
            return self._files(review, cache, search.search if search is not None else None)
        finally:
            gc.unfreeze()  # see long_lived

    def _files(
        self, review: Review, cache: Cache, search: dict[str, bytes] | None = None
    ) -> dict[str, bytes]:
        files = dict(search) if search is not None else cached_search_files(review, self.search_mode, cache)
        files.update(self._catalog(review, cache))
        files[MAP_FILE] = map_data(review.papers, review.taxonomy, self._coordinates(review, cache))
        return {path: data for path, data in files.items() if is_data_file(path)}

    def _catalog(self, review: Review, cache: Cache) -> dict[str, bytes]:
        lines_key = keys.CATALOG_LINES.key()
        before = cache.get_dict(keys.CATALOG_LINES.name, lines_key)
        lines = dict(before)
        cached, paper_keys = self.cached, None
        if cached is not None and len(cached.digests) == len(review.papers):
            digests = zip(review.papers, cached.digests, strict=True)
            paper_keys = {p.id: paper_key(cached.papers_key, d) for p, d in digests}
        index = cache.get(keys.CATALOG_INDEX.name, lines_key)
        if not isinstance(index, CatalogIndex):
            index = CatalogIndex()
        earlier = (index.related_key, index.papers, index.rows)
        files = catalog_file(review, lines, paper_keys, cached.choices_key if cached else "", index)
        if lines.keys() != before.keys():
            cache.put_dict(keys.CATALOG_LINES.name, lines_key, lines, before)
        if (index.related_key, index.papers, index.rows) != earlier:
            cache.put(keys.CATALOG_INDEX.name, lines_key, index)
        return files

    def _coordinates(self, review: Review, cache: Cache) -> np.ndarray:
        papers = review.papers
        if not papers:
            return np.zeros((0, 2))

        def compute() -> np.ndarray:
            return layout(cached_vectors(papers, cache, self.text_key, self.related_method))

        return cache.computed(keys.MAP_LAYOUT.name, self.text_key, compute)
