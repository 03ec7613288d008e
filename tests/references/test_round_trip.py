"""References survive the trip: real exports imported, built, and read back field by field.

The BibTeX exports are two Zotero libraries nobody here wrote (tests/fixtures/references/, with
their licences); the RIS exports are the shared corpus's (../shared/corpora/formats/, with a copy
of one in tests/fixtures/formats/). Each test prints its share of identical entries and fields
(`pytest -s`), and requires all of them: every field litreview claims to keep (README,
"References in and out")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import rispy
from click.testing import CliRunner

from generator.cli import cli
from generator.errors import ProblemLog
from generator.project import Project
from generator.records.store import load_papers
from generator.render.ris import ris_record
from tests.conftest import FIXTURES, build_review
from tests.references.roundtrip import compare_bibtex, compare_ris, parse_bib, read

REFERENCES = FIXTURES / "references"
BIB_EXPORTS = sorted(REFERENCES.glob("*.bib"))
SHARED_RIS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "formats"
RIS_EXPORTS = sorted(
    {p.name: p for p in [*(FIXTURES / "formats").glob("*.ris"), *SHARED_RIS.glob("*.ris")]}.values()
)
CSL_SCHEMA = json.loads((REFERENCES / "csl-data.json").read_text())


def init_review(root: Path, sources: list[Path]) -> Project:
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    for source in sources:
        shutil.copy(source, root / "content" / "sources" / source.name)
    return Project.at(root)


@pytest.fixture(scope="module")
def zotero_site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = init_review(tmp_path_factory.mktemp("zotero") / "review", BIB_EXPORTS)
    build_review(project)
    return project


def test_there_are_two_real_exports_with_abstracts_and_their_licences() -> None:
    assert len(BIB_EXPORTS) >= 2
    for path in BIB_EXPORTS:
        entries = parse_bib(read(path))
        assert any(e.get("abstract") for e in entries), path.name
    readme = (REFERENCES / "README.md").read_text()
    for path in BIB_EXPORTS:
        assert path.name in readme
    assert len(list(REFERENCES.glob("LICENSE-*"))) >= 3  # both exports' and the CSL schema's


@pytest.mark.parametrize("export", BIB_EXPORTS, ids=lambda p: p.name)
def test_bibtex_round_trip_keeps_every_key_type_and_field(zotero_site: Project, export: Path) -> None:
    exported = parse_bib((zotero_site.site_dir / "references.bib").read_text(encoding="utf-8"))
    comparison = compare_bibtex(parse_bib(read(export)), exported)
    print(f"\n{export.name}: {comparison.share}")
    assert comparison.differences == []
    assert comparison.identical_entries == comparison.entries > 0


def test_topic_and_paper_entries_are_the_review_entries(zotero_site: Project) -> None:
    site = zotero_site.site_dir
    review = {e["ID"]: e for e in parse_bib((site / "references.bib").read_text())}
    for topic in (site / "topics").glob("*.bib"):
        for entry in parse_bib(topic.read_text()):
            assert review[entry["ID"]] == entry


def test_csl_json_is_valid_against_the_csl_schema(zotero_site: Project) -> None:
    site = zotero_site.site_dir
    items = json.loads((site / "references.json").read_text())
    jsonschema.validate(items, CSL_SCHEMA)
    keys = {e["ID"] for e in parse_bib((site / "references.bib").read_text())}
    assert {item["id"] for item in items} == keys
    by_id = {item["id"]: item for item in items}
    feurer = by_id["feurer_efficient_2015"]
    assert feurer["type"] == "paper-conference"
    assert feurer["container-title"] == "Advances in Neural Information Processing Systems"
    assert feurer["author"][0] == {"family": "Feurer", "given": "Matthias"}
    imrie = by_id["imrie_autoprognosis_2022"]
    assert imrie["author"][-1] == {"family": "Schaar", "given": "Mihaela", "non-dropping-particle": "van der"}
    assert by_id["rajkomar_scalable_2018"]["issued"] == {"date-parts": [[2018, 5, 8]]}
    assert by_id["rajkomar_scalable_2018"]["page"] == "1-10"
    for topic in (site / "topics").glob("*.json"):
        jsonschema.validate(json.loads(topic.read_text()), CSL_SCHEMA)


def test_a_truncated_schema_check_would_fail() -> None:
    """The schema check can fail: an item of an unknown type, or without an id, is refused."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"id": "x", "type": "inproceedings"}], CSL_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"type": "article"}], CSL_SCHEMA)


def test_the_review_ris_file_reads_back(zotero_site: Project) -> None:
    records = rispy.loads((zotero_site.site_dir / "references.ris").read_text(encoding="utf-8"))
    titles = {r.get("title") for r in records}
    assert "Efficient and Robust Automated Machine Learning" in titles
    feurer = next(r for r in records if r.get("title") == "Efficient and Robust Automated Machine Learning")
    assert feurer["type_of_reference"] == "CPAPER"
    assert feurer["authors"][0] == "Feurer, Matthias"


@pytest.mark.parametrize("export", RIS_EXPORTS, ids=lambda p: p.name)
def test_ris_round_trip_keeps_every_claimed_field(tmp_path: Path, export: Path) -> None:
    project = init_review(tmp_path / "review", [export])
    source = project.sources_dir / export.name
    result = CliRunner().invoke(cli, ["import", "-C", str(project.root), str(source)])
    assert result.exit_code == 0, result.output
    papers = [pf.paper for pf in load_papers(project.papers_dir, None, ProblemLog(project.root))]
    exported = rispy.loads("\n".join(ris_record(p) for p in papers))
    comparison = compare_ris(rispy.loads(read(export)), exported)
    print(f"\n{export.name}: {comparison.share}")
    assert comparison.differences == []
    assert comparison.identical_entries == comparison.entries > 0
