"""Import writes only records that check accepts; match rules that could hang are refused;
stale temporary records are cleaned up (issue #17, 10, 11 and 14)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.errors import ProblemLog
from generator.project import Project
from generator.records.store import MAX_RECORD_BYTES, MAX_TAGS_PER_PAPER, MAX_TITLE_CHARS, load_papers
from tests.conftest import synthetic_abstract


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture
def empty(tmp_path: Path) -> Project:
    root = tmp_path / "r"
    assert run("init", str(root))[0] == 0
    return Project.at(root)


def many_tags(count: int) -> str:
    """A taxonomy of `count` tags whose rules all match the word 'study'."""
    lines = ["groups:", "  g:", "    label: G", "    description: All.", "tags:"]
    for i in range(count):
        lines += [
            f"  t{i}:",
            f"    label: T{i}",
            "    description: A tag.",
            "    group: g",
            "    match:",
            "      - study",
        ]
    return "\n".join(lines) + "\n"


def test_import_cuts_what_check_would_refuse_and_says_so(empty: Project, tmp_path: Path) -> None:
    empty.tags_file.write_text(many_tags(MAX_TAGS_PER_PAPER + 11))
    title = "A Very Long Title " * 172  # 3,095 characters, once stripped
    huge = (synthetic_abstract("huge") + " ") * (MAX_RECORD_BYTES // 300)
    bib = tmp_path / "refs.bib"
    bib.write_text(
        f"@article{{long2021,\n  title = {{{title}}},\n  year = {{2021}},\n"
        f"  abstract = {{{synthetic_abstract('long')}}}\n}}\n\n"
        f"@article{{huge2021,\n  title = {{Huge}},\n  year = {{2021}},\n  abstract = {{{huge}}}\n}}\n"
    )
    code, out = run("import", str(bib), "-C", str(empty.root))
    assert code == 0, out
    assert "content/sources/refs.bib:1: warning: the entry 'long2021': the title has 3,095 characters" in out
    assert f"61 tags matched: kept the first {MAX_TAGS_PER_PAPER}" in out
    assert "the entry 'huge2021'" in out and "the abstract has" in out
    records = [yaml.safe_load(p.read_text()) for p in empty.papers_dir.glob("*.yaml")]
    assert len(records) == 2
    for record in records:
        assert len(record["title"]) <= MAX_TITLE_CHARS and len(record["tags"]) <= MAX_TAGS_PER_PAPER
    assert all(p.stat().st_size <= MAX_RECORD_BYTES for p in empty.papers_dir.glob("*.yaml"))
    code, out = run("check", "-C", str(empty.root))
    assert code == 0, out
    # Importing again changes nothing: the cut records are recognised.
    code, out = run("import", str(bib), "-C", str(empty.root))
    assert code == 0 and "0 new" in out


@pytest.mark.parametrize("rule", ["re:(a+)+b", r"re:(\w+\s?)+$", "re:(x|x)*y"])
def test_a_catastrophic_match_rule_is_refused_with_its_name(
    empty: Project, tmp_path: Path, rule: str
) -> None:
    text = empty.tags_file.read_text().replace("      - patient\n", f"      - patient\n      - '{rule}'\n")
    empty.tags_file.write_text(text)
    code, out = run("check", "-C", str(empty.root))
    assert code == 1
    assert "tag 'healthcare': bad regex" in out and repr(rule) in out.replace("\n", "")
    assert "exponential time" in out
    abstracts = tmp_path / "new.txt"
    abstracts.write_text("T\n" + "a" * 400 + "\n")
    started = time.monotonic()
    code, out = run("import", str(abstracts), "-C", str(empty.root))
    assert code == 1 and time.monotonic() - started < 30
    assert "tag 'healthcare'" in out


def test_stale_temporary_records_are_removed_and_other_files_reported(empty: Project) -> None:
    empty.papers_dir.mkdir(parents=True, exist_ok=True)
    stale = empty.papers_dir / ".some-paper.yaml.k2j3h4.tmp"
    fresh = empty.papers_dir / ".other-paper.yaml.a8b7c6.tmp"
    stale.write_text("id: some-paper\n")
    fresh.write_text("id: other-paper\n")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    (empty.papers_dir / "notes.txt").write_text("my notes")
    log = ProblemLog(empty.root)
    load_papers(empty.papers_dir, None, log)
    assert not stale.exists() and fresh.exists()
    messages = [str(p) for p in log.warnings]
    assert any(".some-paper.yaml.k2j3h4.tmp" in m and "interrupted write" in m for m in messages)
    code, out = run("check", "-C", str(empty.root))
    assert code == 0
    assert "content/papers/notes.txt: warning: an unexpected file in content/papers/" in out
    assert ".other-paper" not in out
