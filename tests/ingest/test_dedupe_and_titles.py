"""De-duplication of the bundled corpus and titles derived for untitled abstracts."""

from __future__ import annotations

import pytest

from generator.errors import ProblemLog
from generator.ingest.dedupe import fingerprint, merge_with_report
from generator.ingest.sources import read_sources
from generator.model import PaperDate, SourceBlock, SourceRef
from generator.records.titles import derive_title
from tests.conftest import REPO


@pytest.fixture(scope="module")
def bundled_blocks() -> list[SourceBlock]:
    log = ProblemLog(REPO)
    blocks = read_sources(REPO / "content" / "sources", REPO / "content", log)
    assert log.problems == []
    return blocks


def test_bundled_corpus_has_212_papers_with_13_copies_merged(bundled_blocks: list[SourceBlock]) -> None:
    records = merge_with_report(bundled_blocks)[0]
    assert len(bundled_blocks) == 225
    assert len(records) == 212
    assert sum(len(r.sources) - 1 for r in records) == 13
    assert sum(1 for r in records if r.title is None) == 19
    # Every block is accounted for exactly once.
    refs = [ref for r in records for ref in r.sources]
    assert sorted(refs) == sorted(b.ref for b in bundled_blocks)


def test_two_revisions_of_one_abstract_are_one_paper(bundled_blocks: list[SourceBlock]) -> None:
    harmo = [b for b in bundled_blocks if "Harmony Multi-Task Decision Transformer" in b.abstract]
    assert len(harmo) == 2 and harmo[0].abstract != harmo[1].abstract
    (record,) = [r for r in merge_with_report(bundled_blocks)[0] if "HarmoDT" in r.abstract]
    assert set(record.sources) == {h.ref for h in harmo}
    assert record.abstract == max((h.abstract for h in harmo), key=len)


def test_merge_keeps_the_richest_metadata() -> None:
    text = "A long abstract about reward models and ranking. " * 10
    blocks = [
        SourceBlock(SourceRef("a.txt", 1), text, None, None, PaperDate(None, 5, 7)),
        SourceBlock(SourceRef("b.txt", 9), text.upper(), "A Real Title", 4, PaperDate(2023, 5, 7), 3),
        SourceBlock(SourceRef("c.txt", 2), text, None, 6, None, 1),
    ]
    (record,) = merge_with_report(blocks)[0]
    assert record.title == "A Real Title"
    assert record.authors_count == 6
    assert record.date == PaperDate(2023, 5, 7)
    assert record.upvotes == 3
    assert record.sources == (SourceRef("a.txt", 1), SourceRef("b.txt", 9), SourceRef("c.txt", 2))


def test_fingerprint_ignores_case_spacing_and_punctuation() -> None:
    assert fingerprint("Hello,  World!") == fingerprint("hello world")
    assert fingerprint("hello world") != fingerprint("hello there world")


@pytest.mark.parametrize(
    ("start", "title"),
    [
        ("We present VAPO", "VAPO: Value-based Augmented Proximal Policy Optimization"),
        ("Inference scaling empowers", "DAPO: Decoupled Clip and Dynamic Sampling Policy Optimization"),
        ("The purpose of offline multi-task", "HarmoDT: Harmony Multi-Task Decision Transformer"),
        ("This paper presents a Domain-Inspired", "DISAM: Domain-Inspired Sharpness-Aware Minimization"),
        ("Reinforcement Learning from Human Feedback (RLHF) has", "Pairwise-RL: RLHF framework"),
        ("Recent advances in reasoning-enhanced", "ChestX-Reasoner: Radiology diagnosis MLLM"),
        ("Automatic generation of discharge", "Automatic generation of discharge summaries"),
    ],
)
def test_derived_titles_of_bundled_abstracts(
    bundled_blocks: list[SourceBlock], start: str, title: str
) -> None:
    abstract = next(b.abstract for b in bundled_blocks if b.title is None and b.abstract.startswith(start))
    assert derive_title(abstract) == title


def test_every_untitled_paper_gets_a_short_readable_title(bundled_blocks: list[SourceBlock]) -> None:
    untitled = [r for r in merge_with_report(bundled_blocks)[0] if r.title is None]
    titles = [derive_title(r.abstract) for r in untitled]
    assert len(set(titles)) == len(titles) == 19
    for title in titles:
        assert 1 <= len(title.split()) <= 14, title
        assert title[0].isupper(), title
        assert "$" not in title and "\\" not in title, title
