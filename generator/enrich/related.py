"""Text features of the papers, and what is computed from them: related papers (with the terms
that make them related), and the key terms of each topic.

Related papers ("hybrid", the default): each paper's CANDIDATES nearest papers by "second-order"
LSA (unigram TF-IDF, a truncated SVD, each paper represented by U * Sigma**2.5 and compared by
cosine: papers are related when they are similar to the same papers, leaning towards broad
topics), then ranked by

    (LSA cosine + TFIDF_WEIGHT * TF-IDF cosine + SNN_WEIGHT * shared-neighbour share) / SCORE_SCALE

where the TF-IDF cosine (1-2 grams) brings back the narrow topics that the broad view blurs,
and the shared-neighbour share is the share of the paper's SNN_NEIGHBOURS nearest papers that
are also the candidate's (a "neighbour profile": it discounts hubs, papers near everything).
The weights were chosen on the benchmark suite (bench/quality; figures in the README) by the
worst case across its benchmarks: arXiv primary categories at 3,000 papers and in small reviews
of 400, all arXiv categories, and hand-labelled sections of curated lists. Each paper may appear
in at most HUB_CAP related lists (a greedy assignment by score), and a paper below SCORE_FLOOR is
never listed, so a list may hold fewer than RELATED_COUNT papers.

The curator's tags are a second signal ("tag support"), once other papers carry tags: a candidate
gains TAG_WEIGHT times the share of the paper's TAG_VOTERS nearest papers (by text, the candidate
itself left out) that share a tag with the candidate. A paper's own tags are never read for its own
list, so the benchmarks judge it by labels it did not see (the README has the figures); tags only
re-order the candidates, the floor applies to the text score, and the page names the tags used.

Similarities are computed in row blocks, so memory stays linear in the number of papers (never an
N x N matrix). Ties are broken by paper id for stable output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from generator.model import Paper, RelatedPaper
from generator.records.titles import clean_latex

RELATED_COUNT = 5
SEMANTIC_DIMS = 600
SPECTRAL_POWER = 2.5
CANDIDATES = 40
HUB_CAP = 15
TFIDF_WEIGHT = 0.5
SNN_WEIGHT = 0.3
SNN_NEIGHBOURS = 30
SCORE_SCALE = 1.0 + TFIDF_WEIGHT + SNN_WEIGHT
TAG_WEIGHT = 0.3
TAG_VOTERS = 10
# Below this score a paper is not listed as related: on the suite (bench/quality --only floor),
# candidates scoring under 0.5 shared a label no more often than random papers (arXiv 3,000:
# 0.44 against 0.41; small reviews: 0.45 against 0.44), those from 0.5 to 0.55 more often.
SCORE_FLOOR = 0.5
# The same rule for the embeddings extra's hybrid score (its candidates share a label with the
# paper more often than random ones from 0.4 up: bench.quality --only floor, README).
EMBEDDINGS_FLOOR = 0.4
# A paper without an abstract (its title alone) gets no related papers: on the suite, lists made
# from titles alone were not reliable (README).
TITLE_ONLY_RELATED = False
REASON_TERMS = 3
KEY_TERMS = 8
CHUNK_ROWS = 1024


def paper_text(paper: Paper) -> str:
    # The title is short and says what the paper is about, so it counts twice.
    title = "" if paper.title_derived else paper.title
    return f"{title}\n{title}\n{clean_latex(paper.abstract)}"


if TYPE_CHECKING:
    from scipy import sparse


class TextFeatures:
    """L2-normalised TF-IDF rows (1-2 grams, sublinear tf, English stop words removed).

    The rows are kept as CSR arrays (`data`, `indices`, `indptr`) and pickled as such, so that
    a rebuild that loads them from the cache and needs no sparse product (the key terms of an
    edited topic) does not import SciPy, which is slow to import."""

    def __init__(self, ids: Sequence[str], matrix: sparse.csr_matrix, terms: np.ndarray) -> None:
        self.ids, self.terms = tuple(ids), terms
        self.shape: tuple[int, int] = matrix.shape
        self.data, self.indices, self.indptr = matrix.data, matrix.indices, matrix.indptr
        self.__dict__["matrix"] = matrix

    @cached_property
    def matrix(self) -> sparse.csr_matrix:
        from scipy import sparse

        return sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape, copy=False)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "matrix"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @classmethod
    def of(cls, papers: Sequence[Paper]) -> TextFeatures:
        return cls.of_texts([p.id for p in papers], [paper_text(p) for p in papers])

    @classmethod
    def of_texts(cls, ids: Sequence[str], texts: Sequence[str]) -> TextFeatures:
        # scikit-learn is imported when needed: a rebuild served from the cache never needs it,
        # and importing it is slow.
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer

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


def semantic_vectors(papers: Sequence[Paper]) -> np.ndarray:
    """Unit rows of U * Sigma**SPECTRAL_POWER from a truncated SVD of unigram TF-IDF."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    texts = [paper_text(p) for p in papers]
    vectorizer = TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        min_df=2 if len(texts) >= 50 else 1,
        max_df=0.5 if len(texts) >= 50 else 1.0,
        dtype=np.float32,
        strip_accents="unicode",
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no term left at all
        return np.zeros((len(texts), 1), dtype=np.float32)
    dims = min(SEMANTIC_DIMS, min(matrix.shape) - 1)
    if dims < 2:
        return normalize(matrix.toarray()).astype(np.float32)
    svd = TruncatedSVD(dims, algorithm="randomized", n_iter=5, random_state=0)
    scaled = svd.fit_transform(matrix) * svd.singular_values_ ** (SPECTRAL_POWER - 1.0)
    return normalize(scaled).astype(np.float32)


