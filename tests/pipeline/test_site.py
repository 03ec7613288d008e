"""The built bundled review, read as a reader and another tool would: HTML, index, catalog."""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import subprocess
from pathlib import Path

from bs4 import BeautifulSoup
from lunr.index import Index

from generator.build.linkcheck import check_site
from generator.project import Project
from generator.search.files import lunr_js_path
from tests.conftest import build_review

PAIRWISE = "pairwise-rl-rlhf-framework"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page(site: Path, url: str) -> BeautifulSoup:
    return soup(site / url.strip("/") / "index.html" if url.strip("/") else site / "index.html")


def test_every_internal_link_anchor_and_asset_resolves(site: Path) -> None:
    report = check_site(site)
    assert report.pages >= 212 + 40 + 3
    assert report.internal > 10_000
    assert report.broken == []


def test_the_sharded_search_index_resolves_and_names_no_missing_file(sharded_review: Project) -> None:
    site = sharded_review.site_dir
    assert check_site(site).broken == []
    manifest = json.loads((site / "search" / "manifest.json").read_text())
    assert manifest["mode"] == "sharded" and manifest["count"] == 212
    assert not (site / "search" / "papers-index.json").exists()
    for _, key in manifest["shards"]:
        assert (site / "search" / "terms" / f"{key}.json").is_file()
    assert len(list((site / "search" / "docs").glob("*.json"))) == manifest["chunks"]
    assert len(list((site / "search" / "titles").glob("*.json"))) == manifest["titles"] > 1
    assert {p.stem for p in (site / "search" / "tags").glob("*.json")} == set(manifest["tags"])


def test_the_urls_of_the_review(site: Path) -> None:
    for url in ("", "topics/", "topics/rlhf/", "search/", f"papers/{PAIRWISE}/"):
        assert (site / url / "index.html").is_file(), url
    assert (site / "catalog.json").is_file()
    assert len(list((site / "papers").glob("*/index.html"))) == 212


def test_navigation_lists_sections_and_topics_never_papers(site: Path) -> None:
    nav = page(site, "").select_one("nav.md-nav--primary")
    links = [a["href"] for a in nav.select("a[href]")]
    assert not [href for href in links if "papers/" in href]
    topic_links = [href for href in links if "topics/" in href]
    assert 40 <= len(topic_links) <= 45
    assert len(links) < 80
    # A paper page lists only the sections: the topic tree on 20,000 pages would be a third of
    # the site.
    nav = page(site, f"papers/{PAIRWISE}/").select_one("nav.md-nav--primary")
    links = [a["href"] for a in nav.select("a[href]")]
    assert links == ["../..", "../..", "../../topics/", "../../search/"]


def test_paper_page_shows_everything_a_reader_needs(site: Path) -> None:
    doc = page(site, "papers/vapo-value-based-augmented-proximal-policy-optimization/")
    assert doc.h1.get_text().strip("¶ ") == "VAPO: Value-based Augmented Proximal Policy Optimization"
    assert "derived from its abstract" in doc.select_one(".lr-derived").get_text()
    abstract = doc.select_one(".lr-abstract")
    math = abstract.find("math")
    assert math is not None and math.get_text() == "60.4"  # $\mathbf{60.4}$ as MathML
    assert "$" not in abstract.get_text()
    tags = [a["href"] for a in doc.select(".lr-tags a.lr-tag")]
    assert tags and all(href.startswith("../../topics/") for href in tags)
    related = doc.find(id="related-papers").find_next("ol").find_all("li", recursive=False)
    assert len(related) == 5
    # The source files are the curator's (content/sources/ is not published): no section for them.
    assert doc.find(id="sources") is None and "000_ec06576a43eb58eb" not in doc.get_text()


def test_code_links_and_metadata(site: Path, built_review: Project) -> None:
    catalog = json.loads((site / "catalog.json").read_text())
    with_dates = [p for p in catalog["papers"] if p["date"] and p["authors_count"]]
    assert with_dates
    doc = page(site, with_dates[0]["url"])
    facts = doc.select_one("dl.lr-facts").get_text()
    assert "Authors" in facts and str(with_dates[0]["authors_count"]) in facts
    linked = [
        p
        for p in catalog["papers"]
        if "github.com" in (built_review.papers_dir / f"{p['id']}.yaml").read_text()
    ]
    assert linked, "the corpus has abstracts with code repositories"
    links = page(site, linked[0]["url"]).select("ul.lr-links a")
    assert any("github.com" in a["href"] and a["href"].startswith("https://") for a in links)


