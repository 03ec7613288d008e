"""Tag suggestions, learned from the tags a person has already assigned.

One linear SVM per tag over the papers' TF-IDF features (as arxiv-sanity trains one linear model
per tag), averaged with a vote of the paper's most similar papers, plus the taxonomy's match
rules. A wrong suggestion costs the curator more than a missing one, so a tag is suggested only
when both signals together clear THRESHOLD, and at most PER_PAPER per paper; otherwise the
suggester abstains. Suggestions go to a report that a person reviews; they never change a
paper's tags. Precision and recall with hidden tags: README and bench/quality.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.svm import LinearSVC

from generator.enrich.related import CHUNK_ROWS, TextFeatures
from generator.model import Paper, Taxonomy
from generator.records.taxonomy import TagMatcher

MIN_EXAMPLES = 3
# Chosen on the benchmark suite (bench/tags.py): the lowest score whose suggestions were right at
# least 0.8 of the time on every benchmark (held-out arXiv categories, and hand-labelled list
# sections, as tags).
THRESHOLD = 0.45
# The share of suggestions scoring at least this much that were right, on the benchmark where
# that share was lowest (bench/tags.py): a suggestion's confidence.
PRECISION_AT = ((0.70, 0.95), (0.65, 0.94), (0.60, 0.93), (0.55, 0.90), (0.50, 0.86), (0.45, 0.82))
PER_PAPER = 2
NEIGHBOURS = 10


@dataclass(frozen=True)
class Suggestion:
    paper_id: str
    tag: str
    score: float
    reason: str  # "similar papers" (the model and the neighbours' vote) or "match rule"
    confidence: float | None = None  # measured precision at this score (None: a match rule)


def confidence(score: float) -> float:
    """The measured precision of suggestions scoring at least as much as `score`."""
    return next((precision for floor, precision in PRECISION_AT if score >= floor), 0.0)


def tag_probabilities(
    train: sparse.csr_matrix, labels: Sequence[set[str]], test: sparse.csr_matrix, tags: Sequence[str]
) -> dict[str, np.ndarray]:
    """For each tag with enough examples: P(tag) for every row of `test`."""
    result: dict[str, np.ndarray] = {}
    for tag in tags:
        y = np.array([tag in own for own in labels], dtype=np.int8)
        if y.sum() < MIN_EXAMPLES or y.sum() == len(y):
            continue
        model = LinearSVC(C=0.5, class_weight="balanced", random_state=0)
        model.fit(train, y)
        # A score in (0, 1) that is 0.5 on the decision boundary.
        result[tag] = 1.0 / (1.0 + np.exp(-2.0 * model.decision_function(test)))
    return result


def held_out_probabilities(
    matrix: sparse.csr_matrix, labels: Sequence[set[str]], tags: Sequence[str], folds: int = 5
) -> dict[str, np.ndarray]:
    """P(tag) for every row from models that did not see that row (k-fold), so a paper's own
    tags do not vouch for themselves."""
    n = matrix.shape[0]
    order = np.random.RandomState(0).permutation(n)
    fold_of = np.empty(n, dtype=np.int64)
    fold_of[order] = np.arange(n) % max(1, min(folds, n))
    result: dict[str, np.ndarray] = {}
    for fold in range(max(1, min(folds, n))):
        test = np.flatnonzero(fold_of == fold)
        train = np.flatnonzero(fold_of != fold)
        if len(train) == 0:
            continue
        predicted = tag_probabilities(matrix[train], [labels[i] for i in train], matrix[test], tags)
        for tag, p in predicted.items():
            result.setdefault(tag, np.zeros(n))[test] = p
    return result


def neighbour_shares(
    similarity: np.ndarray, labels: Sequence[set[str]], tags: Sequence[str], k: int = NEIGHBOURS
) -> dict[str, np.ndarray]:
    """For each tag: the similarity-weighted share of each row's k most similar labelled columns
    that carry it. `similarity` is rows x columns (columns indexed like `labels`); a row never
    counts itself when the caller sets its own entry to a negative value."""
    labelled = np.array([bool(own) for own in labels])
    similarity = np.where(labelled[None, :], similarity, -1.0)
    take = min(k, int(labelled.sum()))
    result = {tag: np.zeros(similarity.shape[0]) for tag in tags}
    if take == 0:
        return result
    top = np.argsort(-similarity, axis=1, kind="stable")[:, :take]
    weights = np.clip(np.take_along_axis(similarity, top, axis=1), 0.0, None)
    totals = weights.sum(axis=1)
    totals[totals == 0] = 1.0
    for tag in tags:
        has = np.array([tag in own for own in labels])
        result[tag] = (weights * has[top]).sum(axis=1) / totals
    return result


def evidence(
    matrix: sparse.csr_matrix, labels: Sequence[set[str]], tags: Sequence[str]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """For every paper and every tag the SVMs could learn: the held-out SVM score and the vote
    of the paper's most similar papers (its own tags never count)."""
    svm = held_out_probabilities(matrix, labels, tags)
    n = matrix.shape[0]
    votes = {tag: np.zeros(n) for tag in svm}
    transposed = matrix.T.tocsc()
    for start in range(0, n, CHUNK_ROWS):  # a dense n x n similarity would not fit large reviews
        block = (matrix[start : start + CHUNK_ROWS] @ transposed).toarray()
        rows = np.arange(block.shape[0])
        block[rows, start + rows] = -1.0  # never a paper's own tags
        for tag, share in neighbour_shares(block, labels, list(svm)).items():
            votes[tag][start : start + len(rows)] = share
    return svm, votes


