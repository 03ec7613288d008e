"""What a reader sees, in headless Chromium (issue #18): the pager's columns, the topics-together
table on a phone and in dark mode, the home search box, and the site of a review with no papers."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from tests.conftest import REPO, serve
from tests.test_browser import serious_violations

ARTIFACTS = REPO / "test-artifacts"
PAPER_WITH_BOTH = "papers/2-olmo-2-furious/"  # has a previous and a next paper in its topic
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCHEME = "document.body.getAttribute('data-md-color-scheme')"

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")


@pytest.fixture(params=[(1280, 900), (375, 740)], ids=["desktop", "phone"])
def tab(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    """A page at a desktop's and a phone's size; any script error or console error fails."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert errors == []


def box(page: object, selector: str) -> dict[str, float]:
    return page.locator(selector).bounding_box()  # type: ignore[attr-defined]


def to_dark(page: object) -> None:
    """Material's palette toggle, as a reader clicks it, until the page is in the slate scheme."""
    if page.evaluate(SCHEME) != "slate":  # type: ignore[attr-defined]
        page.click("label.md-header__button[for^='__palette']:visible")  # type: ignore[attr-defined]
        page.wait_for_function(f"{SCHEME} === 'slate'")  # type: ignore[attr-defined]


def test_the_pager_is_two_columns_on_a_desktop_and_stacked_on_a_phone(tab: object, server: str) -> None:
    page = tab
    page.goto(server + PAPER_WITH_BOTH)  # type: ignore[attr-defined]
    previous, following = box(page, "nav.lr-pager a.lr-prev"), box(page, "nav.lr-pager a.lr-next")
    width = page.viewport_size["width"]  # type: ignore[attr-defined]
    if width >= 1000:
        assert abs(previous["y"] - following["y"]) < 1  # side by side
        assert previous["x"] + previous["width"] <= following["x"]
    else:
        assert following["y"] >= previous["y"] + previous["height"]  # one under the other
        assert abs(previous["x"] - following["x"]) < 1
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")  # type: ignore[attr-defined]
    assert overflow <= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("nav.lr-pager").screenshot(path=str(ARTIFACTS / f"pager-{width}.png"))  # type: ignore[attr-defined]


# Every label and number of the topics-together table: its computed font size, and whether its
# text fits its box (nothing cut off).
LABELS = """() => Array.from(document.querySelectorAll(
    '#lr-together th[scope=row], #lr-together th[scope=col] span, #lr-together td[title]'
  )).map(e => ({
    text: e.textContent,
    size: parseFloat(getComputedStyle(e).fontSize),
    cut: e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1,
  }))"""


def test_the_topics_together_table_is_readable_on_a_phone(tab: object, server: str) -> None:
    page = tab
    page.goto(server + "topics/")  # type: ignore[attr-defined]
    labels = page.evaluate(LABELS)  # type: ignore[attr-defined]
    assert len(labels) > 14 * 2
    small = [label for label in labels if label["size"] < 11]
    assert small == [], small[:3]
    assert [label["text"] for label in labels if label["cut"]] == []
    # The page itself does not scroll sideways; the table does, in its own focusable region.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")  # type: ignore[attr-defined]
    assert overflow <= 1
    region = page.locator("#lr-together .lr-table-scroll")  # type: ignore[attr-defined]
    assert region.get_attribute("tabindex") == "0"
    # A number is there to read without hovering: the cells show it, and their title says it all.
    cell = page.locator("#lr-together td[title]").first  # type: ignore[attr-defined]
    assert cell.inner_text().strip().isdigit() and " and " in cell.get_attribute("title")
    width = page.viewport_size["width"]  # type: ignore[attr-defined]
    figure = page.locator("#lr-together")  # type: ignore[attr-defined]
    figure.scroll_into_view_if_needed()
    figure.screenshot(path=str(ARTIFACTS / f"topics-together-{width}.png"))


