"""Starter tags for papers entering the review: the taxonomy's match rules, else a vote that
abstains.

Only new papers are tagged here; a record's tags belong to the person from then on. A wrong tag
is worse than none, so the vote of similar papers sets a tag only when it is confident: the
winning tag holds at least VOTE_SHARE of the similarity-weighted vote of the VOTERS most similar
papers (an untagged one abstains: a paper among untagged papers is not tagged from far-away
tagged ones), and the nearest of them is at least MIN_SIMILARITY alike. At these thresholds the
vote's precision on the benchmark suite (held-out arXiv categories and hand-labelled list
sections as tags, bench/tags.py) is at least 0.8; the README has the figures. Papers it abstains
on stay untagged, and the import lists them for the curator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from generator.enrich.related import CHUNK_ROWS, TextFeatures
from generator.model import Paper, Taxonomy
from generator.records.taxonomy import TagMatcher

VOTERS = 5
VOTE_SHARE = 0.6
MIN_SIMILARITY = 0.1


def rule_tags(papers: Sequence[Paper], taxonomy: Taxonomy) -> list[tuple[str, ...]]:
    matcher = TagMatcher(taxonomy)
    return [tuple(matcher.tags_for(p.title, p.abstract)) for p in papers]


def vote_confidences(
    papers: Sequence[Paper], untagged: set[str], features: TextFeatures | None = None
) -> dict[str, tuple[str, float, float]]:
    """For each id in `untagged` with a similar tagged paper among its VOTERS most similar
    papers: the tag with most similarity-weighted votes (ties by tag id), its share of all their
    weight (untagged papers abstain), and the similarity of the nearest paper. A paper never
    votes for itself."""
    # Every other paper is a voter: an untagged one abstains, so a paper whose nearest papers
    # are untagged gets a weak vote, however few tagged papers there are.
    voters = list(range(len(papers)))
    targets = [i for i, p in enumerate(papers) if p.id in untagged]
    if not targets or not any(p.tags and p.id not in untagged for p in papers):
        return {}
    matrix = (features or TextFeatures.of(papers)).matrix
    found: dict[str, tuple[str, float, float]] = {}
    for start in range(0, len(targets), CHUNK_ROWS):
        chunk = targets[start : start + CHUNK_ROWS]
        scores = (matrix[chunk] @ matrix[voters].T).toarray()
        for target, row in zip(chunk, scores, strict=True):
            row[target] = -1.0  # never itself
            near = np.argpartition(-row, min(VOTERS + 8, len(row) - 1))[: VOTERS + 8]
            best = sorted(near.tolist(), key=lambda v: (-row[v], papers[voters[v]].id))[:VOTERS]
            votes: Counter[str] = Counter()
            total = 0.0
            for v in best:
                if row[v] <= 0:
                    break
                total += float(row[v])
                if papers[voters[v]].id in untagged:
                    continue  # its tags are not known yet
                for tag in papers[voters[v]].tags:
                    votes[tag] += float(row[v])
            if votes:
                tag = min(votes, key=lambda t: (-votes[t], t))
                found[papers[target].id] = (tag, votes[tag] / total, float(row[best[0]]))
    return found


def vote_tags(
    papers: Sequence[Paper],
    untagged: set[str],
    share: float = VOTE_SHARE,
    similarity: float = MIN_SIMILARITY,
) -> dict[str, str]:
    """For each id in `untagged` on which the vote is confident (the module's docstring): the
    tag it votes for. Others are left out: no tag is better than a wrong one."""
    return {
        paper_id: tag
        for paper_id, (tag, vote_share, nearest) in vote_confidences(papers, untagged).items()
        if vote_share >= share and nearest >= similarity
    }