def test_topic_page_lists_its_papers_newest_first_with_summaries(site: Path) -> None:
    catalog = json.loads((site / "catalog.json").read_text())
    members = [p for p in catalog["papers"] if "rlhf" in p["tags"]]
    doc = page(site, "topics/rlhf/")
    items = doc.find(id="papers-newest-first").find_next("ul").find_all("li", recursive=False)
    assert len(items) == len(members)
    assert all(li.select_one(".lr-summary").get_text().strip() for li in items)
    assert doc.find(id="often-tagged-together") is not None


def test_topics_overview_groups_tags_with_counts(site: Path) -> None:
    catalog = json.loads((site / "catalog.json").read_text())
    doc = page(site, "topics/")
    rows = doc.select("table:not(.lr-matrix) tbody tr")  # not the topics-together table
    assert len(rows) == len(catalog["tags"])
    counts = {t["id"]: t["count"] for t in catalog["tags"]}
    for row in rows:
        href = row.find("a")["href"]
        tag_id = href.strip("/").split("/")[-1]
        assert int(row.find_all("td")[1].get_text()) == counts[tag_id]


def test_home_summarises_the_review(site: Path) -> None:
    text = page(site, "").select_one("article").get_text(" ")
    assert "212 papers" in text and "40 topics" in text


def test_catalog_matches_the_pages(site: Path) -> None:
    catalog = json.loads((site / "catalog.json").read_text())
    assert len(catalog["papers"]) == 212
    ids = {p["id"] for p in catalog["papers"]}
    counts: dict[str, int] = {}
    for paper in catalog["papers"]:
        doc = page(site, paper["url"])
        assert doc.h1.get_text().strip("¶ ") == paper["title"]
        assert (doc.select_one(".lr-derived") is not None) == paper["title_derived"]
        tag_ids = [a["href"].strip("/").split("/")[-1] for a in doc.select(".lr-tags a.lr-tag")]
        assert tag_ids == paper["tags"]
        # Lists stop at the similarity floor: a paper may have none, and then there is no list.
        after_heading = doc.find(id="related-papers").find_next_sibling()
        has_list = after_heading is not None and after_heading.name == "ol"
        related = after_heading.find_all("li", recursive=False) if has_list else []
        related_ids = [li.find("a")["href"].strip("/").split("/")[-1] for li in related]
        assert related_ids == [r["id"] for r in paper["related"]]
        assert set(related_ids) <= ids - {paper["id"]}
        # Best text score first, except where the other papers' tags lifted one (and it says so).
        listed = paper["related"]
        for above, below in itertools.pairwise(listed):
            assert above["score"] >= below["score"] or above["tags_used"], (paper["id"], above, below)
        for tag in paper["tags"]:
            counts[tag] = counts.get(tag, 0) + 1
        assert paper["sources"]
    for tag in catalog["tags"]:
        assert tag["count"] == counts.get(tag["id"], 0)
        assert {"label", "group", "description"} <= set(tag)


def test_search_index_loads_in_lunr_py_and_ranks_pairwise_first(site: Path) -> None:
    data = json.loads((site / "search" / "papers-index.json").read_text())
    index = Index.load(data["index"])
    assert index.search("pairwise reward model")[0]["ref"] == PAIRWISE
    assert index.search("curriculum")[0]["ref"] in {
        p for p, d in data["docs"].items() if "curriculum-learning" in d["g"]
    }
    assert set(data["docs"]) == {p.name for p in (site / "papers").iterdir()}
    assert all(doc["t"] and doc["s"] for doc in data["docs"].values())


