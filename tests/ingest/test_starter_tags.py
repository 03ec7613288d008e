"""The tags new papers get on import: match rules, an export's keywords, and a vote that only
the tags a person gave can sway (generator/ingest/importer.py, _starter_tags)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from generator.enrich.tagging import rule_tags
from generator.errors import ProblemLog
from generator.ingest.importer import ImportReport, _starter_tags
from generator.model import Review, Taxonomy
from generator.project import Project
from generator.records.review import load_review
from generator.records.taxonomy import load_taxonomy
from tests.conftest import REPO

STARTER = REPO / "generator" / "scaffold" / "tags.yaml"  # what `init` writes


@pytest.fixture(scope="module")
def bundled() -> Review:
    return load_review(Project.at(REPO), ProblemLog())


def without_rules(taxonomy: Taxonomy) -> Taxonomy:
    return replace(taxonomy, tags={i: replace(t, match=()) for i, t in taxonomy.tags.items()})


def test_papers_already_in_the_review_vote_for_new_papers_no_rule_tags(bundled: Review) -> None:
    papers, taxonomy = list(bundled.papers), without_rules(bundled.taxonomy)
    picked = list(range(0, len(papers), 7))
    new = [replace(papers[i], id=f"new-{i}", tags=()) for i in picked]
    existing = [SimpleNamespace(paper=p) for n, p in enumerate(papers) if n not in picked]
    found = _starter_tags(new, existing, taxonomy, ImportReport())  # type: ignore[arg-type]
    voted = [p for p in found if p.tags]
    assert voted, "the curated papers' tags reach some similar new papers"
    assert len(voted) < len(new), "and the vote abstains on others"
    # The vote's tags are the curator's tags of the same papers in most cases.
    right = sum(p.tags[0] in papers[int(p.id[4:])].tags for p in voted)
    assert right / len(voted) >= 0.8


def test_a_match_rules_tags_never_vote_in_a_new_review(bundled: Review) -> None:
    """A review made by `init` imports its first papers at once: the papers the rules passed over
    stay untagged (for the curator) instead of taking the rule-tagged neighbours' tags."""
    papers = [replace(p, tags=()) for p in bundled.papers]
    starter = load_taxonomy(STARTER, ProblemLog())
    found = _starter_tags(papers, [], starter, ImportReport())
    by_rule = rule_tags(papers, starter)
    assert any(by_rule) and not all(by_rule)
    assert [p.tags for p in found] == [tuple(sorted(set(tags))) for tags in by_rule]