# The effective colour of a step of the legend over the page, and its contrast with the page
# (WCAG's relative luminance); color-mix() with transparent computes to a colour with alpha.
CONTRASTS = """() => {
  const parse = (c) => {
    const n = c.match(/[\\d.]+/g).map(Number);
    const srgb = c.startsWith('color(');
    const [r, g, b] = srgb ? n.slice(0, 3).map(v => v * 255) : n.slice(0, 3);
    const a = n.length > 3 ? n[3] : 1;
    return [r, g, b, a];
  };
  const page = parse(getComputedStyle(document.body).backgroundColor);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (x, y) => {
    const [a, b] = [lum(x), lum(y)].sort((p, q) => q - p);
    return (a + 0.05) / (b + 0.05);
  };
  const over = (c, under) => {
    const [r, g, b, a] = parse(c);
    return [r * a + under[0] * (1 - a), g * a + under[1] * (1 - a), b * a + under[2] * (1 - a)];
  };
  const steps = Array.from(document.querySelectorAll('#lr-together .lr-ramp > span:not(.lr-ramp-end)'))
    .map(e => contrast(over(getComputedStyle(e).backgroundColor, page), page));
  const cells = Array.from(document.querySelectorAll('#lr-together td[title]')).map(e => {
    const style = getComputedStyle(e);
    const cell = over(style.backgroundColor, page);
    return [e.className, contrast(over(style.color, cell), cell)];
  });
  return {steps, cells};
}"""


def test_the_legend_says_the_direction_the_colours_go_in_both_palettes(tab: object, server: str) -> None:
    page = tab
    page.goto(server + "topics/")  # type: ignore[attr-defined]
    for scheme in ("default", "slate"):
        if scheme == "slate":
            to_dark(page)
        assert page.evaluate(SCHEME) == scheme  # type: ignore[attr-defined]
        legend = page.locator("#lr-together .lr-legend").inner_text()  # type: ignore[attr-defined]
        assert "Stronger colour: more" in legend and "fewer" in legend and "more" in legend
        assert "darker" not in legend.lower() and "lighter" not in legend.lower()
        found = page.evaluate(CONTRASTS)  # type: ignore[attr-defined]
        steps = found["steps"]
        assert len(steps) == 9
        # "Stronger" holds: each step stands out more from the page than the one before it.
        assert all(a < b for a, b in itertools.pairwise(steps)), (scheme, steps)
        assert steps[0] > 1.0 and steps[-1] > 3.0, (scheme, steps)
        # And every cell's number stays readable on its colour (WCAG AA for small text).
        unreadable = sorted({(kind, round(ratio, 2)) for kind, ratio in found["cells"] if ratio < 4.5})
        assert unreadable == [], (scheme, unreadable)
        width = page.viewport_size["width"]  # type: ignore[attr-defined]
        page.locator("#lr-together").screenshot(path=str(ARTIFACTS / f"topics-together-{scheme}-{width}.png"))  # type: ignore[attr-defined]


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_topics_page_has_no_serious_accessibility_violations(
    tab: object, server: str, dark: bool
) -> None:
    assert AXE.is_file(), "run scripts/test.sh (npm install) to get axe-core"
    page = tab
    page.goto(server + "topics/")  # type: ignore[attr-defined]
    if dark:
        to_dark(page)
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    serious = serious_violations(page)
    assert serious == [], json.dumps(serious)


# The width the placeholder's text takes in the input's font, and the room the input gives it.
PLACEHOLDER_FITS = """() => {
  const input = document.querySelector('#lr-home-query');
  const style = getComputedStyle(input);
  const context = document.createElement('canvas').getContext('2d');
  context.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: input.placeholder, width: context.measureText(input.placeholder).width, room};
}"""


def test_the_home_search_placeholder_is_not_cut_off(tab: object, server: str) -> None:
    page = tab
    page.goto(server)  # type: ignore[attr-defined]
    fit = page.evaluate(PLACEHOLDER_FITS)  # type: ignore[attr-defined]
    assert fit["text"] == "Search 212 papers"
    assert fit["width"] <= fit["room"], fit


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A review straight from `litreview init`, built before any paper came in."""
    root = tmp_path_factory.mktemp("empty") / "review"
    runner = CliRunner()
    for args in (["init", str(root)], ["build", "-C", str(root)]):
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return root / "site"


def test_an_empty_review_renders_its_pages_without_errors(tab: object, empty_site: Path) -> None:
    httpd, url = serve(empty_site)
    try:
        page = tab
        page.goto(url)  # type: ignore[attr-defined]
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        text = page.locator("article").inner_text()  # type: ignore[attr-defined]
        assert "no papers yet" in text and "content/sources/" in text
        assert page.locator(".lr-map").count() == 0  # type: ignore[attr-defined]
        assert page.locator("a[href$='papers/']").count() == 0  # type: ignore[attr-defined]
        page.goto(url + "topics/transformers/")  # type: ignore[attr-defined]
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        assert "No papers yet" in page.locator("article").inner_text()  # type: ignore[attr-defined]
        assert page.locator(".lr-map, a[href$='.bib'], a[href$='.xml']").count() == 0  # type: ignore[attr-defined]
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")  # type: ignore[attr-defined]
        assert overflow <= 1
    finally:
        httpd.shutdown()