def test_search_index_loads_in_lunr_js(site: Path, tmp_path: Path) -> None:
    script = tmp_path / "query.js"
    script.write_text(
        "const lunr = require(process.argv[2]);\n"
        "const data = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));\n"
        "const index = lunr.Index.load(data.index);\n"
        "console.log(JSON.stringify(index.search('pairwise reward model').slice(0, 3).map(r => r.ref)));\n"
    )
    out = subprocess.run(
        ["node", str(script), str(site / "assets" / "lunr.js"), str(site / "search" / "papers-index.json")],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert json.loads(out)[0] == PAIRWISE
    assert (site / "assets" / "lunr.js").read_bytes() == lunr_js_path().read_bytes()


def test_two_builds_of_the_same_content_are_byte_identical(built_review: Project, tmp_path: Path) -> None:
    first = {
        p.relative_to(built_review.site_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(built_review.site_dir.rglob("*"))
        if p.is_file()
    }
    again = Project.at(tmp_path / "again")
    shutil.copytree(built_review.root, again.root, ignore=shutil.ignore_patterns("site", ".litreview"))
    build_review(again)
    second = {
        p.relative_to(again.site_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(again.site_dir.rglob("*"))
        if p.is_file()
    }
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_atom_feeds_are_valid_and_link_real_pages(site: Path) -> None:
    from urllib.parse import urljoin

    import feedparser

    for feed_path in ["feed.xml", "topics/rlhf.xml", "topics/curriculum-learning.xml"]:
        feed = feedparser.parse((site / feed_path).read_bytes())
        assert not feed.bozo, (feed_path, feed.get("bozo_exception"))
        assert feed.version == "atom10"
        assert feed.entries and feed.feed.title and feed.feed.updated
        for entry in feed.entries:
            assert entry.title and entry.id and entry.updated and entry.summary
            target = urljoin("http://x/" + feed_path, entry.link).removeprefix("http://x/")
            assert (site / target / "index.html").is_file(), (feed_path, entry.link)
    catalog = json.loads((site / "catalog.json").read_text())
    members = [p for p in catalog["papers"] if "rlhf" in p["tags"]]
    assert len(feedparser.parse((site / "topics/rlhf.xml").read_bytes()).entries) == min(50, len(members))


def test_charts_have_text_alternatives(site: Path) -> None:
    catalog = json.loads((site / "catalog.json").read_text())
    for url, chart_id in (("", "lr-years"), ("topics/rlhf/", "lr-years")):
        figure = page(site, url).find("figure", id=chart_id)
        svg = figure.find("svg")
        assert svg["role"] == "img" and svg.find("title").get_text()
        assert figure.find("figcaption").get_text() and figure.find("details")
    # Which topics come together is a table (its names and numbers are its text).
    together = page(site, "topics/").find("figure", id="lr-together")
    assert together.select("table th[scope=row]") and together.select("table th[scope=col]")
    assert together.find("figcaption").get_text() and together.find("details")
    # The home chart's table adds up to the papers that have a year.
    rows = page(site, "").find("figure", id="lr-years").select("tbody tr")
    total = sum(int(r.find_all("td")[1].get_text()) for r in rows)
    dated = sum(1 for p in catalog["papers"] if (p["date"] or "")[:4].isdigit() or p.get("year"))
    assert total == dated


def test_paper_pages_link_previous_and_next_in_their_topic(site: Path) -> None:
    catalog = {p["id"]: p for p in json.loads((site / "catalog.json").read_text())["papers"]}
    topic = page(site, "topics/rlhf/")
    order = [
        a["href"].strip("/").split("/")[-1]
        for a in topic.find(id="papers-newest-first").find_next("ul").select("li > a:first-child")
    ]
    home_topic = [pid for pid in order if catalog[pid]["tags"][0] == "rlhf"]
    middle = next(pid for pid in home_topic if 0 < order.index(pid) < len(order) - 1)
    pager = page(site, f"papers/{middle}/").select_one("nav.lr-pager")
    links = {
        a.get("class", [""])[0]: a["href"].strip("/").split("/")[-1]
        for a in pager.select("a.lr-prev, a.lr-next")
    }
    position = order.index(middle)
    assert links == {"lr-prev": order[position - 1], "lr-next": order[position + 1]}
    facts = page(site, f"papers/{middle}/").select_one("dl.lr-facts").get_text()
    assert "In the review since" in facts and "2026-11-21" in facts and "Permalink" in facts
