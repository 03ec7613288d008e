"""Evidence tables in headless Chromium, on a desktop and a phone: sorting and filtering a topic's
comparison table (and loading its rows from the CSV), a matrix cell's link, every facet of the
search and its URL round trip, in both index layouts; axe-core on the new pages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.search_probe import standalone_site
from generator.model import Bibliographic, FieldSpec, Paper, PaperDate, Review, Tag, TagGroup, Taxonomy
from tests.conftest import REPO, serve, synthetic_abstract
from tests.test_browser import AXE, serious_violations

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")

ARTIFACTS = REPO / "test-artifacts"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}


@pytest.fixture(params=sorted(VIEWPORTS))
def tab(request: pytest.FixtureRequest, browser: object) -> Iterator[object]:
    """A page on a desktop and on a phone-sized screen; page errors fail the test."""
    context = browser.new_context(viewport=VIEWPORTS[request.param])  # type: ignore[attr-defined]
    page = context.new_page()
    page.viewport_name = request.param
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == []


def cells(page: object, key: str) -> list[str]:
    """The text of a comparison table's column (by its data-key) in row order."""
    index = page.evaluate(  # type: ignore[attr-defined]
        "key => Array.from(document.querySelectorAll('.lr-compare thead th'))"
        ".findIndex(th => th.dataset.key === key)",
        key,
    )
    return page.eval_on_selector_all(  # type: ignore[attr-defined]
        ".lr-compare tbody tr", f"rows => rows.map(r => r.children[{index}].textContent)"
    )


def test_sorting_and_filtering_a_comparison_table(tab: object, server: str) -> None:
    page = tab
    page.goto(server + "topics/rlhf/")  # type: ignore[attr-defined]
    rows = page.locator(".lr-compare tbody tr").count()  # type: ignore[attr-defined]
    assert rows > 5
    head = page.locator('.lr-compare th[data-key="methods"]')  # type: ignore[attr-defined]
    head.locator("button").click()
    assert head.get_attribute("aria-sort") == "ascending"
    methods = [m for m in cells(page, "methods") if m]
    assert methods == sorted(methods, key=str.lower)
    head.locator("button").click()
    assert head.get_attribute("aria-sort") == "descending"
    assert [m for m in cells(page, "methods") if m] == sorted(methods, key=str.lower, reverse=True)
    assert cells(page, "methods")[-1] == ""  # empty cells go last either way
    page.fill(".lr-table-filter input", "DPO")  # type: ignore[attr-defined]
    page.wait_for_function("() => /rows match/.test(document.querySelector('.lr-table-status').textContent)")  # type: ignore[attr-defined]
    kept = cells(page, "methods")
    assert kept and all("DPO" in m for m in kept) and len(kept) < rows
    assert page.locator(".lr-table-status").inner_text().startswith(f"{len(kept)} of {rows} rows match")  # type: ignore[attr-defined]
    page.fill(".lr-table-filter input", "")  # type: ignore[attr-defined]
    page.wait_for_function(f"() => document.querySelectorAll('.lr-compare tbody tr').length === {rows}")  # type: ignore[attr-defined]
    if page.viewport_name == "phone":  # type: ignore[attr-defined]
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")  # type: ignore[attr-defined]
        assert overflow <= 1  # the table scrolls inside its region, not the page
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".lr-table").screenshot(path=str(ARTIFACTS / f"table-{page.viewport_name}.png"))  # type: ignore[attr-defined]


def test_a_table_with_more_rows_than_its_page_loads_them_from_its_csv(tab: object, server: str) -> None:
    """A page holding only a table's first rows (a large topic) loads the rest from the CSV on
    the first sort: here the page is served with all but three rows taken out."""
    page = tab

    def three_rows(route: object) -> None:
        response = route.fetch()  # type: ignore[attr-defined]
        body = response.text()
        table = body.index('class="lr-compare"')
        start, end = body.index("<tbody>", table) + len("<tbody>"), body.index("</tbody>", table)
        rows = re.findall(r"<tr>.*?</tr>", body[start:end], flags=re.S)
        route.fulfill(response=response, body=body[:start] + "".join(rows[:3]) + body[end:])  # type: ignore[attr-defined]

    page.route(re.compile(r".*/topics/rlhf/$"), three_rows)  # type: ignore[attr-defined]
    page.goto(server + "topics/rlhf/")  # type: ignore[attr-defined]
    total = int(page.get_attribute(".lr-table", "data-total"))  # type: ignore[attr-defined]
    assert page.locator(".lr-compare tbody tr").count() == 3 < total  # type: ignore[attr-defined]
    page.locator('.lr-compare th[data-key="year"] button').click()  # type: ignore[attr-defined]
    page.wait_for_function(f"() => document.querySelectorAll('.lr-compare tbody tr').length === {total}")  # type: ignore[attr-defined]
    links = page.eval_on_selector_all(".lr-compare tbody th a", "as => as.map(a => a.href)")  # type: ignore[attr-defined]
    assert all(re.search(r"/papers/[a-z0-9.-]+/$", link) for link in links)
    years = [y for y in cells(page, "year") if y]
    assert years == sorted(years)


