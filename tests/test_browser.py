"""The site driven in headless Chromium, as a reader uses it; the search in both index layouts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.project import Project
from tests.conftest import REPO, SUBPATH, serve

ARTIFACTS = REPO / "test-artifacts"
PAIRWISE = "pairwise-rl-rlhf-framework"

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")


@pytest.fixture(scope="module")
def sharded_server(sharded_review: Project) -> Iterator[str]:
    httpd, url = serve(sharded_review.site_dir)
    yield url
    httpd.shutdown()


@pytest.fixture(params=["single", "sharded"])
def search_server(request: pytest.FixtureRequest) -> str:
    """The bundled site with each search index layout: one file, and shards loaded on demand."""
    return str(request.getfixturevalue("server" if request.param == "single" else "sharded_server"))


@pytest.fixture
def tab(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == []


def results(page: object) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#lr-results a.lr-result-title", "links => links.map(a => a.getAttribute('href'))"
    )


def test_search_finds_papers_as_you_type_and_opens_them(tab: object, search_server: str) -> None:
    page = tab
    page.goto(search_server + "search/")  # type: ignore[attr-defined]
    page.wait_for_selector("#lr-status:has-text('Type to search 212 papers')")  # type: ignore[attr-defined]
    page.type("#lr-query", "pairwise reward mod", delay=20)  # type: ignore[attr-defined]
    page.wait_for_selector('#lr-results[data-query="pairwise reward mod"] li')  # type: ignore[attr-defined]
    page.wait_for_selector('#lr-results[data-snippets="pairwise reward mod"]')  # type: ignore[attr-defined]
    assert results(page)[0].endswith(f"/papers/{PAIRWISE}/")
    first = page.locator("#lr-results li").first  # type: ignore[attr-defined]
    assert "RLHF" in first.locator(".lr-result-tags").inner_text()
    assert first.locator(".lr-result-snippet mark").count() > 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search.png"))  # type: ignore[attr-defined]
    first.locator("a.lr-result-title").click()
    page.wait_for_url(f"**/papers/{PAIRWISE}/")  # type: ignore[attr-defined]
    assert "Pairwise-RL" in page.locator("h1").inner_text()  # type: ignore[attr-defined]


def test_a_topic_narrows_the_results(tab: object, search_server: str) -> None:
    page = tab
    page.goto(search_server + "search/?query=training")  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelectorAll('#lr-results li').length > 0")  # type: ignore[attr-defined]
    everything = page.locator("#lr-status").inner_text()  # type: ignore[attr-defined]
    page.select_option("#lr-tag", "curriculum-learning")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "text => document.querySelector('#lr-status').textContent !== text", arg=everything
    )
    narrowed = results(page)
    assert narrowed
    tag_lists = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#lr-results .lr-result-tags", "ps => ps.map(p => p.textContent)"
    )
    assert all("Curriculum learning" in tags for tags in tag_lists)
    assert "tag=curriculum-learning" in page.url  # type: ignore[attr-defined]


def test_the_home_search_box_opens_the_results(tab: object, search_server: str) -> None:
    page = tab
    page.goto(search_server)  # type: ignore[attr-defined]
    page.fill("#lr-home-query", "low rank adaptation")  # type: ignore[attr-defined]
    page.click("form.lr-home-search button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#lr-search[data-ready]")  # type: ignore[attr-defined]  # the URL is read
    assert page.input_value("#lr-query") == "low rank adaptation"  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelectorAll('#lr-results li').length > 0")  # type: ignore[attr-defined]
    assert any("lora" in href or "low-rank" in href for href in results(page)[:3])


def test_the_header_search_form_opens_the_results(tab: object, search_server: str) -> None:
    page = tab
    page.goto(search_server + f"papers/{PAIRWISE}/")  # type: ignore[attr-defined]
    assert page.locator(".md-search, label[for='__search']").count() == 0  # type: ignore[attr-defined]
    page.fill("#lr-header-query", "curriculum")  # type: ignore[attr-defined]
    page.press("#lr-header-query", "Enter")  # type: ignore[attr-defined]
    page.wait_for_url("**/search/?query=curriculum")  # type: ignore[attr-defined]
    page.wait_for_selector('#lr-results[data-query="curriculum"] li')  # type: ignore[attr-defined]
    assert page.input_value("#lr-query") == "curriculum"  # type: ignore[attr-defined]


def test_show_more_adds_the_next_results(tab: object, search_server: str) -> None:
    page = tab
    page.goto(search_server + "search/?query=direct%20preference%20optimization")  # type: ignore[attr-defined]
    page.wait_for_selector('#lr-results[data-query="direct preference optimization"] li')  # type: ignore[attr-defined]
    assert not page.locator("#lr-more").is_visible()  # type: ignore[attr-defined]
    page.goto(search_server + "search/?query=training")  # type: ignore[attr-defined]
    page.wait_for_selector('#lr-results[data-query="training"] li')  # type: ignore[attr-defined]
    status = page.locator("#lr-status").inner_text()  # type: ignore[attr-defined]
    assert status.endswith("papers, the first 20 shown."), status
    first = results(page)
    assert len(first) == 20
    page.click("#lr-more")  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelectorAll('#lr-results li').length === 40")  # type: ignore[attr-defined]
    more = results(page)
    assert more[:20] == first and len(set(more)) == 40
    focused = page.evaluate("document.activeElement.getAttribute('href')")  # type: ignore[attr-defined]
    assert focused == more[20]  # the keyboard continues at the first new result
    assert page.locator("#lr-status").inner_text().endswith("the first 40 shown.")  # type: ignore[attr-defined]
    assert page.locator("#lr-more").is_visible()  # type: ignore[attr-defined]


def test_a_topic_alone_lists_its_papers_as_the_topic_page_does(
    tab: object, search_server: str, site: Path
) -> None:
    catalog = json.loads((site / "catalog.json").read_text())
    members = [p for p in catalog["papers"] if "rlhf" in p["tags"]]
    page = tab
    page.goto(search_server + "topics/rlhf/")  # type: ignore[attr-defined]
    topic_page = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#papers-newest-first + ul > li > a:first-child", "links => links.map(a => a.getAttribute('href'))"
    )
    page.goto(search_server + "search/?tag=rlhf")  # type: ignore[attr-defined]
    page.wait_for_selector("#lr-results li")  # type: ignore[attr-defined]
    assert page.locator("#lr-status").inner_text().startswith(f"{len(members)} papers")  # type: ignore[attr-defined]
    shown = [href.strip("/").split("/")[-1] for href in results(page)]
    assert shown == [href.strip("/").split("/")[-1] for href in topic_page][:20]


QUERIES = [
    "pairwise reward model",
    "training",
    "low rank adaptation",
    "curriculum learn",
    "rl",
    "direct preference optimization",
    "xyzzy",
    "reward model reward",  # a word twice
    "the of",  # stop words only
    "xyzzy training",  # no paper has both: any word may match
    "lo",  # too short to be a prefix
    "optimiz",
    "gpt 4",
    "language models",
    "rlhf dpo ppo",
]


def test_both_index_layouts_give_the_same_results(tab: object, server: str, sharded_server: str) -> None:
    page = tab
    seen: dict[str, list[tuple[str, list[str]]]] = {}
    for url in (server, sharded_server):
        for query in QUERIES:
            page.goto(url + "search/?query=" + query.replace(" ", "%20"))  # type: ignore[attr-defined]
            page.wait_for_selector(f'#lr-results[data-query="{query}"]', state="attached")  # type: ignore[attr-defined]
            if query in ("training", "optimiz"):  # every result, not only the first page
                while page.locator("#lr-more").is_visible():  # type: ignore[attr-defined]
                    shown = len(results(page))
                    page.click("#lr-more")  # type: ignore[attr-defined]
                    page.wait_for_function(  # type: ignore[attr-defined]
                        "n => document.querySelectorAll('#lr-results li').length > n", arg=shown
                    )
            paths = page.eval_on_selector_all(  # type: ignore[attr-defined]
                "#lr-results a.lr-result-title", "links => links.map(a => new URL(a.href).pathname)"
            )
            seen.setdefault(query, []).append((page.locator("#lr-status").inner_text(), paths))  # type: ignore[attr-defined]
    for query, (single, sharded) in seen.items():
        assert single == sharded, query
    assert sum(1 for (status, _), _ in seen.values() if status.endswith("shown.")) >= 2


def test_a_sharded_first_search_fetches_a_few_files(
    tab: object, sharded_server: str, sharded_review: Project
) -> None:
    search_dir = sharded_review.site_dir / "search"
    page = tab
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url.removeprefix(sharded_server)))  # type: ignore[attr-defined]
    page.goto(sharded_server + "search/")  # type: ignore[attr-defined]
    page.wait_for_selector("#lr-status:has-text('Type to search 212 papers')")  # type: ignore[attr-defined]
    assert "assets/lunr.js" in fetched
    # With the page: the manifest, the field lengths and every paper's title (5 files of 50).
    titles = sorted(
        p.relative_to(search_dir.parent).as_posix() for p in (search_dir / "titles").glob("*.json")
    )
    assert titles == [f"search/titles/{n:02d}.json" for n in range(5)]
    assert sorted(u for u in fetched if u.endswith(".json")) == [
        "search/lengths.json",
        "search/manifest.json",
        *titles,
    ]
    fetched.clear()
    page.fill("#lr-query", "pairwise reward model")  # type: ignore[attr-defined]
    page.wait_for_selector('#lr-results[data-query="pairwise reward model"] li')  # type: ignore[attr-defined]
    # The titles are listed from what the page loaded; the snippets follow from the doc chunks.
    page.wait_for_selector('#lr-results[data-snippets="pairwise reward model"]')  # type: ignore[attr-defined]
    first = page.locator("#lr-results li").first  # type: ignore[attr-defined]
    assert first.locator("a.lr-result-title").get_attribute("href").endswith(f"/papers/{PAIRWISE}/")
    assert first.locator(".lr-result-snippet mark").count() > 0
    assert page.locator("#lr-results .lr-result-snippet:empty").count() == 0  # type: ignore[attr-defined]
    page.wait_for_timeout(200)  # type: ignore[attr-defined]
    shards = [u for u in fetched if u.startswith("search/terms/")]
    chunks = [u for u in fetched if u.startswith("search/docs/")]
    assert sorted(shards + chunks) == sorted(u for u in fetched if u.endswith(".json"))
    assert 1 <= len(shards) <= 3 < len(list((search_dir / "terms").glob("*.json")))
    assert 1 <= len(chunks) <= len(results(page)) < len(list((search_dir / "docs").glob("*.json")))
    # The same words again: everything they need is loaded already.
    fetched.clear()
    page.fill("#lr-query", "reward model pairwise")  # type: ignore[attr-defined]
    page.wait_for_selector('#lr-results[data-query="reward model pairwise"] li')  # type: ignore[attr-defined]
    assert [u for u in fetched if u.endswith(".json")] == []


def test_search_under_a_project_subpath(tab: object, subpath_site: Path) -> None:
    httpd, url = serve(subpath_site, SUBPATH)
    try:
        page = tab
        page.goto(url + "search/?query=pairwise%20reward%20model")  # type: ignore[attr-defined]
        page.wait_for_function("document.querySelectorAll('#lr-results li').length > 0")  # type: ignore[attr-defined]
        assert results(page)[0] == url + f"papers/{PAIRWISE}/"
        page.locator("#lr-results a.lr-result-title").first.click()  # type: ignore[attr-defined]
        page.wait_for_url(url + f"papers/{PAIRWISE}/")  # type: ignore[attr-defined]
    finally:
        httpd.shutdown()


def test_follow_a_related_paper(tab: object, server: str) -> None:
    page = tab
    page.goto(server + "papers/vapo-value-based-augmented-proximal-policy-optimization/")  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "paper.png"))  # type: ignore[attr-defined]
    link = page.locator("#related-papers + ol > li a").first  # type: ignore[attr-defined]
    target = link.get_attribute("href")
    link.click()
    page.wait_for_url("**" + target.strip(".").lstrip("/").replace("../", "/"))  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text()  # type: ignore[attr-defined]
    assert "vapo-value-based" not in page.url  # type: ignore[attr-defined]


def test_topic_page_and_its_map(tab: object, server: str) -> None:
    page = tab
    page.goto(server + "topics/rlhf/")  # type: ignore[attr-defined]
    page.wait_for_selector(".lr-map svg circle")  # type: ignore[attr-defined]
    members = page.locator(".lr-map circle.lr-member").count()  # type: ignore[attr-defined]
    listed = page.locator("#papers-newest-first + ul > li").count()  # type: ignore[attr-defined]
    assert members == listed > 0
    assert page.locator(".lr-map circle").count() == 212  # type: ignore[attr-defined]
    page.locator(".lr-map circle.lr-member").first.hover()  # type: ignore[attr-defined]
    tip = page.locator(".lr-map-tip")  # type: ignore[attr-defined]
    assert tip.is_visible() and "RLHF" in tip.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "topic-map.png"), full_page=True)  # type: ignore[attr-defined]
    page.locator(".lr-map circle.lr-member").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/papers/**")  # type: ignore[attr-defined]


def test_dark_mode_toggle(tab: object, server: str) -> None:
    page = tab
    page.goto(server)  # type: ignore[attr-defined]
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    page.wait_for_selector(".lr-map svg circle")  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"))  # type: ignore[attr-defined]
    before = page.evaluate(scheme)  # type: ignore[attr-defined]
    page.click("label.md-header__button[for^='__palette']:visible")  # type: ignore[attr-defined]
    page.wait_for_function(f"{scheme} !== {before!r}")  # type: ignore[attr-defined]
    assert {before, page.evaluate(scheme)} == {"default", "slate"}  # type: ignore[attr-defined]
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "home-dark.png"))  # type: ignore[attr-defined]
    assert background != "rgb(255, 255, 255)"


def test_phone_width(browser: object, server: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2)  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        for url in (
            "",
            "papers/vapo-value-based-augmented-proximal-policy-optimization/",
            "search/?query=lora",
        ):
            page.goto(server + url)
            page.wait_for_timeout(300)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (url, overflow)
        page.screenshot(path=str(ARTIFACTS / "phone-search.png"))
    finally:
        context.close()


AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page: object) -> list[tuple[str, str, list[object]]]:
    """What axe-core finds serious or critical on the page (id, impact, the first targets)."""
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")  # type: ignore[attr-defined]
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "url",
    [
        "",
        "papers/vapo-value-based-augmented-proximal-policy-optimization/",
        "topics/rlhf/",
        "search/?query=lora",
    ],
)
def test_no_serious_accessibility_violations(tab: object, server: str, url: str) -> None:
    assert AXE.is_file(), "run scripts/test.sh (npm install) to get axe-core"
    page = tab
    page.goto(server + url)  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    serious = serious_violations(page)
    assert serious == [], json.dumps(serious)


def test_a_search_page_older_than_its_index_says_what_to_do(tab: object, site: Path, tmp_path: Path) -> None:
    """A review's templates are its own copies: a search.js of another index layout says so."""
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    manifest = copy / "search" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "version": 2}), encoding="utf-8")
    httpd, url = serve(copy)
    try:
        page = tab
        page.goto(url + "search/?query=reward")  # type: ignore[attr-defined]
        status = page.locator("#lr-status")  # type: ignore[attr-defined]
        page.wait_for_function("() => /version 2/.test(document.querySelector('#lr-status').textContent)")  # type: ignore[attr-defined]
        assert "Copy templates/assets/search.js" in status.inner_text()
    finally:
        httpd.shutdown()
