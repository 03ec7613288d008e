"""Tag suggestions, learned from the tags a person has already assigned.

One linear SVM per tag over the papers' TF-IDF features (as arxiv-sanity trains one linear model
per tag), plus the taxonomy's match rules. On the arXiv benchmark (bench/quality) a linear SVM
suggests as well as logistic regression and trains much faster. Suggestions go to a report that
a person reviews; they never change a paper's tags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.svm import LinearSVC

from generator.enrich.related import TextFeatures
from generator.model import Paper, Taxonomy
from generator.records.taxonomy import TagMatcher

MIN_EXAMPLES = 3
THRESHOLD = 0.5
PER_PAPER = 3


@dataclass(frozen=True)
class Suggestion:
    paper_id: str
    tag: str
    score: float
    reason: str  # "similar papers" (the model) or "match rule"


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


def pick(probabilities: dict[str, np.ndarray], row: int, exclude: set[str]) -> list[tuple[str, float]]:
    """The best tags of one row above THRESHOLD, at most PER_PAPER, ties by tag id."""
    scored = [
        (tag, float(p[row])) for tag, p in probabilities.items() if tag not in exclude and p[row] >= THRESHOLD
    ]
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:PER_PAPER]


def suggest_tags(
    papers: Sequence[Paper], taxonomy: Taxonomy, features: TextFeatures | None = None
) -> list[Suggestion]:
    if not papers:
        return []
    features = features or TextFeatures.of(papers)
    labels = [set(p.tags) for p in papers]
    probabilities = held_out_probabilities(features.matrix, labels, list(taxonomy.tags))
    matcher = TagMatcher(taxonomy)
    found: list[Suggestion] = []
    for i, paper in enumerate(papers):
        chosen: dict[str, Suggestion] = {}
        for tag, score in pick(probabilities, i, labels[i]):
            chosen[tag] = Suggestion(paper.id, tag, round(score, 3), "similar papers")
        for tag in matcher.tags_for(paper.title, paper.abstract):
            if tag not in labels[i] and tag not in chosen:
                chosen[tag] = Suggestion(paper.id, tag, 1.0, "match rule")
        found.extend(sorted(chosen.values(), key=lambda s: (-s.score, s.tag)))
    return found
