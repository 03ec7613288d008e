"""Broken input: each bad source and each bad record gets a clear message with file and line,
the good papers still import, and nothing is half-written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.errors import ContentErrors, ProblemLog
from generator.ingest.importer import sync_sources
from generator.ingest.sources import MAX_LINE_CHARS, read_source
from generator.project import Project
from tests.conftest import FIXTURES

SOURCES = FIXTURES / "sources"
GOOD = SOURCES / "hf_listing.txt"  # four good papers


def read(path: Path) -> tuple[list, ProblemLog]:
    log = ProblemLog(path.parent)
    return read_source(path, path.name, log), log


# (fixture, papers read, severity, line, what the message says)
BAD_SOURCES = [
    ("empty.txt", 0, "error", 1, "the file is empty; expected pasted paper abstracts"),
    ("binary.txt", 0, "error", 1, "this is a binary file, not pasted text"),
    ("latin1.txt", 1, "warning", None, "not UTF-8; it was read as Latin-1"),
    ("not_a_dump.txt", 0, "error", 1, "no paper abstracts found; expected lines starting 'Abstract:'"),
    ("title_without_abstract.txt", 1, "warning", 1, "has no abstract after it; skipped"),
    ("abstract_without_title_in_listing.txt", 3, "warning", 5, "an abstract without a title line"),
]


@pytest.mark.parametrize(("name", "papers", "severity", "line", "message"), BAD_SOURCES)
def test_bad_source_files(name: str, papers: int, severity: str, line: int | None, message: str) -> None:
    blocks, log = read(SOURCES / name)
    assert len(blocks) == papers
    assert len(log.problems) == 1, log.problems
    problem = log.problems[0]
    assert (problem.path, problem.severity, problem.line) == (name, severity, line)
    assert message in problem.message


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("latin1.txt", "Café Résumé Learning"),
        ("utf16_bom.txt", "Unicode – Sixteen Title"),
        ("utf16le_no_bom.txt", "Little Endian Title"),
        ("windows_crlf.txt", "Windows Title One"),
    ],
)
def test_other_encodings_and_line_endings_are_read(name: str, title: str) -> None:
    blocks, _ = read(SOURCES / name)
    assert blocks[0].title == title
    assert "\r" not in blocks[0].abstract and "\x00" not in blocks[0].abstract


def test_a_five_megabyte_line_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "huge_line.txt"
    good = GOOD.read_text()
    path.write_text(good + "\nA Title\n\n" + "word " * 1_000_000 + "\n")
    blocks, log = read(path)
    assert len(blocks) == 4  # the good papers before it
    (problem,) = log.errors
    assert problem.line == good.count("\n") + 4
    assert f"longer than any abstract (the limit is {MAX_LINE_CHARS:,})" in problem.message


def test_a_100_megabyte_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: costs no disk, and no time unless read
    blocks, log = read(path)
    assert blocks == []
    assert "the file is 100 MB, over the 50 MB limit" in log.errors[0].message


def test_good_papers_still_import_beside_bad_files(tmp_path: Path) -> None:
    root = tmp_path / "r"
    CliRunner().invoke(cli, ["init", str(root)])
    project = Project.at(root)
    for name, *_ in BAD_SOURCES:
        shutil.copy(SOURCES / name, project.sources_dir / name)
    shutil.copy(GOOD, project.sources_dir / "good.txt")
    log = ProblemLog(project.root)
    report = sync_sources(project, log)
    # 4 good + 1 latin-1 + 1 after the orphan title + 3 in the untitled-abstract listing
    assert len(report.created) == 9
    assert {p.path.rsplit("/", 1)[-1] for p in log.problems} >= {name for name, *_ in BAD_SOURCES}
    records = sorted(project.papers_dir.glob("*.yaml"))
    assert len(records) == 9
    assert not list(project.papers_dir.glob(".*.tmp"))  # no temporary file left behind
    result = CliRunner().invoke(cli, ["check", "-C", str(root)])
    assert result.exit_code == 1
    assert "content/sources/binary.txt:1: error: this is a binary file" in result.output


# --- bad records: every problem reported at once, with its line ----------------------------

RECORD = "id: {id}\ntitle: A title\ntags:\n- transformers\nabstract: An abstract.\n"
BAD_RECORDS = {
    "syntax": ("id: syntax\ntitle: 'unclosed\ntags: []\n", 2, "YAML syntax error"),
    "tags-string": (
        "id: tags-string\ntitle: T\ntags: transformers\nabstract: A.\n",
        3,
        "tags must be a list",
    ),
    "number-title": (
        "id: number-title\ntitle: 42\ntags: []\nabstract: A.\n",
        2,
        "title must be non-empty text, got 42",
    ),
    "unknown-key": ("id: unknown-key\ntitle: T\ntgas: []\nabstract: A.\n", 3, "unknown key 'tgas'"),
    "wrong-name": ("id: another-name\ntitle: T\ntags: []\nabstract: A.\n", 1, "differs from the file name"),
    "unknown-tag": (
        "id: unknown-tag\ntitle: T\ntags:\n- transformers\n- no-such-tag\nabstract: A.\n",
        5,
        "unknown tag 'no-such-tag'",
    ),
    "bad-date": (
        "id: bad-date\ntitle: T\ndate: yesterday\ntags: []\nabstract: A.\n",
        3,
        "date must look like",
    ),
    "bad-count": (
        "id: bad-count\ntitle: T\nauthors_count: many\ntags: []\nabstract: A.\n",
        3,
        "authors_count must be a whole number",
    ),
    "dup-key": (
        "id: dup-key\ntitle: T\ntitle: U\ntags: []\nabstract: A.\n",
        3,
        "the key 'title' appears twice",
    ),
    "not-a-mapping": ("- just\n- a list\n", 1, "expected a mapping of paper fields"),
    "sixty-tags": (
        "id: sixty-tags\ntitle: T\ntags: [" + ", ".join(["transformers"] * 60) + "]\nabstract: A.\n",
        3,
        "60 tags; a paper may have at most 50",
    ),
    # A million tags makes a 14 MB file: refused by size before it is parsed.
    "million-tags": (
        "id: million-tags\ntitle: T\ntags: [" + ", ".join(["transformers"] * 1_000_000) + "]\nabstract: A.\n",
        None,
        "the record is over 1024 KB",
    ),
    "Dup-Case": (RECORD.format(id="dup-case"), 1, "differs from the file name"),
}


def test_check_reports_every_bad_record_with_its_line(tmp_path: Path) -> None:
    root = tmp_path / "r"
    CliRunner().invoke(cli, ["init", str(root)])
    papers = root / "content" / "papers"
    (papers / "good.yaml").write_text(RECORD.format(id="good"))
    (papers / "also-good.yaml").write_text(RECORD.format(id="GOOD").replace("id: GOOD", "id: also-good"))
    for name, (text, _, _) in BAD_RECORDS.items():
        (papers / f"{name}.yaml").write_text(text)
    tags = root / "content" / "tags.yaml"
    tags.write_text(tags.read_text().replace("group: applications", "group: nowhere"))
    result = CliRunner().invoke(cli, ["check", "-C", str(root)])
    assert result.exit_code == 1
    for name, (_, line, message) in BAD_RECORDS.items():
        where = f"content/papers/{name}.yaml{f':{line}' if line else ''}: error: "
        assert any(out.startswith(where) and message in out for out in result.output.splitlines()), (
            where + message
        )
    assert "content/tags.yaml:" in result.output and "'nowhere', which is not defined" in result.output
    assert "Traceback" not in result.output
    # ...and build refuses, pointing at check, without touching a site.
    result = CliRunner().invoke(cli, ["build", "-C", str(root)])
    assert result.exit_code == 1
    assert "run `litreview check` to see them all" in result.output
    assert not (root / "site").exists()


def test_duplicate_ids_differing_in_case(tmp_path: Path) -> None:
    papers = tmp_path / "content" / "papers"
    papers.mkdir(parents=True)
    (papers / "same.yaml").write_text(RECORD.format(id="same"))
    (papers / "Same.yaml").write_text(RECORD.format(id="Same"))
    from generator.records.store import load_papers

    log = ProblemLog(tmp_path)
    records = load_papers(papers, None, log)
    assert [r.paper.id for r in records] == ["same"]
    assert any("must be lowercase" in p.message and p.path.endswith("Same.yaml") for p in log.errors)


def test_import_stops_before_writing_when_a_record_is_broken(tmp_path: Path) -> None:
    root = tmp_path / "r"
    CliRunner().invoke(cli, ["init", str(root)])
    project = Project.at(root)
    (project.papers_dir / "broken.yaml").write_text("id: [\n")
    shutil.copy(GOOD, project.sources_dir / "good.txt")
    with pytest.raises(ContentErrors):
        sync_sources(project, ProblemLog(project.root))
    assert sorted(p.name for p in project.papers_dir.glob("*.yaml")) == ["broken.yaml"]


def test_build_skips_an_unreadable_entry_with_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "r"
    CliRunner().invoke(cli, ["init", str(root)])
    shutil.copy(FIXTURES / "formats" / "broken.bib", root / "content" / "sources" / "refs.bib")
    result = CliRunner().invoke(cli, ["build", "-C", str(root), "-q"])
    assert result.exit_code == 0, result.output
    assert (
        "content/sources/refs.bib:11: warning: the BibTeX entry 'broken2021' cannot be read" in result.output
    )
    assert len(list((root / "content" / "papers").glob("*.yaml"))) == 2
    result = CliRunner().invoke(cli, ["check", "-C", str(root)])
    assert result.exit_code == 1 and "refs.bib:11: error:" in result.output
