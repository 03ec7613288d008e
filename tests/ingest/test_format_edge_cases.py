"""Edge cases of the import formats: JSON lines, BibTeX, arXiv Atom and plain text sources."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from generator.errors import ProblemLog
from generator.ingest.formats import decode_latex, read_arxiv_atom, read_json_records
from generator.ingest.sources import parse_source_text
from tests.conftest import FIXTURES, copy_review, synthetic_abstract

ARXIV_SAMPLE = FIXTURES / "formats" / "arxiv-75k__first-30.jsonl.gz"


def test_json_lines_import_keeps_arxiv_ids(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    project = copy_review(tmp_path / "review", with_papers=False)
    for source in project.sources_dir.iterdir():
        source.unlink()
    lines = []
    with gzip.open(ARXIV_SAMPLE, "rt", encoding="utf-8") as handle:
        for line in handle:
            lines.append(line)
            if len(lines) == 30:
                break
    old_style = json.loads(lines[0]) | {"id": "hep-th/9901001", "title": "An old-style identifier"}
    lines.append(json.dumps(old_style) + "\n")
    dump = tmp_path / "slice.jsonl.gz"
    with gzip.open(dump, "wt", encoding="utf-8") as handle:
        handle.writelines(lines[1:])
    result = CliRunner().invoke(cli, ["import", str(dump), "-C", str(project.root)])
    assert result.exit_code == 0, result.output
    ids = {p.stem for p in project.papers_dir.glob("*.yaml")}
    expected = {json.loads(line)["id"] for line in lines[1:30]}
    assert expected <= ids
    assert "hep-th-9901001" in ids


def test_bibtex_decoding_leaves_math_alone() -> None:
    text = r"$O(\varepsilon \cdot \kappa)$ with $\vec{x}$ and $\cos\theta$, M{\"u}ller, \$5"
    assert decode_latex(text) == r"$O(\varepsilon \cdot \kappa)$ with $\vec{x}$ and $\cos\theta$, Müller, $5"


def test_categories_given_as_one_string() -> None:
    line = '{"id": "2501.00001", "title": "T", "abstract": "A.", "categories": "cs.CL cs.LG"}'
    (block,) = read_json_records(line, "x.jsonl", ProblemLog(), "x.jsonl")
    assert block.meta.keywords == ("cs.CL", "cs.LG")


def test_an_impossible_date_in_atom_is_a_warning() -> None:
    feed = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.00001v1</id>'
        "<title>T</title><summary>S</summary><published>2024-13-01T00:00:00Z</published></entry></feed>"
    )
    log = ProblemLog()
    (block,) = read_arxiv_atom(feed, "x.xml", log, "x.xml")
    assert block.date is None and log.warnings and not log.errors


def test_a_title_before_an_overlong_line_is_reported() -> None:
    log = ProblemLog()
    parse_source_text(f"A Lost Title\n{'x ' * 15000}\nGood Title\n\n{synthetic_abstract(2)}\n", "x.txt", log)
    assert any("has no abstract after it" in p.message and p.line == 1 for p in log.problems)


def test_a_gzip_bomb_is_refused_after_reading_at_most_the_limit(tmp_path: Path) -> None:
    """A small .gz of zeros that unpacks past the limit is refused with a message, unpacked a
    chunk at a time (it never holds more than the limit)."""
    from generator.ingest import sources

    bomb = tmp_path / "bomb.txt.gz"
    with gzip.open(bomb, "wb") as handle:
        for _ in range(sources.MAX_UNPACKED_BYTES // 2**20 + 2):
            handle.write(bytes(2**20))
    assert bomb.stat().st_size < 2**20
    log = ProblemLog(tmp_path)
    assert sources.read_source(bomb, "sources/bomb.txt.gz", log) == []
    assert [p.message for p in log.errors] == ["the gzip file cannot be unpacked: it unpacks to over 256 MB"]
