"""What a reader sees, fixed (issue #18): no empty abstract heading, a pager laid out in two
columns, absolute feed links when the site's address is known, a readable co-occurrence table,
an empty topic that says so, and counts in the singular when there is one."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.model import Paper, Tag
from generator.project import Project
from generator.render.charts import cooccurrence_chart, plural
from generator.render.feeds import atom_feed
from tests.conftest import SITE_URL, build_review, copy_review

ATOM = "{http://www.w3.org/2005/Atom}"
NO_ABSTRACT = "a-paper-added-by-hand-without-abstract"
EMPTY_TOPIC = "starter-topic"


def page(site: Path, url: str) -> BeautifulSoup:
    path = site / url.strip("/") / "index.html" if url.strip("/") else site / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The bundled review with a paper added by hand without an abstract and a topic no paper
    has yet, built strictly (every link checked)."""
    project = copy_review(tmp_path_factory.mktemp("reader") / "review")
    (project.papers_dir / f"{NO_ABSTRACT}.yaml").write_text(
        f"id: {NO_ABSTRACT}\ntitle: A paper added by hand, without abstract\ntags:\n- rlhf\n",
        encoding="utf-8",
    )
    taxonomy = project.tags_file.read_text(encoding="utf-8")
    project.tags_file.write_text(
        taxonomy.replace(
            "\ntags:\n",
            f"\ntags:\n  {EMPTY_TOPIC}:\n    label: A starter topic\n    description: Nothing here yet.\n"
            "    group: applications\n    match:\n      - zzzz-no-paper-says-this\n",
            1,
        ),
        encoding="utf-8",
    )
    log = build_review(project)
    assert not log.errors, [str(p) for p in log.errors]
    return project


def test_a_paper_without_abstract_has_no_empty_heading_and_says_how_to_add_one(variant: Project) -> None:
    doc = page(variant.site_dir, f"papers/{NO_ABSTRACT}/")
    assert doc.find(id="abstract") is None and doc.select_one(".lr-abstract") is None
    missing = doc.select_one("p.lr-missing").get_text(" ", strip=True)
    assert "no abstract yet" in missing
    assert f"content/papers/{NO_ABSTRACT}.yaml" in missing and "abstract:" in missing


def test_a_paper_with_an_abstract_keeps_its_heading(site: Path) -> None:
    doc = page(site, "papers/vapo-value-based-augmented-proximal-policy-optimization/")
    assert doc.find(id="abstract") is not None and doc.select_one(".lr-abstract").get_text().strip()
    assert doc.select_one("p.lr-missing") is None


def test_the_pager_is_two_links_and_the_topic_not_one_paragraph(site: Path) -> None:
    pager = page(site, "papers/2-olmo-2-furious/").select_one("nav.lr-pager")
    children = [c for c in pager.children if getattr(c, "name", None)]
    assert [c.name for c in children] == ["a", "a", "p"]
    assert children[0]["class"] == ["lr-prev"] and children[0]["rel"] == ["prev"]
    assert children[1]["class"] == ["lr-next"] and children[1]["rel"] == ["next"]
    assert children[2]["class"] == ["lr-pager-topic"]
    for link in children[:2]:
        assert link.select_one(".lr-pager-title").get_text().strip()
        assert (site / "papers" / link["href"].strip("./").strip("/") / "index.html").is_file()
    topic = children[2].find("a")["href"]
    assert (
        topic.startswith("../../topics/")
        and (site / "papers" / "x" / topic / "index.html").resolve().is_file()
    )


def test_paper_pages_show_no_source_file_names(site: Path) -> None:
    """content/sources/ is the curator's, not published: its file names mean nothing to a
    reader (the catalog keeps where each paper came from)."""
    doc = page(site, "papers/vapo-value-based-augmented-proximal-policy-optimization/")
    assert doc.find(id="sources") is None
    assert "000_ec06576a43eb58eb" not in doc.get_text()


def test_feeds_link_absolute_addresses_when_the_site_url_is_known(subpath_site: Path) -> None:
    for feed_path in ("feed.xml", "topics/rlhf.xml"):
        feed = ET.fromstring((subpath_site / feed_path).read_bytes())
        assert feed.get("{http://www.w3.org/XML/1998/namespace}base") == SITE_URL
        links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
        assert links and all(href.startswith(SITE_URL) for href in links), links
        for href in links:
            path = href.removeprefix(SITE_URL)
            assert (subpath_site / path).is_file() or (subpath_site / path / "index.html").is_file(), href


