"""De-duplication never merges different papers: different arXiv ids or DOIs are different
papers, and text alone merges titled papers only on nearly the same abstract (issue #17, 5-6)."""

from __future__ import annotations

import gzip
import json
import time
from itertools import islice
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bench.common import ARXIV
from generator.cache.store import Cache
from generator.cli import cli
from generator.errors import ProblemLog
from generator.ingest.dedupe import merge_with_report
from generator.ingest.formats import read_json_records
from generator.ingest.importer import SyncJob, merge_report, remember_sync, run_sync
from generator.model import Bibliographic, SourceBlock, SourceRef
from generator.project import Project
from generator.records.store import load_papers
from tests.conftest import synthetic_abstract

# Pairs of the first 20,000 papers of the shared corpus that an earlier version merged.
MERGED_BEFORE = [
    ("2503.12492", "2503.12494"),  # the same abstract under two arXiv ids
    ("2503.18064", "2503.20808"),  # 98% alike
    ("2503.21055", "2506.00101"),  # 83% alike
    ("2504.03948", "2505.22858"),  # 100% alike, different titles
    ("2504.11837", "2505.06987"),  # 61% alike, different titles
    ("2506.07002", "2506.09417"),  # 95% alike
]
FIRST = 20_000


def block(line: int, abstract: str, title: str | None = None, arxiv: str | None = None) -> SourceBlock:
    meta = Bibliographic(arxiv_id=arxiv) if arxiv else None
    return SourceBlock(SourceRef("sources/a.jsonl", line), abstract, title, None, None, meta=meta)


def test_the_same_abstract_under_two_arxiv_ids_is_two_papers() -> None:
    text = synthetic_abstract("twins")
    records, near = merge_with_report([block(1, text, "A", "2501.00001"), block(2, text, "B", "2501.00002")])
    assert len(records) == 2
    (possible,) = [n for n in near if n.possible]
    assert "different arXiv ids" in possible.why


def test_different_dois_are_different_papers() -> None:
    text = synthetic_abstract("dois")
    blocks = [
        SourceBlock(SourceRef("a.bib", 1), text, "T", None, None, meta=Bibliographic(doi="10.1/a")),
        SourceBlock(SourceRef("a.bib", 9), text, "T", None, None, meta=Bibliographic(doi="10.1/b")),
    ]
    assert len(merge_with_report(blocks)[0]) == 2


def test_a_revision_without_ids_still_merges_but_different_titles_need_near_identity() -> None:
    base = synthetic_abstract("revision", sentences=8)
    words = base.split()
    revised = " ".join(words[: len(words) * 7 // 10]) + " " + synthetic_abstract("other", sentences=3)
    untitled = merge_with_report([block(1, base), block(2, revised)])[0]
    assert len(untitled) == 1  # a pasted abstract carries no title: the text decides
    same_title = merge_with_report([block(1, base, "One Title"), block(2, revised, "One title")])[0]
    assert len(same_title) == 1
    records, near = merge_with_report(
        [block(1, base, "FiSMiness"), block(2, revised, "A Value-based Planner")]
    )
    assert len(records) == 2
    (possible,) = [n for n in near if n.possible]
    assert "different titles" in possible.why


def test_import_reports_possible_duplicates_and_keeps_both(tmp_path: Path) -> None:
    root = tmp_path / "r"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    text = synthetic_abstract("twin-import")
    rows = [
        {"id": "2501.00001", "title": "First Paper", "abstract": text},
        {"id": "2501.00002", "title": "Second Paper", "abstract": text},
    ]
    source = tmp_path / "twins.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = CliRunner().invoke(cli, ["import", str(source), "-C", str(root)])
    assert result.exit_code == 0, result.output
    project = Project.at(root)
    assert sorted(p.stem for p in project.papers_dir.glob("*.yaml")) == ["2501.00001", "2501.00002"]
    report = yaml.safe_load((project.content_dir / "merge-report.yaml").read_text())
    assert report["merged"] == []
    assert len(report["possible_duplicates"]) == 1
    checked = CliRunner().invoke(cli, ["check", "-C", str(root)])
    assert checked.exit_code == 0, checked.output
    assert "possible duplicate, kept apart: sources/twins.jsonl:1 and sources/twins.jsonl:2" in checked.output
    # A later source with the same abstract under a third id is a third paper, not the first.
    later = tmp_path / "later.jsonl"
    later.write_text(json.dumps({"id": "2501.00003", "title": "Third", "abstract": text}) + "\n")
    assert CliRunner().invoke(cli, ["import", str(later), "-C", str(root)]).exit_code == 0
    assert len(list(project.papers_dir.glob("*.yaml"))) == 3


def test_a_source_added_during_an_import_is_imported_later(tmp_path: Path) -> None:
    root = tmp_path / "r"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    project = Project.at(root)
    project.sources_dir.mkdir(parents=True, exist_ok=True)
    (project.sources_dir / "first.jsonl").write_text(
        json.dumps({"id": "2501.00011", "title": "One", "abstract": synthetic_abstract(1)}) + "\n"
    )
    cache = Cache(project.work_dir / "cache")
    report = run_sync(project, ProblemLog(root), SyncJob(cache=cache))
    assert len(report.created) == 1
    # A second file arrives before the import notes what it imported.
    (project.sources_dir / "second.jsonl").write_text(
        json.dumps({"id": "2501.00012", "title": "Two", "abstract": synthetic_abstract(2)}) + "\n"
    )
    remember_sync(project, load_papers(project.papers_dir, None, ProblemLog()), report, cache)
    again = run_sync(project, ProblemLog(root), SyncJob(cache=cache))
    assert again.created == ["2501.00012"]
    assert merge_report(again)["merged"] == []


def arxiv_blocks(count: int) -> list[SourceBlock]:
    with gzip.open(ARXIV, "rt", encoding="utf-8") as handle:
        text = "".join(islice(handle, count))
    log = ProblemLog()
    blocks = read_json_records(text, "sources/arxiv.jsonl", log, None)
    assert len(blocks) == count and not log.errors
    return blocks


@pytest.mark.skipif(not ARXIV.is_file(), reason="the shared corpus is not beside the repository")
def test_the_first_20000_arxiv_papers_are_all_kept() -> None:
    blocks = arxiv_blocks(FIRST)
    assert len({b.meta.arxiv_id for b in blocks if b.meta}) == FIRST  # distinct papers
    started = time.perf_counter()
    records, near = merge_with_report(blocks)
    assert len(records) == FIRST, [r.sources for r in records if len(r.sources) > 1]
    assert time.perf_counter() - started < 120  # about 17 s on an idle machine
    by_line = {b.ref: b.meta.arxiv_id for b in blocks if b.meta}
    possible = {frozenset((by_line[n.first], by_line[n.second])) for n in near if n.possible}
    assert {frozenset(pair) for pair in MERGED_BEFORE} <= possible
