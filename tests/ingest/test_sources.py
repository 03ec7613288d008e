"""Reading each pasted layout, with its quirks, from small fixture files."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import ProblemLog
from generator.ingest.sources import parse_source_text, read_source
from generator.model import PaperDate
from tests.conftest import FIXTURES, REPO

SOURCES = FIXTURES / "sources"


def read(name: str) -> tuple[list, ProblemLog]:
    log = ProblemLog(FIXTURES)
    return read_source(SOURCES / name, name, log), log


def test_arxiv_lines_have_no_titles_and_keep_latex_and_urls() -> None:
    blocks, log = read("arxiv_lines.txt")
    assert [b.ref.line for b in blocks] == [1, 2, 4]  # the blank line 3 is skipped
    assert all(b.title is None for b in blocks)
    assert blocks[0].abstract.startswith("We present ALPHA")  # "Abstract:" prefix removed
    assert blocks[1].abstract.startswith("The beta study")  # "Abstract: " with a space too
    assert "$\\mathbf{60.4}$" in blocks[2].abstract
    assert "https://github.com/example/gamma" in blocks[2].abstract
    assert log.problems == []


def test_hf_listing_skips_chrome_and_reads_authors_dates_and_upvotes() -> None:
    blocks, log = read("hf_listing.txt")
    assert [b.title for b in blocks] == [
        "First Listing Paper: A Study",
        "Second Listing Paper",
        "Third Listing Paper",
        "Fourth Listing Paper Without Metadata",
    ]
    first, second, third, fourth = blocks
    assert (first.authors_count, first.date, first.upvotes) == (12, PaperDate(2017, 11, 27), None)
    assert (second.authors_count, second.date) == (3, PaperDate(None, 5, 7))  # no year given
    assert (third.date, third.upvotes) == (PaperDate(None, 4, 30), 12)
    assert (fourth.authors_count, fourth.date) == (None, None)
    assert first.ref.line == 13  # the title's line; the page date "Dec 9" is chrome
    assert log.problems == []


def test_hf_compact_unglues_subscribe_from_the_first_title() -> None:
    blocks, log = read("hf_compact.txt")
    assert [b.title for b in blocks] == ["TRP: Trained Rank Pruning", "RoRA: Reliable Rank Adaptation"]
    assert [b.ref.line for b in blocks] == [3, 5]
    assert log.problems == []


def test_windows_line_endings() -> None:
    blocks, log = read("windows_crlf.txt")
    assert [b.title for b in blocks] == ["Windows Title One", "Windows Title Two"]
    assert not any("\r" in b.abstract for b in blocks)
    assert log.problems == []


def test_a_title_without_abstract_is_reported_and_the_rest_imports() -> None:
    blocks, log = read("title_without_abstract.txt")
    assert [b.title for b in blocks] == ["Good Title"]
    assert [(p.path, p.line, p.severity) for p in log.problems] == [
        ("sources/title_without_abstract.txt", 1, "warning")
    ]
    assert "has no abstract" in log.problems[0].message


def test_a_file_of_no_known_layout_is_an_error_naming_the_file() -> None:
    blocks, log = read("not_a_dump.txt")
    assert blocks == []
    assert len(log.errors) == 1
    assert log.errors[0].path == "sources/not_a_dump.txt"
    assert "no paper abstracts found" in log.errors[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nov 27, 2017", PaperDate(2017, 11, 27)),
        ("May 7", PaperDate(None, 5, 7)),
        ("2024-02-29", PaperDate(2024, 2, 29)),
    ],
)
def test_dates(text: str, expected: PaperDate) -> None:
    assert PaperDate.parse(text) == expected
    assert PaperDate.parse(expected.to_text()) == expected


@pytest.mark.parametrize(
    "text", ["Foo 7", "2024-13-01", "May 40", "", "2023-02-29", "Feb 30", "2024-04-31", "Jun 31, 2024"]
)
def test_bad_dates(text: str) -> None:
    with pytest.raises(ValueError):
        PaperDate.parse(text)


def test_every_bundled_dump_is_read_completely() -> None:
    counts = {}
    log = ProblemLog(REPO)
    for path in sorted((REPO / "content" / "sources").glob("*.txt")):
        counts[path.name[:3]] = len(read_source(path, path.name, log))
    assert counts == {"000": 10, "001": 117, "002": 38, "003": 10, "004": 50}
    assert sum(counts.values()) == 225
    assert log.problems == []


def test_parse_text_directly_names_the_given_file() -> None:
    log = ProblemLog()
    assert parse_source_text("", "x.txt", log) == []
    assert log.errors[0].path == "x.txt"


def test_fixture_files_are_what_the_tests_think(tmp_path: Path) -> None:
    # The CRLF fixture must really carry CR bytes (an editor could silently normalise it).
    assert b"\r\n" in (SOURCES / "windows_crlf.txt").read_bytes()
