"""The flow diagram page in headless Chromium: axe-core, a phone's width, and the screenshot that
the README shows (test-artifacts/prisma-example.png; assets/readme/prisma-example.png is a copy)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from generator.project import Project
from tests.conftest import REPO, serve

try:
    from tests.conftest import serious_violations  # type: ignore[attr-defined]
except ImportError:
    from tests.test_browser import serious_violations

ARTIFACTS = REPO / "test-artifacts"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def example_server(built_example: Project) -> Iterator[str]:
    httpd, url = serve(built_example.site_dir)
    yield url
    httpd.shutdown()


@pytest.mark.parametrize("url", ["prisma/", "prisma/dbr-excluded/", "prisma/excluded/"])
def test_no_serious_accessibility_violations(browser: object, example_server: str, url: str) -> None:
    assert AXE.is_file(), "run scripts/test.sh (npm install) to get axe-core"
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto(example_server + url)
        page.wait_for_timeout(300)
        serious = serious_violations(page)
        context.close()
        assert serious == [], (scheme, json.dumps(serious))


def test_the_diagram_is_readable_on_a_phone_and_its_boxes_link(browser: object, example_server: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, device_scale_factor=2)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(example_server + "prisma/")
    assert page.locator("#lr-prisma").is_hidden() and page.locator("#lr-prisma-narrow").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    # The drawn text is as large as the page's small print: at least 12 CSS pixels.
    size = page.evaluate(
        "(() => { const t = document.querySelector('#lr-prisma-narrow text');"
        " return t.getBoundingClientRect().height; })()"
    )
    assert size >= 12
    page.locator("#lr-prisma-narrow a", has_text="Records screened").click()
    page.wait_for_url("**/prisma/records-screened/")
    assert page.locator("article li").count() == 39
    context.close()


def test_screenshot_of_the_flow_diagram(browser: object, example_server: str) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(example_server + "prisma/")
    diagram = page.locator("#lr-prisma")
    assert diagram.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    diagram.screenshot(path=str(ARTIFACTS / "prisma-example.png"))
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 600
    context.close()
