"""The search page's topic filter lists a topic's papers in the order of the topic page, in both
index layouts; and the sharded source's copy of lunr's query code names the lunr.js the site
ships."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.search.common import LUNR_VERSION
from generator.search.files import lunr_js_path
from tests.conftest import REPO

TOPIC_LISTED = 200  # a topic page lists its newest papers, at most this many
VERSION = re.compile(r"\blunr (\d+\.\d+\.\d+)\b")
# The lunr functions templates/assets/search/sharded.js does the work of.
MIRRORED = (
    "lunr.Index.prototype.query",
    "lunr.Builder.prototype.createFieldVectors",
    "lunr.idf",
    "lunr.Vector.prototype.dot",
    "lunr.Vector.prototype.magnitude",
)


@pytest.fixture(params=["single", "sharded"])
def search_site(request: pytest.FixtureRequest) -> Path:
    """The bundled review built with each layout: `site` is the default (auto, which takes the
    single index for 212 papers), `sharded_review` forces the sharded one (set_search_mode)."""
    if request.param == "single":
        site = request.getfixturevalue("site")
    else:
        site = request.getfixturevalue("sharded_review").site_dir
    assert json.loads((site / "search" / "manifest.json").read_text())["mode"] == request.param
    return Path(site)


def topic_page_ids(site: Path, tag: str) -> list[str]:
    """The paper ids a topic page lists, in its order."""
    soup = BeautifulSoup((site / "topics" / tag / "index.html").read_text(encoding="utf-8"), "html.parser")
    items = soup.select("#papers-newest-first + ul > li")
    return [item.select_one("a[href*='papers/']")["href"].strip("/").split("/")[-1] for item in items]


def search_topic_ids(site: Path) -> dict[str, list[str]]:
    """The paper ids the search page lists for each topic filter (with no words), in its order."""
    search = site / "search"
    manifest = json.loads((search / "manifest.json").read_text(encoding="utf-8"))
    if manifest["mode"] == "single":
        return json.loads((search / manifest["index"]).read_text(encoding="utf-8"))["topics"]
    ids = [
        row[0]
        for part in range(manifest["titles"])
        for row in json.loads((search / "titles" / f"{part:02d}.json").read_text(encoding="utf-8"))["docs"]
    ]
    return {
        tag: [ids[n] for n in json.loads((search / "tags" / f"{tag}.json").read_text(encoding="utf-8"))]
        for tag in manifest["tags"]
    }


def test_a_topic_filter_lists_the_topic_page_s_order(search_site: Path) -> None:
    topics = search_topic_ids(search_site)
    catalog = json.loads((search_site / "catalog.json").read_text(encoding="utf-8"))
    assert set(topics) == {tag["id"] for tag in catalog["tags"]}
    yearless = 0
    for tag, listed in topics.items():
        members = [paper for paper in catalog["papers"] if tag in paper["tags"]]
        assert sorted(listed) == sorted(paper["id"] for paper in members), tag
        shown = topic_page_ids(search_site, tag)
        assert len(shown) == min(len(listed), TOPIC_LISTED), tag
        assert listed[: len(shown)] == shown, tag
        yearless += any(paper["date"] and not paper["date"][:4].isdigit() for paper in members)
    # Dates without a year ("Apr 25") are where the search page's own sort used to disagree.
    assert yearless > 1, "no topic has a paper dated without a year"


def test_the_sharded_source_mirrors_the_lunr_js_the_site_ships() -> None:
    lunr_js = lunr_js_path().read_text(encoding="utf-8")
    shipped = re.match(r"/\*\*\n \* lunr - http://lunrjs\.com - .* - (\d+\.\d+\.\d+)\n", lunr_js)
    assert shipped, lunr_js[:200]
    assert shipped[1] == LUNR_VERSION
    script = (REPO / "templates" / "assets" / "search" / "sharded.js").read_text(encoding="utf-8")
    assert f'var LUNR_VERSION = "{LUNR_VERSION}";' in script
    named = VERSION.findall(script)
    assert len(named) >= 5 and set(named) == {LUNR_VERSION}  # each function that mirrors lunr names it
    for mirrored in MIRRORED:
        assert mirrored in script and f"{mirrored} = function" in lunr_js, mirrored
