"""The enrich stage: related papers and each topic's key terms, cached by what they depend on.

What depends on the text alone (features, vectors, neighbours, the map) is keyed by the papers'
ids and text (`text_key`); the related choices also by pins, hides and the papers' tags (tag
support re-ranks the cached text neighbourhood); each topic's key terms also by the topic's
papers. A tag edit so recomputes the related choices from the cached neighbourhood (no SVD or
similarity) and the key terms of the topics edited. The entries are listed in
generator.cache.keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from generator.cache import keys
from generator.cache.digests import file_digest
from generator.cache.store import Cache, content_key
from generator.enrich.related import (
    CANDIDATES,
    EMBEDDINGS_FLOOR,
    HUB_CAP,
    KEY_TERMS,
    SCORE_FLOOR,
    SEMANTIC_DIMS,
    SNN_NEIGHBOURS,
    SNN_WEIGHT,
    TFIDF_WEIGHT,
    Choice,
    Neighbourhood,
    RelatedOptions,
    TextFeatures,
    key_terms,
    paper_text,
    related_choices,
    related_papers,
    semantic_vectors,
    term_means,
)
from generator.model import Paper, Review
from generator.ordering import papers_by_tag
from generator.records.store import PaperFile


def text_key(papers: tuple[Paper, ...], method: str, text_digests: list[bytes] | None = None) -> str:
    """What related papers, key-term features and the map depend on: ids and text, not tags.
    `text_digests`: each paper's text_digest, if known."""
    return keys.TEXT.key(
        [method, str(SEMANTIC_DIMS), str(CANDIDATES), str(HUB_CAP)]
        + [str(x) for x in (TFIDF_WEIGHT, SNN_WEIGHT, SNN_NEIGHBOURS, SCORE_FLOOR)],
        [p.id for p in papers],
        text_digests if text_digests is not None else [text_digest(p) for p in papers],
    )


def text_digest(paper: Paper) -> bytes:
    return file_digest(paper_text(paper).encode("utf-8"))


def record_text_digests(records: list[PaperFile], cache: Cache) -> list[bytes]:
    """The text_digest of each record's paper, from the cache where the record is unchanged
    (working out the text of every paper, LaTeX cleaned, is not free)."""
    entry = keys.TEXT_DIGESTS
    before = cache.get_dict(entry.name, entry.key())
    known = dict(before)
    digests = []
    for record in records:
        found = known.get(record.digest) if record.digest else None
        if found is None:
            found = text_digest(record.paper)
            if record.digest:
                known[record.digest] = found
        digests.append(found)
    current = {r.digest: d for r, d in zip(records, digests, strict=True) if r.digest}
    if current.keys() != before.keys():
        cache.put_dict(entry.name, entry.key(), current, before)
    return digests


def cached_vectors(papers: tuple[Paper, ...], cache: Cache, key: str, related_method: str) -> np.ndarray:
    """The related-papers vectors of the papers whose text hashes to `key`."""

    def compute() -> np.ndarray:
        if related_method == "embeddings":
            from generator.enrich.embeddings import embedding_vectors

            return embedding_vectors(papers, cache.directory)
        return semantic_vectors(papers)

    return cache.computed(keys.VECTORS.name, key, compute)


def _tags_and_pins(papers: tuple[Paper, ...]) -> tuple[list[tuple[str, ...]], str]:
    """Each paper's tags, and a digest of every pin and hide (the other inputs of the choices)."""
    pins = content_key(
        [repr((p.id, p.related_pin, p.related_hide)) for p in papers if p.related_pin or p.related_hide]
    )
    return [p.tags for p in papers], pins


def choices_key(papers: tuple[Paper, ...], key: str) -> str:
    """What the related choices depend on: the text (`key`, its text_key, which covers the ids
    in order), pins and hides (few papers have any), and the tags (tag support)."""
    return content_key(
        key,
        [repr((p.id, p.related_pin, p.related_hide)) for p in papers if p.related_pin or p.related_hide],
        repr([p.tags for p in papers]),
    )