def combined_scores(
    matrix: sparse.csr_matrix, labels: Sequence[set[str]], tags: Sequence[str]
) -> dict[str, np.ndarray]:
    """The mean of the held-out SVM score and the neighbours' vote."""
    svm, votes = evidence(matrix, labels, tags)
    return {tag: (svm[tag] + votes[tag]) / 2.0 for tag in svm}


def pick(
    probabilities: dict[str, np.ndarray], row: int, exclude: set[str], threshold: float = THRESHOLD
) -> list[tuple[str, float]]:
    """The best tags of one row at or above `threshold`, at most PER_PAPER, ties by tag id."""
    scored = [
        (tag, float(p[row])) for tag, p in probabilities.items() if tag not in exclude and p[row] >= threshold
    ]
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:PER_PAPER]


def suggest_tags(
    papers: Sequence[Paper], taxonomy: Taxonomy, features: TextFeatures | None = None
) -> list[Suggestion]:
    """Tags each paper may lack, best first: the learned ones (abstaining below THRESHOLD), then
    the match rules'. A paper's own tags are never suggested."""
    if not papers:
        return []
    features = features or TextFeatures.of(papers)
    labels = [set(p.tags) for p in papers]
    svm, votes = evidence(features.matrix, labels, list(taxonomy.tags))
    combined = {tag: (svm[tag] + votes[tag]) / 2.0 for tag in svm}
    matcher = TagMatcher(taxonomy)
    found: list[Suggestion] = []
    for i, paper in enumerate(papers):
        chosen: dict[str, Suggestion] = {}
        for tag, score in pick(combined, i, labels[i]):
            reason = f"similar papers (classifier {svm[tag][i]:.2f}, neighbours' vote {votes[tag][i]:.2f})"
            chosen[tag] = Suggestion(paper.id, tag, round(score, 3), reason, confidence(score))
        for tag in matcher.tags_for(paper.title, paper.abstract):
            if tag not in labels[i] and tag not in chosen:
                chosen[tag] = Suggestion(paper.id, tag, 1.0, "match rule")
        found.extend(sorted(chosen.values(), key=lambda s: (-s.score, s.tag)))
    return found
