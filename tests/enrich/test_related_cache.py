"""Related papers and key terms: pair terms, listings, and enrichment from a warm cache."""

from __future__ import annotations

from pathlib import Path

from generator.cache.store import Cache
from generator.enrich.related import RelatedLists, TextFeatures, pair_terms, related_papers
from generator.errors import ProblemLog
from generator.project import Project
from generator.records.review import load_review
from tests.conftest import REPO


def test_pair_terms_match_the_per_pair_definition() -> None:
    papers = load_review(Project.at(REPO), ProblemLog()).papers
    features = TextFeatures.of(papers)
    pairs = [(i, (i * 7 + 3) % len(papers)) for i in range(len(papers))]
    assert pair_terms(features, pairs) == [features.shared_terms(i, j) for i, j in pairs]


def test_the_papers_listing_a_paper_are_found_without_making_lists() -> None:
    papers = load_review(Project.at(REPO), ProblemLog()).papers
    lists = related_papers(papers)
    for wanted in ({papers[0].id}, {papers[5].id, papers[40].id}, {"no-such-paper"}, set()):
        expected = {i for i, items in lists.items() if any(r.id in wanted for r in items)}
        assert RelatedLists(papers, lists.choices).listing(wanted) == expected
    assert lists.listing({papers[0].id}), "the first paper is listed somewhere"


def test_enrichment_from_a_warm_cache_after_tag_edits_is_the_cold_result(tmp_path: Path) -> None:
    """Related choices and key terms are cached by text (and pins, hides, topic members): after
    tag edits, what the cache gives is what computing everything afresh gives."""
    from dataclasses import replace

    from generator.enrich.stage import enrich

    review = load_review(Project.at(REPO), ProblemLog())
    warm = Cache(tmp_path / "warm")
    enrich(review, warm, "lsa")
    papers = list(review.papers)
    for n in (3, 50, 120):  # move each to another topic, and give one a second topic
        paper = papers[n]
        other = next(t for t in review.taxonomy.tags if t not in paper.tags)
        papers[n] = replace(paper, tags=(other, *paper.tags[1:]) if n != 50 else (*paper.tags, other))
    edited = replace(review, papers=tuple(papers))
    from_cache = enrich(edited, warm, "lsa")
    cold = enrich(edited, Cache(tmp_path / "cold"), "lsa")
    assert from_cache.related == cold.related
    assert from_cache.key_terms == cold.key_terms
    assert from_cache.key_terms != enrich(review, warm, "lsa").key_terms  # the edits moved some
