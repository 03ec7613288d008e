"""The search page driven in headless Chromium, as a reader uses it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import REPO, SUBPATH, serve

CHROMIUM = os.environ.get("LITREVIEW_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
PAIRWISE = "pairwise-rl-rlhf-framework"

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    httpd, url = serve(site)
    yield url
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: run scripts/test.sh, which installs it")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


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


def test_search_finds_papers_as_you_type_and_opens_them(tab: object, server: str) -> None:
    page = tab
    page.goto(server + "search/")  # type: ignore[attr-defined]
    page.wait_for_selector("#lr-status:has-text('Type to search 212 papers')")  # type: ignore[attr-defined]
    page.type("#lr-query", "pairwise reward mod", delay=20)  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelectorAll('#lr-results li').length > 0")  # type: ignore[attr-defined]
    assert results(page)[0].endswith(f"/papers/{PAIRWISE}/")
    first = page.locator("#lr-results li").first  # type: ignore[attr-defined]
    assert "RLHF" in first.locator(".lr-result-tags").inner_text()
    assert first.locator(".lr-result-snippet mark").count() > 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search.png"))  # type: ignore[attr-defined]
    first.locator("a.lr-result-title").click()
    page.wait_for_url(f"**/papers/{PAIRWISE}/")  # type: ignore[attr-defined]
    assert "Pairwise-RL" in page.locator("h1").inner_text()  # type: ignore[attr-defined]


def test_a_topic_narrows_the_results(tab: object, server: str) -> None:
    page = tab
    page.goto(server + "search/?query=training")  # type: ignore[attr-defined]
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


def test_search_works_after_instant_navigation(tab: object, server: str) -> None:
    page = tab
    page.goto(server)  # type: ignore[attr-defined]
    page.click("a.md-button--primary")  # type: ignore[attr-defined]  # "Search the papers"
    page.wait_for_selector("#lr-query")  # type: ignore[attr-defined]
    page.fill("#lr-query", "low rank adaptation")  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelectorAll('#lr-results li').length > 0")  # type: ignore[attr-defined]
    assert any("lora" in href or "low-rank" in href for href in results(page)[:3])


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