def test_a_matrix_cell_lists_its_papers_on_the_search_page(tab: object, server: str) -> None:
    page = tab
    page.goto(server + "matrix/")  # type: ignore[attr-defined]
    row = page.locator("table.lr-matrix").first.locator("tbody tr", has_text="DPO")  # type: ignore[attr-defined]
    cell = row.locator("td a").first
    count = int(cell.inner_text().split()[0])
    assert count > 0
    cell.click()
    page.wait_for_url("**/search/?**")  # type: ignore[attr-defined]
    query = parse_qs(urlsplit(page.url).query)  # type: ignore[attr-defined]
    assert query["f.methods"] == ["DPO"] and len(query["f.models"]) == 1
    page.wait_for_function("() => /papers?\\.$/.test(document.querySelector('#lr-status').textContent)")  # type: ignore[attr-defined]
    assert page.locator("#lr-results li").count() == count  # type: ignore[attr-defined]
    assert page.locator("#lr-active").inner_text().startswith("Filtered by")  # type: ignore[attr-defined]


# The facets: a small review of papers with authors, venues, years and fields of every kind that
# the search filters by, as a standalone search page (bench/search_probe.py) in both layouts.
CHOICES = ("alpha", "beta", "gamma")
VENUES = ("NeurIPS", "ICML", "ACL")
AUTHORS = ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Émile Borel")


def facet_paper(n: int) -> Paper:
    values: list[tuple[str, object]] = [("kind", CHOICES[n % 3]), ("size", float(n)), ("open", n % 2 == 0)]
    if n % 5 == 0:
        values.append(("methods", ("sft", "dpo")))
    return Paper(
        id=f"paper-{n:02d}",
        title=f"Paper {n:02d} on {'zebra' if n % 2 else 'okapi'} models",
        abstract=synthetic_abstract(n),
        tags=("t-one",) if n % 3 else ("t-one", "t-two"),
        fingerprint=str(n),
        date=PaperDate(2018 + n % 6, 1 + n % 12, 1 + n % 28),
        meta=Bibliographic(authors=(AUTHORS[n % 4], f"Person {n}"), venue=VENUES[n % 3]),
        added="2026-01-01",
        fields=tuple(values),
    )


PAPERS = tuple(facet_paper(n) for n in range(60))
TAXONOMY = Taxonomy(
    {"g": TagGroup("g", "G", "")},
    {"t-one": Tag("t-one", "Topic one", "", "g"), "t-two": Tag("t-two", "Topic two", "", "g")},
    fields=(
        FieldSpec("kind", "Kind", "choice", choices=CHOICES),
        FieldSpec("size", "Size", "number", unit="B"),
        FieldSpec("open", "Open", "boolean"),
        FieldSpec("methods", "Methods", "choices", choices=("sft", "dpo")),
    ),
)


def expected(keep: object) -> set[str]:
    return {p.id for p in PAPERS if keep(p)}  # type: ignore[operator]


@pytest.fixture(scope="module", params=["single", "sharded"])
def facet_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    target = tmp_path_factory.mktemp("facets") / "site"
    standalone_site(Review(PAPERS, TAXONOMY), target, request.param)
    httpd, url = serve(target)
    yield url + "search/"
    httpd.shutdown()


