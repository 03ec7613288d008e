"""The taxonomy file: its rules, its validation, and the bundled starter taxonomy."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import ProblemLog
from generator.model import Tag, TagGroup, Taxonomy
from generator.records.taxonomy import TagMatcher, load_taxonomy, phrase_pattern
from tests.conftest import REPO


@pytest.mark.parametrize(
    ("entry", "text", "hit"),
    [
        ("low rank", "a low-rank adapter", True),
        ("low rank", "a low\n rank adapter", True),
        ("low rank", "slow ranking", False),
        ("RLHF", "rlhf pipelines", True),
        ("re:(?-i:RAG)", "rag cloth", False),
        ("re:(?-i:RAG)", "RAG systems", True),
        ("C++", "C++ code", True),
    ],
)
def test_phrase_entries(entry: str, text: str, hit: bool) -> None:
    assert bool(phrase_pattern(entry).search(text)) is hit


def test_min_hits_counts_distinct_entries() -> None:
    tag = Tag("t", "T", "", "g", ("alpha", "beta"), min_hits=2)
    matcher = TagMatcher(Taxonomy({"g": TagGroup("g", "G", "")}, {"t": tag}))
    assert matcher.tags_for("alpha alpha", "") == []
    assert matcher.tags_for("alpha", "and beta") == ["t"]


def test_bundled_taxonomy_is_valid_and_sized_for_the_corpus() -> None:
    log = ProblemLog(REPO)
    taxonomy = load_taxonomy(REPO / "content" / "tags.yaml", log)
    assert log.problems == []
    assert 20 <= len(taxonomy.tags) <= 40
    assert all(t.description and t.label and t.group in taxonomy.groups for t in taxonomy.tags.values())
    for needed in (
        "rlhf",
        "rl-reasoning",
        "peft-low-rank",
        "retrieval-reranking",
        "pretraining-data",
        "curriculum-learning",
        "clinical-nlp",
        "multi-agent",
    ):
        assert needed in taxonomy.tags


def test_taxonomy_problems_are_reported_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "tags.yaml"
    path.write_text(
        "groups:\n"
        "  g:\n"
        "    label: G\n"
        "tags:\n"
        "  ok:\n"
        "    label: Fine\n"
        "    group: g\n"
        "  lost:\n"
        "    label: Lost\n"
        "    group: nowhere\n"
        "  Bad_Id:\n"
        "    label: x\n"
        "  typo:\n"
        "    label: T\n"
        "    group: g\n"
        "    mach: [x]\n"
        "  regex:\n"
        "    label: R\n"
        "    group: g\n"
        "    match: ['re:(']\n"
    )
    log = ProblemLog(tmp_path)
    load_taxonomy(path, log)
    found = {(p.line, p.message.split(",")[0][:40]) for p in log.errors}
    assert {line for line, _ in found} == {10, 11, 16, 20}
    assert any("'nowhere', which is not defined" in p.message for p in log.errors)
    assert any("unknown key 'mach'" in p.message for p in log.errors)


def test_taxonomy_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = tmp_path / "tags.yaml"
    path.write_text("groups:\n  g: {label: G\ntags: {}\n")
    log = ProblemLog(tmp_path)
    load_taxonomy(path, log)
    assert len(log.errors) == 1 and log.errors[0].line in (2, 3)
    assert "YAML syntax error" in log.errors[0].message
