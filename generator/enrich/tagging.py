"""Starter tags for papers entering the review: the taxonomy's match rules, else a vote.

Only new papers are tagged here; a record's tags belong to the person from then on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from generator.enrich.related import CHUNK_ROWS, TextFeatures
from generator.model import Paper, Taxonomy
from generator.records.taxonomy import TagMatcher

VOTERS = 5


def rule_tags(papers: Sequence[Paper], taxonomy: Taxonomy) -> list[tuple[str, ...]]:
    matcher = TagMatcher(taxonomy)
    return [tuple(matcher.tags_for(p.title, p.abstract)) for p in papers]


def vote_tags(papers: Sequence[Paper], untagged: set[str]) -> dict[str, str]:
    """For each id in `untagged`: the tag with most similarity-weighted votes among the
    VOTERS tagged papers most similar to it (ties by tag id)."""
    voters = [i for i, p in enumerate(papers) if p.tags]
    targets = [i for i, p in enumerate(papers) if p.id in untagged]
    if not voters or not targets:
        return {}
    matrix = TextFeatures.of(papers).matrix
    chosen: dict[str, str] = {}
    for start in range(0, len(targets), CHUNK_ROWS):
        chunk = targets[start : start + CHUNK_ROWS]
        scores = (matrix[chunk] @ matrix[voters].T).toarray()
        for target, row in zip(chunk, scores, strict=True):
            best = sorted(range(len(voters)), key=lambda v: (-row[v], papers[voters[v]].id))
            votes: Counter[str] = Counter()
            for v in best[:VOTERS]:
                if row[v] <= 0:
                    break
                for tag in papers[voters[v]].tags:
                    votes[tag] += float(row[v])
            if votes:
                chosen[papers[target].id] = min(votes, key=lambda t: (-votes[t], t))
    return chosen