def listed(page: object) -> set[str]:
    page.wait_for_function("() => /paper|No paper/.test(document.querySelector('#lr-status').textContent)")  # type: ignore[attr-defined]
    while page.locator("#lr-more").is_visible():  # type: ignore[attr-defined]
        before = page.locator("#lr-results li").count()  # type: ignore[attr-defined]
        page.click("#lr-more")  # type: ignore[attr-defined]
        page.wait_for_function(f"() => document.querySelectorAll('#lr-results li').length > {before}")  # type: ignore[attr-defined]
    hrefs = page.eval_on_selector_all(
        "#lr-results a.lr-result-title", "as => as.map(a => a.getAttribute('href'))"
    )  # type: ignore[attr-defined]
    return {h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs}


def settle(page: object, url_part: str) -> None:
    page.wait_for_function("part => window.location.search.includes(part)", arg=url_part)  # type: ignore[attr-defined]


FACETS = [
    # (what to do on the page, the part of the URL it makes, which papers it lists)
    ("check:input[name=tag][value=t-two]", "tag=t-two", lambda p: "t-two" in p.tags),
    ("check:input[name=venue][value=ICML]", "venue=ICML", lambda p: p.meta.venue == "ICML"),
    ("fill:#lr-author=hopper", "author=hopper", lambda p: "Grace Hopper" in p.meta.authors),
    ("fill:#lr-author=émile borel", "author=%C3%A9mile", lambda p: "Émile Borel" in p.meta.authors),
    ("fill:#lr-year-from=2021", "from=2021", lambda p: p.date.year >= 2021),
    ("fill:#lr-year-to=2019", "to=2019", lambda p: p.date.year <= 2019),
    ("check:input[name='f.kind'][value=beta]", "f.kind=beta", lambda p: p.value_of("kind") == "beta"),
    (
        "check:input[name='f.methods'][value=dpo]",
        "f.methods=dpo",
        lambda p: p.value_of("methods") is not None,
    ),
    ("check:input[name='f.open'][value=yes]", "f.open=yes", lambda p: p.value_of("open") is True),
    ("fill:#lr-f-size-min=10", "f.size.min=10", lambda p: p.value_of("size") >= 10),
    ("fill:#lr-f-size-max=4.5", "f.size.max=4.5", lambda p: p.value_of("size") <= 4.5),
]


def act(page: object, action: str) -> None:
    kind, _, what = action.partition(":")
    if kind == "check":
        page.check(what)  # type: ignore[attr-defined]
    else:
        selector, _, value = what.partition("=")
        page.fill(selector, value)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("action", "in_url", "keep"), FACETS, ids=[f[1] for f in FACETS])
def test_each_facet_filters_and_survives_the_url(
    tab: object, facet_server: str, action: str, in_url: str, keep: object
) -> None:
    page = tab
    page.goto(facet_server)  # type: ignore[attr-defined]
    page.wait_for_selector("#lr-status:has-text('Type to search 60 papers')")  # type: ignore[attr-defined]
    page.click("#lr-filters summary")  # type: ignore[attr-defined]
    act(page, action)
    settle(page, in_url)
    found = listed(page)
    assert found == expected(keep)
    shared = page.url  # type: ignore[attr-defined]
    page.goto("about:blank")  # type: ignore[attr-defined]
    page.goto(shared)  # type: ignore[attr-defined]  # the URL round trip: a shared link
    assert listed(page) == found
    if in_url.startswith("tag="):  # one topic: the topic select shows it
        assert page.input_value("#lr-tag") == "t-two"  # type: ignore[attr-defined]
    else:
        assert page.evaluate("document.querySelector('#lr-filters').open")  # type: ignore[attr-defined]


