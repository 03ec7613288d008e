"""The PRISMA 2020 flow of the worked example: counts against a hand count, each box's list
against its records, the CSV, and the checks that stop a build whose counts do not add up."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from generator.build.pipeline import Options, generate
from generator.config import Settings
from generator.errors import ContentErrors, ProblemLog
from generator.project import Project
from generator.records.review import load_review
from generator.records.yamlio import update_in_place
from tests.conftest import build_review, copy_review

# Counted by hand from the example's exports and decisions.csv (examples/ibd-psychology/README.md):
# 52 entries in 8 files; the PsycINFO search exported twice (6 duplicates); 7 records from
# before 2015; 20 + 4 + 3 excluded on title and abstract; 1 full text not found; 3 + 2
# excluded after reading; 6 included.
HAND_COUNT = {
    "database_results": 52,
    "register_results": 0,
    "duplicates": 6,
    "excluded_automatic": 0,
    "excluded_other": 7,
    "records_screened": 39,
    "awaiting_screening": 0,
    "records_excluded": 27,
    "dbr_sought_reports": 12,
    "dbr_notretrieved_reports": 1,
    "dbr_assessed": 11,
    "awaiting_full_text": 0,
    "dbr_excluded": 5,
    "new_studies": 6,
}
BY_DATABASE = {
    "Embase": 6,
    "APA PsycINFO (Ovid)": 12,
    "ProQuest": 6,
    "PubMed": 12,
    "Scopus": 6,
    "Web of Science Core Collection": 10,
}
FULL_TEXT_REASONS = {"Not primary research": 3, "No psychological outcome measured": 2}
INCLUDED = {
    "gender-differences-in-inflammatory-bowel-disease-explaining",
    "psychological-outcomes-of-a-cognitive-behavioral-therapy-for",
    "the-influence-of-self-criticism-on-depression-symptoms-among",
    "the-pediatric-inflammatory-bowel-disease-intermed-a-new",
    "does-symptom-activity-explain-psychological-differences-in",
    "the-importance-of-cognitive-flexibility-and-flexibility-in",
}


def decisions(project: Project) -> dict[str, dict[str, str]]:
    with open(project.root / "decisions.csv", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def test_every_record_of_the_example_has_a_decision(example: Project) -> None:
    records = {p.stem for p in example.papers_dir.glob("*.yaml")}
    assert records == set(decisions(example)) and len(records) == 46


def test_the_counts_are_the_hand_count(example: Project) -> None:
    log = ProblemLog(example.root)
    review = load_review(example, log)
    assert log.errors == []
    flow = review.flow
    assert flow is not None
    assert {key: box.count for key, box in flow.boxes.items()} == HAND_COUNT
    databases = {p.label.split(" (searched")[0]: p.count for p in flow.boxes["database_results"].parts}
    assert databases == BY_DATABASE
    assert {p.label: p.count for p in flow.boxes["dbr_excluded"].parts} == FULL_TEXT_REASONS
    assert {p.id for p in review.papers} == INCLUDED


def test_the_counts_follow_the_decisions_file(example: Project) -> None:
    """The same counts, from decisions.csv rather than by hand."""
    rows = decisions(example)
    stage = {
        "before-2015": "identification",
        "no-full-text": "retrieval",
        "not-primary-research": "full-text",
        "no-psychological-outcome": "full-text",
    }
    left = [stage.get(r["reason"], "title-abstract") for r in rows.values() if r["decision"] == "exclude"]
    assert left.count("identification") == HAND_COUNT["excluded_other"]
    assert left.count("title-abstract") == HAND_COUNT["records_excluded"]
    assert left.count("retrieval") == HAND_COUNT["dbr_notretrieved_reports"]
    assert left.count("full-text") == HAND_COUNT["dbr_excluded"]
    assert sum(1 for r in rows.values() if r["decision"] == "include") == HAND_COUNT["new_studies"]


def test_the_counts_add_up(example: Project) -> None:
    n = HAND_COUNT
    identified = n["database_results"] + n["register_results"]
    assert (
        identified - n["duplicates"] - n["excluded_automatic"] - n["excluded_other"] == n["records_screened"]
    )
    assert n["records_screened"] - n["records_excluded"] - n["awaiting_screening"] == n["dbr_sought_reports"]
    assert n["dbr_sought_reports"] - n["dbr_notretrieved_reports"] == n["dbr_assessed"]
    assert n["dbr_assessed"] - n["dbr_excluded"] - n["awaiting_full_text"] == n["new_studies"]


def _listed(page: Path) -> list[str]:
    """The records a list page links or names: paper ids, in page order."""
    html = page.read_text(encoding="utf-8")
    body = html.split("<article", 1)[1].split("</article>", 1)[0]
    return re.findall(r'href="\.\./\.\./(?:papers/|prisma/excluded/#record-)([^/"]+)/?"', body)


def test_each_box_links_to_the_list_of_exactly_its_records(built_example: Project) -> None:
    log = ProblemLog(built_example.root)
    flow = load_review(built_example, log).flow
    assert flow is not None
    site = built_example.site_dir / "prisma"
    diagram = (site / "index.html").read_text(encoding="utf-8")
    for key, box in flow.boxes.items():
        slug = key.replace("_", "-")
        if box.count or not key.startswith("awaiting"):  # no awaiting line without such records
            assert f'href="{slug}/"' in diagram, key  # the box links its list
        listed = _listed(site / slug / "index.html")
        assert sorted(listed) == sorted(r.id for r in box.records), key
        assert len(listed) == box.count, key
        for part in box.parts:
            assert f'href="{slug}/#{part.id}"' in diagram or len(box.parts) == 1, part.id
            section = (site / slug / "index.html").read_text(encoding="utf-8").split(f'id="{part.id}"', 1)[1]
            section = section.split("<h2", 1)[0]
            ids = re.findall(r'href="\.\./\.\./(?:papers/|prisma/excluded/#record-)([^/"]+)/?"', section)
            assert sorted(ids) == sorted(r.id for r in part.records), part.id


def test_lists_hold_the_hand_counted_records(built_example: Project) -> None:
    site = built_example.site_dir / "prisma"
    assert set(_listed(site / "new-studies" / "index.html")) == INCLUDED
    duplicates = (site / "duplicates" / "index.html").read_text(encoding="utf-8")
    assert duplicates.count("asreview__ovid_zotero.ris:") == 6
    excluded = (site / "excluded" / "index.html").read_text(encoding="utf-8")
    assert excluded.count('<li id="record-') == 40
    assert "Reason: Full text not available." in excluded


def test_excluded_papers_are_on_no_other_page(built_example: Project) -> None:
    site = built_example.site_dir
    out = "coerced-confessions-and-the-jury-an-experimental-test-of-the"
    assert not (site / "papers" / out).exists()
    assert sorted(p.name for p in (site / "papers").iterdir() if p.is_dir()) == sorted(INCLUDED)
    for name in ("feed.xml", "references.bib", "catalog.json", "map.json", "search/index.json"):
        path = site / name
        if path.is_file():
            assert out not in path.read_text(encoding="utf-8"), name
    catalog = json.loads((site / "catalog.json").read_text(encoding="utf-8"))
    assert {p["id"] for p in catalog["papers"]} == INCLUDED
    for topic in (site / "topics").glob("*/index.html"):
        assert "/papers/" + out not in topic.read_text(encoding="utf-8")


def test_the_csv_has_the_prisma2020_layout(built_example: Project) -> None:
    text = (built_example.site_dir / "prisma" / "flow.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]
    n = {row["data"]: row["n"] for row in rows if row["data"] != "NA"}
    for key in (
        "database_results",
        "duplicates",
        "records_screened",
        "records_excluded",
        "dbr_sought_reports",
        "dbr_notretrieved_reports",
        "dbr_assessed",
        "new_studies",
    ):
        assert n[key] == str(HAND_COUNT[key]), key
    assert n["database_specific_results"].startswith("Embase, 6; APA PsycINFO (Ovid), 12; ProQuest, 6")
    assert n["dbr_excluded"] == "Not primary research, 3; No psychological outcome measured, 2"
    assert n["excluded_other"] == "7"
    svg = (built_example.site_dir / "prisma" / "flow.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "<a " not in svg  # the file stands alone


def test_the_home_page_links_the_flow(built_example: Project) -> None:
    home = (built_example.site_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="prisma/"' in home


def _build_fails(project: Project) -> str:
    with pytest.raises(ContentErrors) as caught:
        generate(project, ProblemLog(project.root), Settings.of(project), Options(sync=False))
    return "\n".join(str(p) for p in caught.value.problems)


def test_a_record_without_a_listed_source_stops_the_build_naming_the_gap(example: Project) -> None:
    record = example.papers_dir / "congenital-neck-masses.yaml"
    update_in_place(record, lambda data: bool(data.pop("sources")))
    message = _build_fails(example)
    assert "do not add up" in message and "congenital-neck-masses" in message
    assert "records identified (51) - duplicates removed (6) - removed before screening (7) = 38" in message


def test_a_source_file_not_in_review_yaml_stops_the_build(example: Project) -> None:
    def drop(data: object) -> bool:
        del data["sources"]["sources/asreview__scopus.ris"]  # type: ignore[index]
        return True

    update_in_place(example.content_dir / "review.yaml", drop)
    message = _build_fails(example)
    assert "content/sources/asreview__scopus.ris has 6 source entries" in message


def test_contradictions_are_reported(example: Project) -> None:
    included = example.papers_dir / "congenital-neck-masses.yaml"
    text = included.read_text(encoding="utf-8").replace("status: excluded\n", "status: included\n")
    included.write_text(text, encoding="utf-8")
    undeclared = example.papers_dir / "indigo-naturalis-ameliorates-oxazolone-induced-dermatitis.yaml"
    undeclared.write_text(
        undeclared.read_text(encoding="utf-8").replace("animal-study", "animal-studies"), encoding="utf-8"
    )
    log = ProblemLog(example.root)
    load_review(example, log)
    messages = "\n".join(str(p) for p in log.errors)
    assert "congenital-neck-masses.yaml" in messages and "the paper is included: a contradiction" in messages
    assert "'animal-studies', a reason that is not declared: did you mean `animal-study`?" in messages


def test_a_full_text_exclusion_needs_a_reason(example: Project) -> None:
    path = example.papers_dir / "structured-physical-activity-interventions-as-a.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("  reason: no-psychological-outcome\n", "")
        .replace("  date: '2020-03-02'\n", "  stage: full-text\n  date: '2020-03-02'\n", 1)
        if "  stage:" not in path.read_text(encoding="utf-8")
        else path.read_text(encoding="utf-8").replace("  reason: no-psychological-outcome\n", ""),
        encoding="utf-8",
    )
    log = ProblemLog(example.root)
    load_review(example, log)
    assert any("excluded at full-text without a reason" in str(p) for p in log.errors)


def test_the_lists_can_be_switched_off(example: Project) -> None:
    settings = example.mkdocs_file.read_text(encoding="utf-8").replace(
        "screening_lists: show", "screening_lists: hide"
    )
    example.mkdocs_file.write_text(settings, encoding="utf-8")
    build_review(example)
    site = example.site_dir / "prisma"
    assert (site / "index.html").is_file() and (site / "flow.csv").is_file()
    assert not (site / "excluded").exists() and not (site / "records-screened").exists()
    diagram = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="records-screened/"' not in diagram and "Records screened" in diagram


def test_a_review_without_review_yaml_has_no_flow(tmp_path: Path) -> None:
    project = copy_review(tmp_path / "review", with_papers=False)
    log = ProblemLog(project.root)
    assert load_review(project, log).flow is None
