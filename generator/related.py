"""Related papers: TF-IDF cosine similarity over title and abstract.

Neighbours are computed in row chunks of a sparse product, so memory stays linear in the number
of papers (never an N x N dense matrix). Ties are broken by paper id for stable output.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from generator.model import Paper, RelatedPaper
from generator.titles import clean_latex

RELATED_COUNT = 5
CHUNK_ROWS = 1024


def paper_text(paper: Paper) -> str:
    # The title is short and says what the paper is about, so it counts twice.
    title = "" if paper.title_derived else paper.title
    return f"{title}\n{title}\n{clean_latex(paper.abstract)}"


def tfidf_matrix(texts: Sequence[str]) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows (1-2 grams, sublinear tf, English stop words removed)."""
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        stop_words="english",
        min_df=1 if len(texts) < 50 else 2,
        max_df=0.5 if len(texts) >= 50 else 1.0,
        dtype=np.float32,
        strip_accents="unicode",
    )
    return vectorizer.fit_transform(texts).tocsr()


def nearest(matrix: sparse.csr_matrix, k: int, ids: Sequence[str]) -> list[list[tuple[int, float]]]:
    """For each row, the k most similar other rows as (index, cosine), best first, ties by id."""
    n = matrix.shape[0]
    order_by_id = np.argsort(np.array(ids, dtype=object), kind="stable")
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[order_by_id] = np.arange(n)
    result: list[list[tuple[int, float]]] = []
    transposed = matrix.T.tocsc()
    for start in range(0, n, CHUNK_ROWS):
        block = (matrix[start : start + CHUNK_ROWS] @ transposed).toarray()
        for offset, row in enumerate(block):
            i = start + offset
            row[i] = -1.0  # never yourself
            row = np.round(row, 6)
            take = min(k, n - 1)
            if take <= 0:
                result.append([])
                continue
            candidates = np.argpartition(-row, take - 1)[: take * 4] if n > take * 4 else np.arange(n)
            # Stable order: score descending, then paper id ascending.
            chosen = sorted(candidates, key=lambda j: (-row[j], id_rank[j]))[:take]
            result.append([(int(j), float(row[j])) for j in chosen if row[j] > 0])
    return result


def related_papers(papers: Sequence[Paper], k: int = RELATED_COUNT) -> dict[str, tuple[RelatedPaper, ...]]:
    if len(papers) < 2:
        return {p.id: () for p in papers}
    matrix = tfidf_matrix([paper_text(p) for p in papers])
    ids = [p.id for p in papers]
    related: dict[str, tuple[RelatedPaper, ...]] = {}
    for paper, neighbours in zip(papers, nearest(matrix, k, ids), strict=True):
        own = set(paper.tags)
        related[paper.id] = tuple(
            RelatedPaper(
                id=papers[j].id,
                score=round(score, 4),
                shared_tags=tuple(t for t in papers[j].tags if t in own),
            )
            for j, score in neighbours
        )
    return related
