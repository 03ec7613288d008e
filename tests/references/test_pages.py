"""Pages that reference managers read: each paper page's Highwire Press `citation_*` meta tags
and COinS span, checked by parsing the built pages against what Zotero's "Embedded Metadata"
translator and Google Scholar's inclusion guidelines expect; the copy buttons and formatted
reference; the bibliographies the home and topic pages offer; keys across rebuilds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator.cli import cli
from generator.project import Project
from tests.conftest import build_review, synthetic_abstract
from tests.references.roundtrip import parse_bib
from tests.references.test_defects import CAI, DPO, LORA
from tests.references.test_round_trip import BIB_EXPORTS

SITE_URL = "https://example.org/review/"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("pages") / "review"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace('site_url: !ENV [SITE_URL, ""]', f"site_url: {SITE_URL}"))
    (root / "content" / "sources" / "mine.bib").write_text(DPO + LORA + CAI)
    for export in BIB_EXPORTS:
        shutil.copy(export, root / "content" / "sources" / export.name)
    project = Project.at(root)
    build_review(project, strict=False)
    return project


def page(project: Project, stem: str) -> BeautifulSoup:
    (path,) = project.site_dir.glob(f"papers/{stem}*/index.html")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def head_tags(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """The citation_ tags as Zotero reads them: <meta name=... content=...> inside <head>."""
    return [
        (m["name"], m["content"])
        for m in soup.head.find_all("meta", attrs={"name": re.compile("^citation_")})
        if m.get("content")
    ]


def zotero_authors(values: list[str]) -> list[str]:
    """Embedded Metadata's reading of citation_author: split on ";", and on "," when both
    sides have a space (it then takes them for two authors)."""
    authors = []
    for value in values:
        parts = [p.strip() for p in value.split(";")]
        if len(parts) == 1:
            by_comma = [p.strip() for p in parts[0].split(",")]
            if len(by_comma) > 1 and " " in by_comma[0] and " " in by_comma[1]:
                parts = by_comma
        authors += [p for p in parts if p]
    return authors


def test_highwire_tags_are_in_the_head_as_google_scholar_and_zotero_expect(project: Project) -> None:
    soup = page(project, "direct-preference")
    tags = head_tags(soup)
    names = [n for n, _ in tags]
    value = dict(tags)
    # Google Scholar: title, at least one author, the publication date (2023 or 2023/12/04).
    assert value["citation_title"] == soup.h1.get_text(strip=True).rstrip("¶")
    assert names.count("citation_author") == 6
    assert re.fullmatch(r"\d{4}(/\d{2}/\d{2})?", value["citation_publication_date"])
    # A conference paper: Zotero takes the item type from citation_conference_title.
    assert value["citation_conference_title"] == "Advances in Neural Information Processing Systems"
    assert "citation_journal_title" not in value
    assert (value["citation_volume"], value["citation_firstpage"], value["citation_lastpage"]) == (
        "36",
        "53728",
        "53741",
    )
    assert value["citation_doi"] == "10.48550/arxiv.2305.18290"
    assert value["citation_arxiv_id"] == "2305.18290"
    assert value["citation_pdf_url"] == "https://arxiv.org/pdf/2305.18290"
    assert (
        value["citation_abstract_html_url"]
        == SITE_URL + "papers/direct-preference-optimization-your-language-model-is/"
    )
    assert value["citation_publisher"] == "Curran Associates, Inc."
    # The abstract is on the page itself, as Google Scholar requires.
    assert value["citation_abstract"][:60] in soup.select_one(".lr-abstract").get_text()
    # No tag outside <head> (Zotero reads /html/head/meta only).
    assert not soup.body.find_all("meta", attrs={"name": re.compile("^citation_")})


def test_every_author_is_one_author_to_zotero(project: Project) -> None:
    soup = page(project, "autoprognosis")
    authors = [c for n, c in head_tags(soup) if n == "citation_author"]
    # Each is one author to Zotero ("van der Schaar, Ann Marie" would be two: see author_content).
    assert zotero_authors(authors) == authors
    assert authors == ["Imrie, Fergus", "Cebere, Bogdan", "McKinney, Eoin F.", "van der Schaar, Mihaela"]
    value = dict(head_tags(soup))
    assert value["citation_arxiv_id"] == "2210.12090"  # from journaltitle = {{arXiv} preprint {arXiv}:...}
    assert "citation_journal_title" not in value  # an arXiv preprint is in no journal


def test_journal_articles_and_truncated_author_lists(project: Project) -> None:
    value = dict(head_tags(page(project, "scalable-and-accurate")))
    assert value["citation_journal_title"] == "npj Digital Medicine"
    assert (value["citation_issue"], value["citation_firstpage"], value["citation_lastpage"]) == (
        "1",
        "1",
        "10",
    )
    assert value["citation_issn"] == "2398-6352"
    assert value["citation_language"] == "english"
    soup = page(project, "constitutional")
    authors = [c for n, c in head_tags(soup) if n == "citation_author"]
    assert len(authors) == 10 and "others" not in authors
    facts = soup.select_one("dl.lr-facts").get_text(" ")
    assert "Alex Ray et al." in facts and "others" not in facts


def test_coins_span_carries_the_reference(project: Project) -> None:
    span = page(project, "direct-preference").find("span", class_="Z3988")
    context = parse_qs(span["title"])
    assert context["ctx_ver"] == ["Z39.88-2004"]
    assert context["rft.atitle"] == [
        "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
    ]
    assert context["rft.btitle"] == ["Advances in Neural Information Processing Systems"]
    assert context["rft.genre"] == ["proceeding"]
    assert context["rft.aulast"] == ["Rafailov"] and len(context["rft.au"]) == 6
    assert (context["rft.spage"], context["rft.epage"], context["rft.date"]) == (
        ["53728"],
        ["53741"],
        ["2023"],
    )
    assert "info:doi/10.48550/arxiv.2305.18290" in context["rft_id"]


def test_copy_buttons_and_the_formatted_reference(project: Project) -> None:
    soup = page(project, "direct-preference")
    reference = soup.find(id="lr-reference")
    text = reference.get_text()
    assert text.startswith(
        "Rafailov, R., Sharma, A., Mitchell, E., Ermon, S., Manning, C. D., & Finn, C. (2023)."
    )
    assert reference.find("i").get_text() == "Advances in Neural Information Processing Systems"
    assert "53728–53741" in text and "https://doi.org/10.48550/arXiv.2305.18290" in text
    buttons = {b["data-copy"]: b.get_text() for b in soup.select("button.lr-copy")}
    assert buttons == {"lr-reference": "Copy APA reference", "lr-bibtex": "Copy BibTeX"}
    (entry,) = parse_bib(soup.find(id="lr-bibtex").get_text())
    assert entry["ID"] == "rafailov2023direct" and entry["ENTRYTYPE"] == "inproceedings"
    # No script from the network: the formatting happened at build time.
    assert all(not s.get("src", "").startswith(("http:", "https:", "//")) for s in soup.find_all("script"))


def test_home_and_topic_pages_offer_the_bibliographies(project: Project) -> None:
    site = project.site_dir
    home = BeautifulSoup((site / "index.html").read_text(), "html.parser")
    for name in ("references.bib", "references.ris", "references.json"):
        assert home.find("a", href=name), name
        assert (site / name).stat().st_size > 0
    topics = sorted((site / "topics").glob("*.bib"))
    assert topics
    tag = topics[0].stem
    soup = BeautifulSoup((site / "topics" / tag / "index.html").read_text(), "html.parser")
    for kind in ("bib", "ris", "json"):
        link = soup.find("a", href=f"../{tag}.{kind}")
        assert link is not None, kind
        assert (site / "topics" / f"{tag}.{kind}").is_file()


def test_keys_stay_unique_and_deterministic_across_incremental_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "review"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    (root / "content" / "sources" / "mine.bib").write_text(DPO)
    project = Project.at(root)
    build_review(project, strict=False)
    before = (project.site_dir / "references.bib").read_bytes()
    build_review(project, strict=False)
    assert (project.site_dir / "references.bib").read_bytes() == before
    # A second paper with the same key arrives: the paper cited first keeps the key (though the
    # newcomer's id comes first), the newcomer gets a suffix, and both pages say so.
    other = DPO.replace("Direct Preference Optimization: Your", "Another Paper Entirely:")
    other = other.replace("10.48550/arXiv.2305.18290", "10.5555/other").replace("{dpo}", "{x}")
    other = other.replace(synthetic_abstract("dpo"), synthetic_abstract("another"))
    (root / "content" / "sources" / "more.bib").write_text(other)
    monkeypatch.setenv("LITREVIEW_TODAY", "2099-01-01")  # it enters the review after the first
    build_review(project, strict=False)
    keys = sorted(e["ID"] for e in parse_bib((project.site_dir / "references.bib").read_text()))
    assert keys == ["rafailov2023direct", "rafailov2023directa"]
    another = page(project, "another-paper")
    assert "@inproceedings{rafailov2023directa," in another.find(id="lr-bibtex").get_text()
    kept = page(project, "direct-preference")
    assert "@inproceedings{rafailov2023direct," in kept.find(id="lr-bibtex").get_text()
