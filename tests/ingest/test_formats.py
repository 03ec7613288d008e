"""Importing what researchers export: BibTeX, RIS, Zotero CSV, arXiv Atom, JSON Lines; merging
across formats; aliases; citing back out."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import bibtexparser
import pytest
import yaml
from bibtexparser.bparser import BibTexParser
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator.cli import cli
from generator.errors import ProblemLog
from generator.ingest.formats import decode_latex, detect_format
from generator.ingest.sources import read_source
from generator.model import Bibliographic, Paper
from generator.project import Project
from generator.render.cite import VERBATIM_FIELDS, bibtex_entry, bibtex_fields
from tests.conftest import FIXTURES, build_review, synthetic_abstract

FORMATS = FIXTURES / "formats"


def read(path: Path) -> tuple[list, ProblemLog]:
    log = ProblemLog(path.parent)
    return read_source(path, path.name, log), log


# --- one test per format, on real samples ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "records", "abstracts"),
    [
        ("asreview__baseline_zotero.ris", "ris", 100, 98),
        ("asreview__web_of_science.txt", "ris", 10, 10),
        ("asreview__pubmed_endnote.txt", "ris", 6, 6),
        ("james-akl_xiv__arxiv_response.xml", "arxiv-atom", 2, 2),
        ("joe-antognini_zoia__arxiv_response.xml", "arxiv-atom", 1, 1),
        ("joe-antognini_zoia__doi_response.bib", "bibtex", 1, 0),
        ("zotero_export.csv", "zotero-csv", 3, 2),
    ],
)
def test_real_samples_are_read_by_content(name: str, kind: str, records: int, abstracts: int) -> None:
    path = FORMATS / name
    assert detect_format(path.read_text(encoding="utf-8-sig", errors="replace")) == kind
    blocks, log = read(path)
    assert log.errors == []
    assert len(blocks) == records
    assert sum(1 for b in blocks if b.abstract) == abstracts
    assert all(b.title for b in blocks)


def test_ris_fields() -> None:
    first = read(FORMATS / "asreview__baseline_zotero.ris")[0][0]
    assert (
        first.title
        == "An open source machine learning framework for efficient and transparent systematic reviews"
    )
    assert first.meta.authors[:2] == ("Rens van de Schoot", "Jonathan de Bruin")
    assert (first.meta.year, first.meta.doi) == (2021, "10.1038/s42256-020-00287-7")
    assert first.meta.venue == "Nature Machine Intelligence"
    assert first.abstract.startswith("To help researchers conduct a systematic review")


def test_arxiv_atom_fields() -> None:
    (paper,) = read(FORMATS / "joe-antognini_zoia__arxiv_response.xml")[0]
    assert paper.meta.arxiv_id == "1601.00001"
    assert paper.meta.doi == "10.1063/1.4944470"
    assert paper.meta.authors[:2] == ("Michael Kilgour", "Dvira Segal")
    assert paper.meta.pdf_url and paper.meta.pdf_url.startswith("http")
    assert paper.date is not None and paper.date.year == 2015


def test_bibtex_fields() -> None:
    (entry,) = read(FORMATS / "joe-antognini_zoia__doi_response.bib")[0]
    assert entry.meta.authors == ("Christopher J. Shallue", "Andrew Vanderburg")
    assert (entry.meta.year, entry.meta.venue, entry.meta.key) == (
        2018,
        "The Astronomical Journal",
        "Shallue_2018",
    )
    assert entry.meta.doi == "10.3847/1538-3881/aa9e09"


def test_zotero_csv_fields_and_manual_tags() -> None:
    blocks, _ = read(FORMATS / "zotero_export.csv")
    instruct = blocks[0]
    assert instruct.meta.authors == ("Long Ouyang", "Jeff Wu", "Xu Jiang")
    assert instruct.meta.arxiv_id == "2203.02155"
    assert "RLHF" in instruct.meta.keywords and "to read" in instruct.meta.keywords
    assert blocks[1].meta.doi == "10.48550/arxiv.2106.09685"


def test_json_lines_gzip_keep_arxiv_ids(tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl.gz"
    rows = [
        {
            "id": "2501.00001",
            "title": "First",
            "abstract": synthetic_abstract(1),
            "authors": ["A B"],
            "categories": ["cs.CL"],
        },
        {
            "id": "2501.00002",
            "title": "Second",
            "abstract": synthetic_abstract(2),
            "authors": [],
            "categories": [],
        },
    ]
    path.write_bytes(gzip.compress(("\n".join(json.dumps(r) for r in rows) + "\nnot json\n").encode()))
    blocks, log = read(path)
    assert [b.meta.arxiv_id for b in blocks] == ["2501.00001", "2501.00002"]
    assert blocks[0].meta.keywords == ("cs.CL",)
    assert [(p.line, p.severity) for p in log.problems] == [(3, "error")]


def test_an_unreadable_entry_is_reported_and_the_rest_imports() -> None:
    blocks, log = read(FORMATS / "broken.bib")
    assert [b.meta.key for b in blocks] == ["good2020", "arxiv2023"]
    (problem,) = log.errors
    assert problem.line == 11 and "'broken2021' cannot be read" in problem.message


def test_an_unknown_csv_is_refused_with_what_was_expected() -> None:
    blocks, log = read(FORMATS / "asreview__embase.csv")
    assert blocks == []
    assert (
        "not a Zotero export; expected the columns Item Type, Title and Abstract Note"
        in log.errors[0].message
    )


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"M{\"u}ller", "Müller"),
        (r"M\"{u}ller", "Müller"),
        (r"{GAN}s", "GANs"),
        (r"A {B}ayesian view", "A Bayesian view"),
        (r"Schr\"odinger", "Schrödinger"),
        (r"Stra{\ss}e", "Straße"),
        (r"\'{E}cole", "École"),
        (r"Na{\"\i}ve", "Naïve"),
        (r"50\% and \& \_ \#", "50% and & _ #"),
        (r"pages 1--2 --- done", "pages 1–2 — done"),
        (r"\emph{strong} and \textbf{bold}", "strong and bold"),
        (r"keeps $\alpha_{1}$ math", r"keeps $\alpha_{1}$ math"),
    ],
)
def test_latex_decoding(latex: str, text: str) -> None:
    assert decode_latex(latex) == text


def test_bibtex_latex_is_decoded_in_entries() -> None:
    good = read(FORMATS / "broken.bib")[0][0]
    assert good.title == "A Bayesian View of GANs for Müller's Naïve Problem"
    assert good.meta.authors == ("Jörg Müller", "Erwin Schrödinger", "Ann van der Berg")
    assert "50% less data" in good.abstract and "strong results — see $\\alpha_1$" in good.abstract


# --- merging across formats, aliases, splits -------------------------------------------------


def review_with(tmp_path: Path, files: dict[str, str]) -> Project:
    root = tmp_path / "r"
    CliRunner().invoke(cli, ["init", str(root)])
    tags = root / "content" / "tags.yaml"
    tags.write_text(
        tags.read_text().replace(
            "    group: methods\n    match:\n      - reinforcement learning",
            "    group: methods\n    aliases: [RL, deep reinforcement learning]\n"
            "    match:\n      - reinforcement learning",
        )
    )
    for name, text in files.items():
        (root / "content" / "sources" / name).write_text(text)
    return Project.at(root)


ABSTRACT = synthetic_abstract("merge") + " We study reinforcement learning agents."


def test_one_paper_from_bibtex_arxiv_dump_and_ris_becomes_one(tmp_path: Path) -> None:
    project = review_with(
        tmp_path,
        {
            "a.bib": "@article{doe2024,\n title = {One Paper, Three Exports},\n"
            " author = {Doe, Jane and Roe, Rick},\n"
            " journal = {J. Tests}, year = {2024}, doi = {10.5555/ONE.2024},\n keywords = {RL, robots},\n"
            f" abstract = {{{ABSTRACT}}}\n}}\n",
            "b.txt": f"Abstract:{ABSTRACT}\n",
            "c.ris": "TY  - JOUR\nTI  - One paper, three exports\nAU  - Doe, Jane\n"
            "DO  - 10.5555/one.2024\nPY  - 2024\n"
            "UR  - https://example.org/one\nER  - \n",
            "d.jsonl": json.dumps(
                {"id": "2401.01234", "title": "One Paper, Three Exports", "abstract": ABSTRACT}
            )
            + "\n",
        },
    )
    result = CliRunner().invoke(cli, ["import", "-C", str(project.root), str(project.sources_dir / "b.txt")])
    assert "1 new" in result.output, result.output
    (record_path,) = project.papers_dir.glob("*.yaml")
    record = yaml.safe_load(record_path.read_text())
    assert record["title"] == "One Paper, Three Exports"
    assert record["authors"] == ["Jane Doe", "Rick Roe"]
    assert (record["doi"], record["arxiv_id"], record["year"]) == ("10.5555/one.2024", "2401.01234", 2024)
    assert record["venue"] == "J. Tests" and record["url"]
    assert {s["file"] for s in record["sources"]} == {
        "sources/a.bib",
        "sources/b.txt",
        "sources/c.ris",
        "sources/d.jsonl",
    }
    assert "reinforcement-learning" in record["tags"]  # the keyword RL, by its alias
    report = yaml.safe_load((project.content_dir / "merge-report.yaml").read_text())
    (merge,) = report["merged"]
    assert merge["paper"] == record_path.stem and len(merge["sources"]) == 4
    assert {"same DOI", "same abstract"} <= set(merge["why"])
    assert report["unmapped_keywords"] == {"robots": 1}


def test_a_split_decision_is_kept(tmp_path: Path) -> None:
    other = synthetic_abstract("other")
    project = review_with(
        tmp_path,
        {"a.txt": f"Same Title\n\n{ABSTRACT}\n", "b.txt": f"Same Title\n\n{ABSTRACT[:200]} {other}\n"},
    )
    runner = CliRunner()
    runner.invoke(cli, ["import", "-C", str(project.root), str(project.sources_dir / "a.txt")])
    papers = sorted(project.papers_dir.glob("*.yaml"))
    assert len(papers) == 1  # same title, similar enough abstracts: merged
    record = papers[0]
    record.write_text(record.read_text().replace("fingerprint:", "split: ['sources/b.txt:1']\nfingerprint:"))
    runner.invoke(cli, ["import", "-C", str(project.root), str(project.sources_dir / "a.txt")])
    papers = sorted(project.papers_dir.glob("*.yaml"))
    assert len(papers) == 2
    sources = {p.stem: [s["file"] for s in yaml.safe_load(p.read_text())["sources"]] for p in papers}
    assert sources[record.stem] == ["sources/a.txt"]
    runner.invoke(cli, ["import", "-C", str(project.root), str(project.sources_dir / "a.txt")])
    assert len(list(project.papers_dir.glob("*.yaml"))) == 2  # and stays split


def test_near_misses_are_reported(tmp_path: Path) -> None:
    project = review_with(
        tmp_path,
        {
            "a.txt": f"A Shared Title\n\n{synthetic_abstract('x')}\n",
            "b.txt": f"A Shared Title\n\n{synthetic_abstract('y')}\n",
        },
    )
    CliRunner().invoke(cli, ["import", "-C", str(project.root), str(project.sources_dir / "a.txt")])
    report = yaml.safe_load((project.content_dir / "merge-report.yaml").read_text())
    assert report["near_misses"] == [
        {"first": "sources/a.txt:1", "second": "sources/b.txt:1", "why": "same title, different abstracts"}
    ]
    assert len(list(project.papers_dir.glob("*.yaml"))) == 2


# --- metadata on the pages, and citing back out ----------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("exports") / "r"
    runner = CliRunner()
    runner.invoke(cli, ["init", str(root)])
    for name in ("joe-antognini_zoia__arxiv_response.xml", "tests.bib", "zotero_export.csv"):
        shutil.copy(FORMATS / name, root / "content" / "sources" / name)
    project = Project.at(root)
    build_review(project)
    return project


def test_paper_pages_and_catalog_show_the_metadata(exported: Project) -> None:
    catalog = json.loads((exported.site_dir / "catalog.json").read_text())
    paper = next(p for p in catalog["papers"] if p.get("doi") == "10.1234/tests.2020.001")
    assert paper["authors"] == ["Jörg Müller", "Erwin Schrödinger", "Ann van der Berg"]
    assert (paper["venue"], paper["year"]) == ("Journal of Tests", 2020)
    assert paper["url"].startswith("papers/")
    soup = BeautifulSoup((exported.site_dir / paper["url"] / "index.html").read_text(), "html.parser")
    facts = soup.select_one("dl.lr-facts")
    assert "Jörg Müller, Erwin Schrödinger, Ann van der Berg" in facts.get_text()
    assert facts.find("a", href="https://doi.org/10.1234/tests.2020.001")
    assert soup.select_one("pre.lr-bibtex code").get_text().startswith("@article{")
    arxiv = next(p for p in catalog["papers"] if p.get("arxiv_id") == "1601.00001")
    soup = BeautifulSoup((exported.site_dir / arxiv["url"] / "index.html").read_text(), "html.parser")
    assert soup.find("a", href="https://arxiv.org/pdf/1601.00001")


def parse_bib(text: str) -> list[dict[str, str]]:
    return bibtexparser.loads(text, parser=BibTexParser(common_strings=True)).entries


def test_exports_parse_back_to_the_same_fields(exported: Project) -> None:
    catalog = json.loads((exported.site_dir / "catalog.json").read_text())
    entries = parse_bib((exported.site_dir / "references.bib").read_text())
    assert len(entries) == len(catalog["papers"])
    csl = json.loads((exported.site_dir / "references.json").read_text())
    # CSL-JSON ids are the citation keys, as in references.bib (pandoc cites them by id).
    assert {item["id"] for item in csl} == {e["ID"] for e in entries}
    topic = catalog["tags"][0]
    topic_entries = parse_bib((exported.site_dir / "topics" / f"{topic['id']}.bib").read_text())
    assert len(topic_entries) == topic["count"]


def test_bibtex_round_trip_of_awkward_text() -> None:
    paper = Paper(
        id="awkward-2021",
        title="GANs {and} 50% of $x_1$ & Müller's C++ \\ back",
        abstract="Uses $\\mathbf{60.4}$ and 100% ~ ^ # _.",
        tags=("rlhf",),
        fingerprint="",
        meta=Bibliographic(
            authors=("Jürgen Müller", "Ann de Vries"),
            year=2021,
            venue="J. ML & AI",
            doi="10.1/x_y",
            arxiv_id="2101.00001",
            url="https://a.org/x?y=1&z=2",
        ),
    )
    (entry,) = parse_bib(bibtex_entry(paper))
    written = dict(bibtex_fields(paper))
    assert {k: v for k, v in entry.items() if k not in ("ID", "ENTRYTYPE")} == written
    assert decode_latex(entry["title"]) == paper.title
    assert decode_latex(entry["journal"]) == "J. ML & AI"
    assert entry["url"] == "https://a.org/x?y=1&z=2" and entry["doi"] == "10.1/x_y"
    # The abstract's math stays math; the rest is text.
    escaped = "100\\% \\textasciitilde{} \\textasciicircum{} \\# \\_."
    assert entry["abstract"] == "Uses $\\mathbf{60.4}$ and " + escaped
    assert entry["ID"] == "awkward-2021" and {"url", "doi"} <= VERBATIM_FIELDS


def test_bundled_review_exports_round_trip(site: Path) -> None:
    catalog = {p["id"]: p for p in json.loads((site / "catalog.json").read_text())["papers"]}
    entries = parse_bib((site / "references.bib").read_text())
    assert len({e["ID"] for e in entries}) == len(entries) == len(catalog)
    assert {decode_latex(e["title"]) for e in entries} == {p["title"] for p in catalog.values()}