def test_feeds_without_a_site_url_are_relative_to_themselves_without_xml_base() -> None:
    paper = Paper(id="p", title="T", abstract="A.", tags=("t",), fingerprint="f")
    tags = {"t": Tag("t", "T", "", "g")}
    feed = ET.fromstring(
        atom_feed(
            [paper], title="R", feed_path="topics/t.xml", page_path="topics/t/", site_url="/", tags=tags
        )
    )
    assert feed.get("{http://www.w3.org/XML/1998/namespace}base") is None
    hrefs = sorted(link.get("href") for link in feed.iter(f"{ATOM}link"))
    assert hrefs == ["../papers/p/", "../topics/t.xml", "../topics/t/"]


def test_an_empty_topic_says_so_without_map_or_files_to_download(variant: Project) -> None:
    doc = page(variant.site_dir, f"topics/{EMPTY_TOPIC}/")
    text = doc.select_one("article").get_text(" ", strip=True)
    assert "No papers yet" in text
    assert doc.select_one(".lr-map") is None
    hrefs = [a["href"] for a in doc.select("article a[href]")]
    assert not [h for h in hrefs if h.endswith((".bib", ".xml")) or "search/?tag=" in h], hrefs
    assert doc.select_one("#papers-newest-first + p.lr-empty-topic") is not None
    assert f"- {EMPTY_TOPIC}" in doc.select_one("p.lr-empty-topic").get_text()


def test_the_cooccurrence_table_names_every_row_and_column_in_full(site: Path) -> None:
    figure = page(site, "topics/").find("figure", id="lr-together")
    assert figure.find("svg") is None
    table = figure.select_one(".lr-table-scroll[tabindex='0'][role='region'] table.lr-matrix")
    rows = [th.get_text() for th in table.select("tbody th[scope=row]")]
    columns = [th.get_text() for th in table.select("thead th[scope=col]")]
    assert rows == columns and len(rows) == 14
    assert "RLHF, preference alignment and reward models" in rows  # not cut to 30 characters
    caption = figure.find("figcaption").get_text(" ", strip=True)
    assert "Stronger colour: more" in caption
    assert "hover" not in figure.get_text().lower() and "darker" not in caption.lower()
    # Every count is written in its cell, and said in full in its title.
    cells = table.select("tbody td[title]")
    assert cells and all(td.get_text().isdigit() for td in cells)
    assert all(td["title"].endswith(f"{plural(int(td.get_text()), 'paper')}") for td in cells)


def test_cooccurrence_cells_get_stronger_with_more_papers() -> None:
    tags = {t: Tag(id=t, label=t.upper(), description="", group="g") for t in ("a", "b", "c")}
    tagged = [("a", "b"), ("a", "b"), ("a", "c"), ("b",), ("c",)]
    papers = [Paper(id=f"p{n}", title="", abstract="", tags=t, fingerprint="") for n, t in enumerate(tagged)]
    members = {t: [p for p in papers if t in p.tags] for t in tags}
    chart = BeautifulSoup(cooccurrence_chart(members, tags, "x"), "html.parser")
    strength = {td["title"]: td["class"][0] for td in chart.select("td[title]")}
    assert strength["A and B: 2 papers"] == "lr-s9" and strength["A and C: 1 paper"] == "lr-s5"
    assert strength["B and C: 0 papers"] == "lr-s0"


def test_counts_are_singular_for_one() -> None:
    assert plural(1, "paper") == "1 paper" and plural(2, "paper") == "2 papers"
    assert plural(0, "topic") == "0 topics" and plural(1, "query", "queries") == "1 query"


def test_a_review_of_one_paper_speaks_in_the_singular(tmp_path: Path) -> None:
    project = copy_review(tmp_path / "review", with_papers=False)
    project.papers_dir.mkdir(parents=True, exist_ok=True)
    (project.papers_dir / "only-paper.yaml").write_text(
        "id: only-paper\ntitle: The only paper\ntags:\n- rlhf\nabstract: An abstract about reward models.\n",
        encoding="utf-8",
    )
    for source in project.sources_dir.iterdir():
        source.unlink()
    log = build_review(project)
    assert not log.errors, [str(p) for p in log.errors]
    home = page(project.site_dir, "")
    text = home.select_one("article").get_text(" ", strip=True)
    assert "1 paper in" in text and "1 papers" not in text
    assert home.select_one("#lr-home-query")["placeholder"] == "Search 1 paper"
    topic = page(project.site_dir, "topics/rlhf/").select_one(".lr-facts-line").get_text()
    assert topic.startswith("1 paper ·")
