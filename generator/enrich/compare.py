"""The related-papers methods compared on a person's own review (`litreview related`).

Each method's related lists are judged by the review's own tags: precision@5 is the share of a
paper's listed related papers that share a tag with it, over the tagged papers that have a list.
No method reads a paper's own tags for its own list, so its tags judge a list they did not make;
"default" and "embeddings" (as a build runs them) count the other papers' tags (tag support),
"default-text" is the default on the text alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generator.enrich.related import (
    EMBEDDINGS_FLOOR,
    RELATED_COUNT,
    RelatedOptions,
    TextFeatures,
    related_choices,
)

METHODS = ("tfidf", "lsa", "default-text", "default", "embeddings")
# Lists of (index, score) per paper.
Lists = list[list[tuple[int, float]]]


@dataclass(frozen=True)
class MethodFigures:
    method: str
    precision: float  # precision@5 against the review's tags
    listed: float  # mean related-list length
    judged: int  # tagged papers with a list
    seconds: float


def _top(similarity: Callable[[int, int], np.ndarray], n: int, rank: np.ndarray) -> Lists:
    found: Lists = []
    for start in range(0, n, 1024):
        block = np.round(np.asarray(similarity(start, min(n, start + 1024)), dtype=np.float64), 6)
        for offset, row in enumerate(block):
            row[start + offset] = -np.inf
            order = np.lexsort((rank, -row))[: min(RELATED_COUNT, n - 1)]
            found.append([(int(j), float(row[j])) for j in order])
    return found


def _tfidf(papers: Sequence, cache_dir: Path) -> Lists:
    features = TextFeatures.of(papers)
    matrix, transposed = features.matrix, features.matrix.T.tocsc()
    return _top(lambda a, b: (matrix[a:b] @ transposed).toarray(), len(papers), features.id_rank())


def _lsa(papers: Sequence, cache_dir: Path) -> Lists:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    features = TextFeatures.of(papers)
    dims = min(100, min(features.shape) - 1)
    if dims < 2:
        return [[] for _ in papers]
    vectors = normalize(TruncatedSVD(dims, random_state=0).fit_transform(features.matrix))
    return _top(lambda a, b: vectors[a:b] @ vectors.T, len(papers), features.id_rank())


def _unpinned(choices: list) -> Lists:
    return [[(j, s) for j, s, pinned, *_ in row if not pinned] for row in choices]


def _default(papers: Sequence, cache_dir: Path) -> Lists:
    return _unpinned(related_choices(papers))


def _default_text(papers: Sequence, cache_dir: Path) -> Lists:
    return _unpinned(related_choices(papers, options=RelatedOptions(tags=False)))


def _embeddings(papers: Sequence, cache_dir: Path) -> Lists:
    from generator.enrich.embeddings import embedding_vectors

    vectors = embedding_vectors(papers, cache_dir)
    return _unpinned(related_choices(papers, vectors=vectors, options=RelatedOptions(EMBEDDINGS_FLOOR)))


MAKERS: dict[str, Callable[[Sequence, Path], Lists]] = {
    "tfidf": _tfidf,
    "lsa": _lsa,
    "default-text": _default_text,
    "default": _default,
    "embeddings": _embeddings,
}


def judge(lists: Lists, tags: Sequence[set[str]]) -> tuple[float, float, int]:
    """precision@5 against `tags` over the tagged papers with a list, mean list length, and how
    many papers were judged."""
    shares = [
        np.mean([bool(tags[i] & tags[j]) for j, _ in row]) for i, row in enumerate(lists) if row and tags[i]
    ]
    precision = float(np.mean(shares)) if shares else 0.0
    return precision, float(np.mean([len(row) for row in lists])) if lists else 0.0, len(shares)


def compare(papers: Sequence, methods: Sequence[str], cache_dir: Path) -> list[MethodFigures]:
    """Each method's figures on `papers` (their tags judge; no method reads a paper's own tags
    for its own list)."""
    tags = [set(p.tags) for p in papers]
    found = []
    for method in methods:
        started = time.perf_counter()
        lists = MAKERS[method](papers, cache_dir)
        seconds = time.perf_counter() - started
        found.append(MethodFigures(method, *judge(lists, tags), seconds))
    return found