def ranked_candidates(vectors: np.ndarray, count: int, id_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's `count` most similar other rows (indices and cosines), best first, ties by id."""
    n = len(vectors)
    count = max(0, min(count, n - 1))
    indices = np.zeros((n, count), dtype=np.int64)
    scores = np.zeros((n, count), dtype=np.float32)
    if count == 0:
        return indices, scores
    for start in range(0, n, CHUNK_ROWS):
        block = np.round(vectors[start : start + CHUNK_ROWS] @ vectors.T, 6)
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = -np.inf  # never yourself
        slack = min(n - 1, count + 16)  # so that ties at the cut are settled by id
        candidates = np.argpartition(-block, slack - 1, axis=1)[:, :slack]
        values = np.take_along_axis(block, candidates, 1)
        order = np.lexsort((id_rank[candidates], -values), axis=1)[:, :count]
        indices[start : start + CHUNK_ROWS] = np.take_along_axis(candidates, order, 1)
        scores[start : start + CHUNK_ROWS] = np.take_along_axis(values, order, 1)
    return indices, scores


def capped_choice(indices: np.ndarray, scores: np.ndarray, k: int, cap: int = HUB_CAP) -> list[list[int]]:
    """k neighbours per row, taking pairs best score first while each paper appears in at most
    `cap` lists; rows left short are filled from their own candidates in order."""
    n, width = indices.shape
    rows = np.repeat(np.arange(n), width)
    flat_indices, flat_scores = indices.ravel(), scores.ravel()
    order = np.lexsort((flat_indices, rows, -flat_scores))
    chosen: list[list[int]] = [[] for _ in range(n)]
    listed = np.zeros(n, dtype=np.int64)
    for position in order.tolist():
        i, j = int(rows[position]), int(flat_indices[position])
        if len(chosen[i]) < k and listed[j] < cap:
            chosen[i].append(j)
            listed[j] += 1
    for i in range(n):
        for j in indices[i].tolist():
            if len(chosen[i]) >= k:
                break
            if j not in chosen[i]:
                chosen[i].append(j)
    # Each list best first (the greedy pass may have filled it out of order).
    result = []
    for i, c in enumerate(chosen):
        rank = {j: r for r, j in enumerate(indices[i].tolist())}
        result.append(sorted(c, key=rank.__getitem__))
    return result


def pair_products(matrix: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The dot product of row rows[n] and row cols[n] of `matrix`, for every n (in blocks)."""
    found = np.zeros(len(rows), dtype=np.float32)
    if matrix.shape[1] == 0:
        return found
    block = CHUNK_ROWS * CANDIDATES
    for start in range(0, len(rows), block):
        left = matrix[rows[start : start + block]]
        right = matrix[cols[start : start + block]]
        found[start : start + block] = np.asarray(left.multiply(right).sum(axis=1)).ravel()
    return found


def shared_neighbour_share(indices: np.ndarray, count: int = SNN_NEIGHBOURS) -> np.ndarray:
    """For each candidate indices[i, c]: the share of row i's first `count` candidates that are
    also among the candidate's own first `count` (its neighbour profile against the paper's)."""
    from scipy import sparse

    n, width = indices.shape
    count = min(count, width)
    if n == 0 or count == 0:
        return np.zeros(indices.shape, dtype=np.float32)
    ones = np.ones(n * count, dtype=np.float32)
    starts = np.arange(0, n * count + 1, count)
    near = sparse.csr_matrix((ones, indices[:, :count].ravel(), starts), shape=(n, n))
    rows = np.repeat(np.arange(n), width)
    return (pair_products(near, rows, indices.ravel()) / count).reshape(n, width)


def hybrid_scores(
    indices: np.ndarray, scores: np.ndarray, features: TextFeatures | None, id_rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The candidates re-ranked by the hybrid score (the module's docstring), best first, ties
    by id; the scores are in [0, 1] for papers whose LSA cosine is."""
    n, width = indices.shape
    combined = scores.astype(np.float64)
    if features is not None and width:
        rows = np.repeat(np.arange(n), width)
        tfidf = pair_products(features.matrix, rows, indices.ravel()).reshape(n, width)
        combined = combined + TFIDF_WEIGHT * tfidf
    combined = combined + SNN_WEIGHT * shared_neighbour_share(indices)
    combined = np.round(combined / SCORE_SCALE, 6).astype(np.float32)
    order = np.lexsort((id_rank[indices], -combined), axis=1)
    return np.take_along_axis(indices, order, 1), np.take_along_axis(combined, order, 1)


@dataclass(frozen=True)
class Neighbourhood:
    """Each paper's candidates (indices and scores, best first) and its hub-capped choice.

    It depends on the papers' text alone, so it is cached by text and survives tag edits."""

    indices: np.ndarray
    scores: np.ndarray
    capped: list[list[int]]
    # After a re-ranking by tag support (with_tags): each paper's TAG_VOTERS nearest papers by
    # text, -1 where the text score was not positive (such a voter carries no weight).
    voters: np.ndarray | None = None

    @classmethod
    def of(
        cls,
        vectors: np.ndarray,
        id_rank: np.ndarray,
        k: int = RELATED_COUNT,
        features: TextFeatures | None = None,
        hybrid: bool = True,
    ) -> Neighbourhood:
        """`hybrid`: re-rank the vectors' candidates by the hybrid score (with the TF-IDF cosine
        when `features` are given); else rank by the vectors' cosine alone."""
        indices, scores = ranked_candidates(vectors, max(CANDIDATES, k * 2), id_rank)
        if hybrid:
            indices, scores = hybrid_scores(indices, scores, features, id_rank)
        return cls(indices, scores, capped_choice(indices, scores, k))

    def with_tags(
        self,
        tags: Sequence[tuple[str, ...]],
        id_rank: np.ndarray,
        rows: np.ndarray | None = None,
        cap: int = HUB_CAP,
    ) -> Neighbourhood:
        """The candidates re-ranked by text score + TAG_WEIGHT * tag support (their scores stay
        the text scores: what the floor and the page use), each row's hub-capped choice made
        again from its own candidates (hub_capped_again: no row's choice depends on another's).
        `rows`: re-rank these rows only (the others keep the text's order)."""
        rows = np.arange(len(self.indices)) if rows is None else rows
        near, text = self.indices[rows], self.scores[rows]
        combined = np.round(text.astype(np.float64) + TAG_WEIGHT * tag_support(near, text, tags), 6)
        order = np.lexsort((id_rank[near], -combined), axis=1)
        indices, scores = self.indices.copy(), self.scores.copy()
        indices[rows] = np.take_along_axis(near, order, 1)
        scores[rows] = np.take_along_axis(text, order, 1)
        capped = list(self.capped)
        for i, chosen in zip(
            rows.tolist(), hub_capped_again(indices[rows], self.capped, rows, cap), strict=True
        ):
            capped[i] = chosen
        voters = np.where(self.scores[:, :TAG_VOTERS] > 0, self.indices[:, :TAG_VOTERS], -1)
        return Neighbourhood(indices, scores, capped, voters)


def hub_capped_again(
    indices: np.ndarray, text_capped: list[list[int]], rows: np.ndarray, cap: int = HUB_CAP
) -> list[list[int]]:
    """For each of `rows` (its candidates re-ranked in `indices`, a row each), its first
    RELATED_COUNT candidates that are not hubs, or that the row already had: a hub is a paper the
    text's hub-capped choice (`text_capped`, every row's) listed `cap` times. The cap is decided
    on the text alone, so a row's choice never depends on the tags of the papers in other rows,
    its own included (a greedy pass over all rows would let a paper's own tags decide which rows
    fill a hub first). Papers that were not hubs may be listed a few more times than `cap`."""
    listed = np.bincount(
        np.array([j for row in text_capped for j in row], dtype=np.int64), minlength=len(text_capped)
    )
    hubs = listed >= cap
    chosen = []
    for i, row in zip(rows.tolist(), indices.tolist(), strict=True):
        held = set(text_capped[i])
        chosen.append([j for j in row if not hubs[j] or j in held][:RELATED_COUNT])
    return chosen


def tag_bits(tags: Sequence[tuple[str, ...]]) -> np.ndarray:
    """Each paper's tags as a row of bits (one uint64 word per 64 distinct tags)."""
    columns = {t: n for n, t in enumerate(sorted({t for own in tags for t in own}))}
    bits = np.zeros((len(tags), max(1, -(-len(columns) // 64))), dtype=np.uint64)
    for i, own in enumerate(tags):
        for t in own:
            bits[i, columns[t] // 64] |= np.uint64(1) << np.uint64(columns[t] % 64)
    return bits


def tag_support(indices: np.ndarray, scores: np.ndarray, tags: Sequence[tuple[str, ...]]) -> np.ndarray:
    """support[i, c]: the share of the text-score weight of paper i's TAG_VOTERS best candidates,
    candidate c itself left out, that goes to papers sharing a tag with candidate c. Untagged
    voters abstain but keep their weight; tags[i] is never read for row i."""
    n, width = indices.shape
    voters = min(TAG_VOTERS, width)
    support = np.zeros((n, width), dtype=np.float64)
    if voters == 0 or not any(tags):
        return support
    bits = tag_bits(tags)
    for start in range(0, n, CHUNK_ROWS):
        near = indices[start : start + CHUNK_ROWS]
        weights = np.clip(scores[start : start + CHUNK_ROWS, :voters].astype(np.float64), 0.0, None)
        voter = near[:, None, :voters]  # rows x 1 x voters
        candidate = near[:, :, None]  # rows x width x 1
        shares = (bits[candidate] & bits[voter]).any(axis=-1)  # rows x width x voters
        weight = np.where(candidate == voter, 0.0, weights[:, None, :])
        total = weight.sum(axis=2)
        support[start : start + CHUNK_ROWS] = np.divide(
            (shares * weight).sum(axis=2), total, out=np.zeros_like(total), where=total > 0
        )
    return support


def tags_used(papers: Sequence[Paper], neighbours: Neighbourhood, i: int, j: int) -> tuple[str, ...]:
    """The tags of paper j that paper i's TAG_VOTERS nearest papers (j left out) carry, most
    carried first, ties by tag: what the tag support of the pair rests on."""
    count: dict[str, int] = {}
    own = set(papers[j].tags)
    if neighbours.voters is None:  # no tag re-ranking: tags chose nothing
        return ()
    for v in neighbours.voters[i].tolist():
        if v != j and v >= 0:  # -1: a voter whose text score was not positive (it carried no weight)
            for t in own.intersection(papers[v].tags):
                count[t] = count.get(t, 0) + 1
    return tuple(sorted(count, key=lambda t: (-count[t], t)))


def pair_terms(
    features: TextFeatures, pairs: Sequence[tuple[int, int]], count: int = REASON_TERMS
) -> list[tuple[str, ...]]:
    """shared_terms for many pairs at once: one sparse product instead of one per pair."""
    if not pairs or features.shape[1] == 0:
        return [() for _ in pairs]
    left = features.matrix[[i for i, _ in pairs]]
    right = features.matrix[[j for _, j in pairs]]
    product = left.multiply(right).tocsr()
    product.eliminate_zeros()
    coo = product.tocoo()
    # Best first, ties by term: the vocabulary is sorted, so the column order is the term order.
    order = np.lexsort((coo.col, -coo.data, coo.row))
    rows, cols = coo.row[order], coo.col[order]
    starts = np.searchsorted(rows, np.arange(len(pairs) + 1))
    found = []
    for n in range(len(pairs)):
        ranked = [str(features.terms[c]) for c in cols[starts[n] : starts[n + 1]][: count * 6].tolist()]
        found.append(distinct_terms(ranked, count))
    return found


def has_text_to_relate(paper: Paper) -> bool:
    """Whether the paper's related papers can be found from its text: it has an abstract (or
    titles alone are trusted, TITLE_ONLY_RELATED)."""
    return TITLE_ONLY_RELATED or bool(paper.abstract.strip())


@dataclass(frozen=True)
class RelatedOptions:
    """How related lists are chosen beyond the vectors: the floor of the score (SCORE_FLOOR for
    the LSA vectors, EMBEDDINGS_FLOOR for sentence embeddings), and whether the other papers'
    tags count (tag support)."""

    floor: float = SCORE_FLOOR
    tags: bool = True
    # Choose the lists of these papers (by position) only, the others' coming back empty: after a
    # tag edit, the lists whose candidates carry no edited paper are the last build's.
    rows: frozenset[int] | None = None


# A related paper as chosen for a paper: its index, score, whether pinned, the terms shared and
# the tags its choice rests on (tag support; empty when tags did not count).
Choice = tuple[int, float, bool, tuple[str, ...], tuple[str, ...]]


# A related paper as picked, before its "why" terms: its index, score (None for a pin, scored
# later from the vectors) and whether pinned.
_Pick = tuple[int, float | None, bool]


def _picks(
    papers: Sequence[Paper],
    index: Mapping[str, int],
    neighbours: Neighbourhood,
    k: int,
    options: RelatedOptions,
) -> list[list[_Pick]]:
    """For each paper, its pins, then its hub-capped and other candidates that are not hidden
    and score at least the floor (options), up to k papers (or all the pins, if more). A paper with no
    abstract gets only its pins and is listed by none (unless TITLE_ONLY_RELATED)."""
    indices, scores, capped = neighbours.indices, neighbours.scores, neighbours.capped
    floor = options.floor
    picks_of: list[list[_Pick]] = []
    untold = {i for i, p in enumerate(papers) if not has_text_to_relate(p)}
    for i, paper in enumerate(papers):
        if options.rows is not None and i not in options.rows:
            picks_of.append([])
            continue
        excluded = {paper.id, *paper.related_hide, *paper.related_pin}
        chosen: list[_Pick] = []
        for pin in paper.related_pin:
            j = index.get(pin)
            if j is not None and j != i:
                chosen.append((j, None, True))  # scored later, from the vectors
        wanted = max(k, len(paper.related_pin))
        score_of = dict(zip(indices[i].tolist(), scores[i].tolist(), strict=True))
        taken = {c[0] for c in chosen}
        for j in [*capped[i], *indices[i].tolist()] if i not in untold else []:
            if len(chosen) >= wanted:
                break
            if score_of[j] < floor or j in untold:
                continue
            if papers[j].id not in excluded and j not in taken:
                chosen.append((j, score_of[j], False))
                taken.add(j)
        # Best first: a list the hub cap left short is filled from candidates it had passed over.
        pins = [c for c in chosen if c[2]]
        rank = {j: r for r, j in enumerate(indices[i].tolist())}
        picks_of.append(pins + sorted((c for c in chosen if not c[2]), key=lambda c: rank[c[0]]))
    return picks_of


def _remember_terms(
    features: TextFeatures,
    papers: Sequence[Paper],
    index: Mapping[str, int],
    picks_of: list[list[_Pick]],
    memo: dict[tuple[str, str], tuple[str, ...]],
) -> None:
    """Add to `memo` the "why" terms of every picked pair it lacks."""
    missing = sorted(
        {(i, j) for i, chosen in enumerate(picks_of) for j, _, _ in chosen}
        - {(index[a], index[b]) for a, b in memo if a in index and b in index}
    )
    for (i, j), terms in zip(missing, pair_terms(features, missing), strict=True):
        memo[(papers[i].id, papers[j].id)] = terms


def related_choices(
    papers: Sequence[Paper],
    features: TextFeatures | None = None,
    vectors: np.ndarray | None = None,
    neighbours: Neighbourhood | None = None,
    terms_memo: dict[tuple[str, str], tuple[str, ...]] | None = None,
    options: RelatedOptions | None = None,
) -> list[tuple[Choice, ...]]:
    """For each paper, the RELATED_COUNT most related papers after the person's pins and hides.

    `vectors` (unit rows) replaces the default semantic vectors, e.g. sentence embeddings;
    `neighbours` (by text alone) and `terms_memo` (the "why" terms of pairs seen before, filled in
    here) come from the cache when the text has not changed; `options`: the floor (by the kind of
    vectors) and whether the other papers' tags count (tag support, the module's docstring).
    """
    if not papers:
        return []
    k, options = RELATED_COUNT, options or RelatedOptions()
    features = features or TextFeatures.of(papers)
    if neighbours is None:
        vectors = semantic_vectors(papers) if vectors is None else vectors
        neighbours = Neighbourhood.of(vectors, features.id_rank(), k, features)
    tagged = options.tags and any(p.tags for p in papers)
    if tagged:
        rows = None if options.rows is None else np.array(sorted(options.rows), dtype=np.int64)
        neighbours = neighbours.with_tags([p.tags for p in papers], features.id_rank(), rows)
    index = {p.id: i for i, p in enumerate(papers)}
    picks_of = _picks(papers, index, neighbours, k, options)
    if any(score is None for chosen in picks_of for _, score, _ in chosen):
        vectors = semantic_vectors(papers) if vectors is None else vectors
    memo = terms_memo if terms_memo is not None else {}
    _remember_terms(features, papers, index, picks_of, memo)
    return [
        tuple(
            (
                j,
                round(float(np.round(vectors[i] @ vectors[j], 6)) if score is None else score, 4),
                pinned,
                memo[(paper.id, papers[j].id)],
                tags_used(papers, neighbours, i, j) if tagged and not pinned else (),
            )
            for j, score, pinned in picks_of[i]
        )
        for i, paper in enumerate(papers)
    ]


class RelatedLists(Mapping[str, tuple[RelatedPaper, ...]]):
    """The related papers of each paper (by id, in the papers' order), each list made when it is
    first asked for: a rebuild after a tag edit renders a few pages, while making every list of a
    large review takes a noticeable part of a rebuild."""

    def __init__(self, papers: Sequence[Paper], choices: Sequence[tuple[Choice, ...]]) -> None:
        if len(choices) != len(papers):
            raise ValueError("one tuple of choices per paper is needed")
        self.papers, self.choices = papers, choices
        self.index = {p.id: i for i, p in enumerate(papers)}
        self.made: dict[str, tuple[RelatedPaper, ...]] = {}
        self.shared: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str, ...]] = {}  # few distinct

    def row(self, paper_id: str) -> tuple[tuple[object, ...], ...]:
        """The paper's related choices as plain values, by paper id (not position): cheap to
        compare with an earlier build's, without making the list."""
        papers = self.papers
        return tuple((papers[c[0]].id, *c[1:]) for c in self.choices[self.index[paper_id]])

    def ids(self, paper_id: str) -> list[str]:
        """The ids of the paper's related papers, without making its list."""
        papers = self.papers
        return [papers[j].id for j, *_ in self.choices[self.index[paper_id]]]

    def listing(self, paper_ids: Iterable[str]) -> set[str]:
        """The ids of the papers that list any of `paper_ids` as related, without making lists."""
        targets = {self.index[i] for i in paper_ids if i in self.index}
        papers = self.papers
        return {papers[i].id for i, chosen in enumerate(self.choices) for c in chosen if c[0] in targets}

    def __getitem__(self, paper_id: str) -> tuple[RelatedPaper, ...]:
        made = self.made.get(paper_id)
        if made is None:
            i = self.index[paper_id]
            paper, papers, items = self.papers[i], self.papers, []
            for j, score, pinned, terms, tags_used_ in self.choices[i]:
                pair = (paper.tags, papers[j].tags)
                common = self.shared.get(pair)
                if common is None:
                    own = set(paper.tags)
                    common = self.shared[pair] = tuple(t for t in papers[j].tags if t in own)
                items.append(RelatedPaper(papers[j].id, score, common, terms, pinned, tags_used_))
            made = self.made[paper_id] = tuple(items)
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)


def related_papers(
    papers: Sequence[Paper],
    choices: list[tuple[Choice, ...]] | None = None,
    vectors: np.ndarray | None = None,
) -> RelatedLists:
    """The most related papers of each paper, after the person's pins and hides, with the tags
    each shares with the paper. `choices`: related_choices of the same papers (e.g. from the
    cache: they depend on the text, pins, hides and tags); made with `vectors` if not given."""
    if choices is None:
        choices = related_choices(papers, vectors=vectors)
    return RelatedLists(papers, choices)


def term_means(features: TextFeatures) -> np.ndarray:
    """Each term's average weight over the review (in float64, as key_terms compares them)."""
    return np.asarray(features.matrix.astype(np.float64).mean(axis=0)).ravel()


def tag_centroid(features: TextFeatures, members: np.ndarray) -> np.ndarray:
    """The average of the rows `members` (sorted), in float64, from those rows alone: a rebuild
    asks for two or three topics, and converting every row would take most of its time. Each
    term's sum adds the members' weights (times 1/count) in row order, as a sparse product of
    the whole matrix does, so the result is the same to the last bit."""
    starts, ends = features.indptr[members], features.indptr[members + 1]
    lengths = ends - starts
    # The positions of the members' entries in data and indices, row after row.
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    places = np.arange(int(lengths.sum())) + offsets
    weights = features.data[places].astype(np.float64) * (1.0 / len(members))
    return np.bincount(features.indices[places], weights=weights, minlength=features.shape[1])


def key_terms(
    papers: Sequence[Paper],
    features: TextFeatures,
    tag_ids: Sequence[str],
    count: int = KEY_TERMS,
    overall: np.ndarray | None = None,
) -> Mapping[str, tuple[str, ...]]:
    """For each tag, the terms whose weight its papers have most above the review's average
    (`overall`: term_means(features), if known)."""
    found: dict[str, tuple[str, ...]] = {tag: () for tag in tag_ids}
    column = {tag: n for n, tag in enumerate(tag_ids)}
    pairs = [(column[t], i) for i, p in enumerate(papers) for t in dict.fromkeys(p.tags) if t in column]
    if not pairs or features.shape[1] == 0:
        return found
    rows, cols = np.array(pairs).T
    sizes = np.bincount(rows, minlength=len(tag_ids))
    if overall is None:
        overall = term_means(features)
    for tag, n in column.items():
        if sizes[n] == 0:
            continue
        lift = np.round(tag_centroid(features, np.unique(cols[rows == n])) - overall, 6)
        positive = np.flatnonzero(lift > 0)
        # Best lift first, ties by term (the vocabulary, hence the column order, is sorted).
        order = positive[np.lexsort((positive, -lift[positive]))][: count * 4]
        found[tag] = distinct_terms([str(features.terms[j]) for j in order.tolist()], count)
    return found
