"""Tag suggestions measured the honest way: hide tags of the bundled review, suggest them back."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence

import pytest

from generator.enrich.suggest import suggest_tags
from generator.errors import ProblemLog
from generator.model import Paper, Taxonomy
from generator.project import Project
from generator.records.review import load_review
from tests.conftest import REPO


@pytest.fixture(scope="module")
def bundled() -> tuple[list[Paper], Taxonomy]:
    project = Project.at(REPO)
    review = load_review(project, ProblemLog(project.root))
    return list(review.papers), review.taxonomy


def without_rules(taxonomy: Taxonomy) -> Taxonomy:
    """The taxonomy with no match rules, so that only the learned suggestions are measured (the
    bundled review's tags largely come from its rules, which would suggest them back)."""
    tags = {tag_id: dataclasses.replace(tag, match=()) for tag_id, tag in taxonomy.tags.items()}
    return dataclasses.replace(taxonomy, tags=tags)


def hide_tags(papers: Sequence[Paper], seed: int) -> tuple[list[Paper], dict[str, set[str]]]:
    """Every fifth paper (chosen at random) loses all its tags."""
    rng = random.Random(seed)
    chosen = set(rng.sample(range(len(papers)), len(papers) // 5))
    hidden = {papers[i].id: set(papers[i].tags) for i in chosen}
    shown = [dataclasses.replace(p, tags=()) if i in chosen else p for i, p in enumerate(papers)]
    return shown, hidden


def recovered(papers: Sequence[Paper], taxonomy: Taxonomy, seed: int) -> tuple[int, int]:
    """(hidden tags suggested back, suggestions made for the papers whose tags were hidden)."""
    shown, hidden = hide_tags(papers, seed)
    suggestions = [s for s in suggest_tags(shown, taxonomy) if s.paper_id in hidden]
    right = sum(s.tag in hidden[s.paper_id] for s in suggestions)
    return right, len(suggestions)


def test_learned_suggestions_recover_hidden_tags_precisely(bundled) -> None:  # type: ignore[no-untyped-def]
    papers, taxonomy = bundled
    right = made = 0
    for seed in (0, 1):
        r, m = recovered(papers, without_rules(taxonomy), seed)
        right, made = right + r, made + m
    assert right >= 24
    assert right / made >= 0.85


def test_suggestions_with_the_rules_recover_most_hidden_tags(bundled) -> None:  # type: ignore[no-untyped-def]
    papers, taxonomy = bundled
    right, made = recovered(papers, taxonomy, seed=0)
    assert right >= 60
    assert right / made >= 0.9


def test_abstains_on_a_paper_that_matches_no_topic(bundled) -> None:  # type: ignore[no-untyped-def]
    papers, taxonomy = bundled
    stray = Paper(
        id="sourdough",
        title="Rye sourdough bread with a long cold fermentation",
        abstract=(
            "We bake rye sourdough loaves with a starter fed twice a day, proof the dough overnight "
            "in a refrigerator and compare the crumb, crust and sourness of loaves baked in a Dutch "
            "oven against loaves baked on a stone. Tasters preferred the cold-proofed loaves."
        ),
        tags=(),
        fingerprint="",
    )
    suggestions = suggest_tags([*papers, stray], taxonomy)
    assert [s for s in suggestions if s.paper_id == "sourdough"] == []


def test_each_learned_suggestion_says_why_and_how_sure(bundled) -> None:  # type: ignore[no-untyped-def]
    papers, taxonomy = bundled
    shown, _ = hide_tags(papers, seed=0)
    learned = suggest_tags(shown, without_rules(taxonomy))
    assert learned
    for s in learned:
        assert 0.45 <= s.score <= 1.0
        assert s.reason.startswith("similar papers (classifier ")
        assert "neighbours' vote" in s.reason
    per_paper: dict[str, int] = {}
    for s in learned:
        per_paper[s.paper_id] = per_paper.get(s.paper_id, 0) + 1
    assert max(per_paper.values()) <= 2
