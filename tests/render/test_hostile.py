"""Hostile text in titles and abstracts is shown as text: nothing from the input is live."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator.cli import cli
from generator.project import Project
from tests.conftest import FIXTURES, small_shards

HOSTILE = FIXTURES / "sources" / "hostile.txt"
UNSAFE_URL = re.compile(r"^\s*(javascript|data|vbscript):", re.IGNORECASE)
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "poster", "background")
# Every <script> of a page is one of these: the theme's own, ours, or the theme's inline config.
ALLOWED_SCRIPT_SOURCES = re.compile(
    r"(assets/javascripts/bundle\.[0-9a-f]+\.min\.js"
    r"|assets/(page|search|map|search/single|search/sharded|search/facets|tables)\.js)$"
)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("hostile") / "review"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    tags = root / "content" / "tags.yaml"
    # A taxonomy label with markup too: curators paste as well.
    tags.write_text(
        tags.read_text().replace("label: Transformers", "label: '<b onmouseover=alert(13)>Transformers</b>'")
    )
    result = runner.invoke(cli, ["import", "-C", str(root), str(HOSTILE)], catch_exceptions=False)
    assert "6 new" in result.output, result.output
    # Tagged, so that topic pages, feeds and bibliographies list them too.
    for record in (root / "content" / "papers").glob("*.yaml"):
        record.write_text(record.read_text().replace("tags: []", "tags: [transformers]"))
    result = runner.invoke(cli, ["build", "-C", str(root), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return Project.at(root)


@pytest.fixture(scope="module")
def hostile_sharded_site(hostile_site: Project, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The same review with the sharded search index."""
    project = Project.at(tmp_path_factory.mktemp("hostile-sharded") / "review")
    shutil.copytree(hostile_site.root, project.root, ignore=shutil.ignore_patterns("site", ".litreview"))
    with small_shards(project):
        result = CliRunner().invoke(cli, ["build", "-C", str(project.root), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads((project.site_dir / "search" / "manifest.json").read_text())["mode"] == "sharded"
    return project


def html_pages(project: Project) -> list[Path]:
    return sorted(project.site_dir.rglob("*.html"))


def assert_no_live_attributes(soup: BeautifulSoup, where: object) -> None:
    """No event handler attribute and no javascript:, data: or vbscript: URL in the page."""
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), f"{where}: <{element.name} {name}=...>"
            if name.lower() in URL_ATTRIBUTES:
                assert not UNSAFE_URL.match(str(value)), f"{where}: {name}={value!r}"


def test_no_element_attribute_or_url_from_the_input_is_live(hostile_site: Project) -> None:
    for path in html_pages(hostile_site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        where = path.relative_to(hostile_site.site_dir)
        assert_no_live_attributes(soup, where)
        assert not soup.find_all(["iframe", "object", "embed", "img", "body"][:4]), where
        for script in soup.find_all("script"):
            if script.get("src"):
                assert ALLOWED_SCRIPT_SOURCES.search(script["src"]), f"{where}: {script['src']}"
            else:
                assert "alert" not in script.get_text(), f"{where}: inline script from the input"
        # Nothing from the input became a heading, an admonition or a block of its own.
        assert not soup.select(".admonition"), where


def test_the_text_is_shown_as_written(hostile_site: Project) -> None:
    pages = {
        p.parent.name: BeautifulSoup(p.read_text(), "html.parser")
        for p in (hostile_site.site_dir / "papers").glob("*/index.html")
    }
    titles = {name: soup.h1.get_text().strip("¶ ") for name, soup in pages.items()}
    assert (
        titles["script-alert-title-script-scripted-title"] == "<script>alert('title')</script> Scripted Title"
    )
    assert titles["config-site-name-raw-jinja-title"] == "{{ config.site_name }} {% raw %} Jinja Title"
    assert titles["heading-title-emph-code"] == "# Heading Title *emph* `code`"
    assert titles["svg-onload-alert-10-quote-title"] == '"><svg onload=alert(10)> Quote Title'
    jinja = pages["config-site-name-raw-jinja-title"].select_one(".lr-abstract").get_text()
    assert "{{ 7*7 }}" in jinja and "49" not in jinja
    heading = pages["heading-title-emph-code"]
    assert len(heading.find_all("h1")) == 1
    abstract = heading.select_one(".lr-abstract").get_text()
    assert (
        '# Not a heading !!! warning "Admonition" --- title: injected --- <div markdown>**bold**</div>'
        in abstract
    )
    assert "<!-- hidden -->" in abstract
    links = pages["click-me-javascript-alert-4-link-title"]
    hrefs = [a["href"] for a in links.select(".lr-abstract a, .lr-links a")]
    assert hrefs and all(h == "https://example.org/safe" for h in hrefs)
    for soup in pages.values():
        title_tag = soup.title.get_text()
        assert "<" not in title_tag or title_tag.startswith(("<script>", '"><svg', "<img")), title_tag
        assert soup.find("meta", attrs={"name": "description"})["content"]


def test_topic_pages_list_titles_as_written(hostile_site: Project) -> None:
    """Topic pages list their papers as HTML that Markdown passes through: each entry's text is
    the paper's title as written, and its link the paper's page."""
    catalog = json.loads((hostile_site.site_dir / "catalog.json").read_text())
    titles = {p["id"]: " ".join(p["title"].split()) for p in catalog["papers"]}
    listed = 0
    for page in (hostile_site.site_dir / "topics").glob("*/index.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        heading = soup.find(id="papers-newest-first")
        assert heading is not None, page
        entries = []
        for sibling in heading.find_next_siblings():
            if sibling.name == "h2":
                break
            if sibling.name == "ul":
                entries = sibling.find_all("li", recursive=False)
        for entry in entries:
            link = entry.find("a")
            paper_id = re.fullmatch(r"\.\./\.\./papers/([a-z0-9.-]+)/", link["href"]).group(1)
            assert link.get_text() == titles[paper_id], page
            assert entry.select_one(".lr-summary") is not None
            listed += 1
    assert listed >= len(titles)


def test_topic_labels_with_markup_stay_text(hostile_site: Project) -> None:
    soup = BeautifulSoup((hostile_site.site_dir / "topics" / "index.html").read_text(), "html.parser")
    assert not soup.find("b", attrs={"onmouseover": True})
    assert "<b onmouseover=alert(13)>Transformers</b>" in soup.get_text()


def test_search_index_and_catalog_carry_the_text_as_data(hostile_site: Project) -> None:
    index = json.loads((hostile_site.site_dir / "search" / "papers-index.json").read_text())
    titles = {doc["t"] for doc in index["docs"].values()}
    assert "<script>alert('title')</script> Scripted Title" in titles
    catalog = json.loads((hostile_site.site_dir / "catalog.json").read_text())
    assert {p["title"] for p in catalog["papers"]} == titles
    assert all(re.fullmatch(r"papers/[a-z0-9-]+/", p["url"]) for p in catalog["papers"])


@pytest.mark.parametrize("layout", ["hostile_site", "hostile_sharded_site"])
def test_search_results_show_markup_as_text(layout: str, request: pytest.FixtureRequest) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    from tests.conftest import serve

    hostile_site: Project = request.getfixturevalue(layout)
    httpd, url = serve(hostile_site.site_dir)
    dialogs: list[str] = []
    try:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for query in ("alert", "script", "svg onload", "study"):
                page.goto(url + "search/?query=" + query.replace(" ", "%20"))
                page.wait_for_function(
                    "document.querySelector('#lr-status').textContent.match(/paper|No paper/)"
                )
                assert (
                    page.locator(
                        "#lr-results img, #lr-results svg, #lr-results script, #lr-results iframe"
                    ).count()
                    == 0
                )
                assert page.locator("#lr-results *[onerror], #lr-results *[onload]").count() == 0
            page.goto(url + "search/?query=scripted")
            page.wait_for_function("document.querySelectorAll('#lr-results li').length > 0")
            assert (
                "<script>alert('title')</script>"
                in page.locator("#lr-results a.lr-result-title").first.inner_text()
            )
            for path in html_pages(hostile_site):
                page.goto(url + path.relative_to(hostile_site.site_dir).as_posix())
            browser.close()
    finally:
        httpd.shutdown()
    assert dialogs == []


def test_nothing_is_written_outside_the_review(hostile_site: Project) -> None:
    top = sorted(p.name for p in hostile_site.root.iterdir())
    review_files = ["content", "mkdocs.yml", "requirements.txt", "site", "templates"]
    assert top == [".github", ".gitignore", ".litreview", *review_files]
    assert not list(hostile_site.root.parent.glob("*.html"))
