"""Text features of the papers, and what is computed from them: related papers (with the terms
that make them related), and the key terms of each topic.

Similarities are computed in row chunks of a sparse product, so memory stays linear in the number
of papers (never an N x N dense matrix). Ties are broken by paper id for stable output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from generator.model import Paper, RelatedPaper
from generator.titles import clean_latex

RELATED_COUNT = 5
REASON_TERMS = 3
KEY_TERMS = 8
CHUNK_ROWS = 1024


def paper_text(paper: Paper) -> str:
    # The title is short and says what the paper is about, so it counts twice.
    title = "" if paper.title_derived else paper.title
    return f"{title}\n{title}\n{clean_latex(paper.abstract)}"


@dataclass(frozen=True)
class TextFeatures:
    """L2-normalised TF-IDF rows (1-2 grams, sublinear tf, English stop words removed)."""

    ids: tuple[str, ...]
    matrix: sparse.csr_matrix
    terms: np.ndarray

    @classmethod
    def of(cls, papers: Sequence[Paper]) -> TextFeatures:
        return cls.of_texts([p.id for p in papers], [paper_text(p) for p in papers])

    @classmethod
    def of_texts(cls, ids: Sequence[str], texts: Sequence[str]) -> TextFeatures:
        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2),
            sublinear_tf=True,
            stop_words="english",
            min_df=1 if len(texts) < 50 else 2,
            max_df=0.5 if len(texts) >= 50 else 1.0,
            dtype=np.float32,
            strip_accents="unicode",
        )
        try:
            matrix = vectorizer.fit_transform(texts).tocsr()
        except ValueError:  # no term left at all (tiny or stop-word-only reviews)
            return cls(
                tuple(ids), sparse.csr_matrix((len(ids), 0), dtype=np.float32), np.array([], dtype=object)
            )
        return cls(tuple(ids), matrix, vectorizer.get_feature_names_out())

    def id_rank(self) -> np.ndarray:
        order = np.argsort(np.array(self.ids, dtype=object), kind="stable")
        rank = np.empty(len(self.ids), dtype=np.int64)
        rank[order] = np.arange(len(self.ids))
        return rank

    def shared_terms(self, i: int, j: int, count: int = REASON_TERMS) -> tuple[str, ...]:
        """The terms contributing most to the cosine of papers i and j."""
        product = self.matrix[i].multiply(self.matrix[j]).tocoo()
        if product.nnz == 0:
            return ()
        order = sorted(range(product.nnz), key=lambda n: (-product.data[n], self.terms[product.col[n]]))
        return distinct_terms([str(self.terms[product.col[n]]) for n in order], count)


def distinct_terms(ranked: list[str], count: int) -> tuple[str, ...]:
    """The first `count` terms, skipping any that repeats words of a term already taken
    ("reinforcement" after "reinforcement learning")."""
    chosen: list[str] = []
    for term in ranked:
        words = set(term.split())
        if any(words <= set(c.split()) or set(c.split()) <= words for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == count:
            break
    return tuple(chosen)


def nearest(features: TextFeatures, k: int) -> list[list[tuple[int, float]]]:
    """For each row, the k most similar other rows as (index, cosine), best first, ties by id."""
    matrix = features.matrix
    n = matrix.shape[0]
    id_rank = features.id_rank()
    result: list[list[tuple[int, float]]] = []
    transposed = matrix.T.tocsc()
    take = min(k, n - 1)
    for start in range(0, n, CHUNK_ROWS):
        block = (matrix[start : start + CHUNK_ROWS] @ transposed).toarray()
        for offset, row in enumerate(block):
            row[start + offset] = -1.0  # never yourself
            row = np.round(row, 6)
            if take <= 0:
                result.append([])
                continue
            # Stable order: score descending, then paper id ascending.
            order = np.lexsort((id_rank, -row))[:take]
            result.append([(int(j), float(row[j])) for j in order if row[j] > 0])
    return result


def related_papers(
    papers: Sequence[Paper], features: TextFeatures | None = None, k: int = RELATED_COUNT
) -> dict[str, tuple[RelatedPaper, ...]]:
    """The k most related papers of each paper, after the person's pins and hides."""
    if not papers:
        return {}
    features = features or TextFeatures.of(papers)
    index = {p.id: i for i, p in enumerate(papers)}
    # Enough candidates to fill k after hiding some.
    most_hidden = max((len(p.related_hide) + len(p.related_pin) for p in papers), default=0)
    candidates = nearest(features, k + most_hidden) if len(papers) > 1 else [[] for _ in papers]
    related: dict[str, tuple[RelatedPaper, ...]] = {}
    for i, paper in enumerate(papers):
        own = set(paper.tags)
        excluded = {paper.id, *paper.related_hide, *paper.related_pin}
        chosen: list[tuple[int, float, bool]] = []
        for pin in paper.related_pin:
            j = index.get(pin)
            if j is not None and j != i:
                chosen.append((j, float(features.matrix[i].multiply(features.matrix[j]).sum()), True))
        for j, score in candidates[i]:
            if len(chosen) >= max(k, len(paper.related_pin)):
                break
            if papers[j].id not in excluded:
                chosen.append((j, score, False))
        related[paper.id] = tuple(
            RelatedPaper(
                id=papers[j].id,
                score=round(score, 4),
                shared_tags=tuple(t for t in papers[j].tags if t in own),
                terms=features.shared_terms(i, j),
                pinned=pinned,
            )
            for j, score, pinned in chosen
        )
    return related


def key_terms(
    papers: Sequence[Paper], features: TextFeatures, tag_ids: Sequence[str], count: int = KEY_TERMS
) -> Mapping[str, tuple[str, ...]]:
    """For each tag, the terms whose weight its papers have most above the review's average."""
    overall = np.asarray(features.matrix.mean(axis=0)).ravel()
    found: dict[str, tuple[str, ...]] = {}
    for tag in tag_ids:
        members = [i for i, p in enumerate(papers) if tag in p.tags]
        if not members:
            found[tag] = ()
            continue
        centroid = np.asarray(features.matrix[members].mean(axis=0)).ravel()
        lift = np.round(centroid - overall, 6)
        order = np.lexsort((features.terms, -lift))
        found[tag] = distinct_terms(
            [str(features.terms[j]) for j in order[: count * 4] if lift[j] > 0], count
        )
    return found