@dataclass
class _Computed:
    """What the related choices and key terms are computed from, made at most once, when first
    needed (a tag edit needs neither features nor vectors)."""

    papers: tuple[Paper, ...]
    cache: Cache
    key: str
    related_method: str
    related_key: str = ""  # choices_key of the papers: what the related choices are cached by
    made: dict[str, object] = field(default_factory=dict)

    def features(self) -> TextFeatures:
        if "features" not in self.made:
            make = lambda: TextFeatures.of(self.papers)  # noqa: E731
            self.made["features"] = self.cache.computed(keys.TEXT_FEATURES.name, self.key, make)
        return self.made["features"]  # type: ignore[return-value]

    def vectors(self) -> np.ndarray:
        if "vectors" not in self.made:
            self.made["vectors"] = cached_vectors(self.papers, self.cache, self.key, self.related_method)
        return self.made["vectors"]  # type: ignore[return-value]

    def choices(self) -> list[tuple[Choice, ...]]:
        make = lambda: Neighbourhood.of(self.vectors(), self.features().id_rank(), features=self.features())  # noqa: E731
        neighbours = self.cache.computed(keys.NEIGHBOURS.name, self.key, make)
        memo = self.cache.get(keys.PAIR_TERMS.name, self.key) or {}
        known_pairs = len(memo)
        pinned = any(p.related_pin for p in self.papers)
        previous, rows = self._since_last(neighbours)
        floor = EMBEDDINGS_FLOOR if self.related_method == "embeddings" else SCORE_FLOOR
        choices = related_choices(
            self.papers,
            self.features(),
            vectors=self.vectors() if pinned else None,
            neighbours=neighbours,
            terms_memo=memo,
            options=RelatedOptions(floor, rows=rows),
        )
        if rows is not None and previous is not None:
            choices = [
                new if i in rows else old for i, (old, new) in enumerate(zip(previous, choices, strict=True))
            ]
        if len(memo) != known_pairs:
            self.cache.put(keys.PAIR_TERMS.name, self.key, memo)
        self.cache.put(keys.LAST_CHOICES.name, self.key, (self.related_key, *_tags_and_pins(self.papers)))
        return choices

    def _since_last(
        self, neighbours: Neighbourhood
    ) -> tuple[list[tuple[Choice, ...]] | None, frozenset[int] | None]:
        """After a tag edit (same text, pins and hides): the last build's related choices, and the
        papers whose lists can have changed, those with an edited paper among their candidates
        (tag support reads the candidates' tags only). (None, None) when every list is chosen."""
        last = self.cache.get(keys.LAST_CHOICES.name, self.key)
        if not isinstance(last, tuple) or len(last) != 3 or not self.related_key:
            return None, None
        last_key, tags, pins = last
        now_tags, now_pins = _tags_and_pins(self.papers)
        if pins != now_pins or len(tags) != len(now_tags) or not any(tags) or not any(now_tags):
            return None, None
        previous = self.cache.get(keys.RELATED_CHOICES.name, last_key)
        if not isinstance(previous, list) or len(previous) != len(now_tags):
            return None, None
        edited = [i for i, (a, b) in enumerate(zip(tags, now_tags, strict=True)) if a != b]
        touched = np.isin(neighbours.indices, np.array(edited, dtype=np.int64)).any(axis=1)
        return previous, frozenset(np.flatnonzero(touched).tolist())


def _key_terms(review: Review, computed: _Computed) -> dict[str, tuple[str, ...]]:
    """Each topic's key terms, from the cache for every topic whose papers are unchanged."""
    papers, cache, key = review.papers, computed.cache, computed.key
    tag_ids = list(review.taxonomy.tags)
    position = {paper.id: i for i, paper in enumerate(papers)}
    member_keys = {
        tag: content_key(tag, str(KEY_TERMS), np.array([position[p.id] for p in members], np.int64).tobytes())
        for tag, members in papers_by_tag(papers, tag_ids).items()
    }
    memo_terms: dict[str, tuple[str, ...]] = cache.get(keys.KEY_TERMS.name, key) or {}
    missing = [tag for tag in tag_ids if member_keys[tag] not in memo_terms]
    if missing:
        # The terms' average weights depend on the text alone: a tag edit reuses them.
        overall = cache.computed(keys.TERM_MEANS.name, key, lambda: term_means(computed.features()))
        for tag, found in key_terms(papers, computed.features(), missing, overall=overall).items():
            memo_terms[member_keys[tag]] = found
        cache.put(keys.KEY_TERMS.name, key, {k: memo_terms[k] for k in member_keys.values()})
    return {tag: memo_terms[member_keys[tag]] for tag in tag_ids}


def enrich(
    review: Review, cache: Cache, related_method: str, key: str | None = None, related_key: str | None = None
) -> Review:
    """Related papers and key terms, from the cache where what they depend on is unchanged.
    `key`: the papers' text_key; `related_key`: choices_key of the papers and `key`, if known."""
    papers = review.papers
    if not papers:
        return review
    key = key or text_key(papers, related_method)
    related_key = related_key or choices_key(papers, key)
    computed = _Computed(papers, cache, key, related_method, related_key)
    choices = cache.computed(keys.RELATED_CHOICES.name, related_key, computed.choices)
    related = related_papers(papers, choices=choices)
    return Review(papers, review.taxonomy, related, _key_terms(review, computed))