def test_topics_all_of_or_any_of_words_and_order(tab: object, facet_server: str) -> None:
    page = tab
    page.goto(facet_server + "?tag=t-one&tag=t-two")  # type: ignore[attr-defined]
    assert listed(page) == expected(lambda p: "t-two" in p.tags)
    assert page.locator("#lr-tag-several").evaluate("o => o.selected")  # type: ignore[attr-defined]
    page.click("#lr-filters summary") if not page.evaluate(
        "document.querySelector('#lr-filters').open"
    ) else None  # type: ignore[attr-defined]
    page.check("input[name=lr-match][value=any]")  # type: ignore[attr-defined]
    settle(page, "match=any")
    assert listed(page) == {p.id for p in PAPERS}
    page.fill("#lr-query", "zebra")  # type: ignore[attr-defined]
    settle(page, "query=zebra")
    words = listed(page)
    assert words == expected(lambda p: "zebra" in p.title)
    page.select_option("#lr-sort", "oldest")  # type: ignore[attr-defined]
    settle(page, "sort=oldest")
    listed(page)
    titles = page.eval_on_selector_all("#lr-results a.lr-result-title", "as => as.map(a => a.textContent)")  # type: ignore[attr-defined]
    by_id = {p.title: p for p in PAPERS}
    dates = [by_id[t].date.sort_key for t in titles]
    assert dates == sorted(dates)
    page.select_option("#lr-sort", "newest")  # type: ignore[attr-defined]
    settle(page, "sort=newest")
    listed(page)
    titles = page.eval_on_selector_all("#lr-results a.lr-result-title", "as => as.map(a => a.textContent)")  # type: ignore[attr-defined]
    assert [by_id[t].date.sort_key for t in titles] == sorted(dates, reverse=True)
    # Round trip of the whole state.
    state = parse_qs(urlsplit(page.url).query)  # type: ignore[attr-defined]
    assert state == {"query": ["zebra"], "tag": ["t-one", "t-two"], "match": ["any"], "sort": ["newest"]}
    page.reload()  # type: ignore[attr-defined]
    assert page.input_value("#lr-query") == "zebra"  # type: ignore[attr-defined]
    assert page.input_value("#lr-sort") == "newest"  # type: ignore[attr-defined]
    assert listed(page) == words
    assert page.is_checked("input[name=lr-match][value=any]")  # type: ignore[attr-defined]


def test_counts_follow_the_other_filters_and_clear_resets(tab: object, facet_server: str) -> None:
    page = tab
    page.goto(facet_server + "?venue=ICML")  # type: ignore[attr-defined]
    listed(page)
    count = page.locator('.lr-facet-count[data-facet="f.kind"][data-value="alpha"]')  # type: ignore[attr-defined]
    want = len(expected(lambda p: p.meta.venue == "ICML" and p.value_of("kind") == "alpha"))
    page.wait_for_function(
        "want => document.querySelector('.lr-facet-count[data-facet=\"f.kind\"][data-value=\"alpha\"]')"
        ".textContent === '(' + want + ')'",
        arg=want,
    )  # type: ignore[attr-defined]
    assert count.inner_text() == f"({want})"
    page.click("#lr-active .lr-clear")  # type: ignore[attr-defined]
    page.wait_for_selector("#lr-status:has-text('Type to search 60 papers')")  # type: ignore[attr-defined]
    assert "venue" not in page.url  # type: ignore[attr-defined]
    assert not page.is_checked("input[name=venue][value=ICML]")  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["matrix/", "topics/rlhf/", "search/?tag=rlhf&f.models=GPT&sort=newest"])
def test_no_serious_accessibility_violations_on_the_new_pages(tab: object, server: str, url: str) -> None:
    assert AXE.is_file(), "run scripts/test.sh (npm install) to get axe-core"
    page = tab
    page.goto(server + url)  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    if url.startswith("search"):
        page.wait_for_function("() => /paper/.test(document.querySelector('#lr-status').textContent)")  # type: ignore[attr-defined]
        assert page.evaluate("document.querySelector('#lr-filters').open")  # type: ignore[attr-defined]
    serious = serious_violations(page)
    assert serious == [], json.dumps(serious)


def test_the_facets_page_of_a_review_without_fields_has_only_its_own_filters(
    tab: object, tmp_path: Path
) -> None:
    plain = Review(
        tuple(Paper(p.id, p.title, p.abstract, p.tags, p.fingerprint, date=p.date) for p in PAPERS[:5]),
        Taxonomy(TAXONOMY.groups, TAXONOMY.tags),
    )
    standalone_site(plain, tmp_path / "site", "single")
    httpd, url = serve(tmp_path / "site")
    try:
        page = tab
        page.goto(url + "search/?tag=t-one")  # type: ignore[attr-defined]
        assert listed(page) == {p.id for p in plain.papers if "t-one" in p.tags}
        legends = page.eval_on_selector_all("#lr-filter-grid legend", "ls => ls.map(l => l.textContent)")  # type: ignore[attr-defined]
        assert legends == ["Topics", "Year"]
    finally:
        httpd.shutdown()
