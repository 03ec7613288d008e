"""Every field a review can write carries a payload, and no output file of the site makes markup,
script or a live URL of it; feeds stay well-formed XML whatever characters the fields hold; ids
that would collide with the site's own pages are refused by `check`."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator.cli import cli
from generator.project import Project
from tests.render.test_hostile import (
    ALLOWED_SCRIPT_SOURCES,
    assert_no_live_attributes,
)

# Breaks out of attributes, code spans, Markdown links, Jinja and Markdown attribute lists.
PAYLOAD = (
    "\"'><img src=x onerror=alert(1)><script>alert(2)</script>`</code>"
    "[x](javascript:alert(3)){{ 7*7 }}{: onclick=alert(4) }"
)
SITE_NAME = 'Site </title><script>alert(5)</script>"\' onmouseover=alert(6) x="'
# Characters XML 1.0 refuses (C0 controls, U+FFFE, U+FFFF) in a hand-edited record (YAML escapes;
# the YAML reader refuses a lone surrogate with a message already).
CONTROL = "\x01\x0b\x1f\ufffe\uffff"
SOURCE_NAME = "a`b<img src=x onerror=alert(7)>\"'.txt"
SOURCE_TEXT = (
    "<b>Payload</b> study of {{ 7*7 }}\n\n"
    + " ".join(
        f"The payload study {n} of token adapter policy layer attention loss rank transfer." for n in range(4)
    )
    + "\n"
)


def _quoted(text: str) -> str:
    return json.dumps(text)


def _hand_edit(root: Path) -> None:
    """Every field of every record set to the payload, as a curator could write it."""
    for record in (root / "content" / "papers").glob("*.yaml"):
        data = yaml.safe_load(record.read_text(encoding="utf-8"))
        data.update(
            title=f"{PAYLOAD} {CONTROL}",
            tags=["transformers"],
            notes=PAYLOAD,
            authors=[PAYLOAD, f"Ctl{CONTROL}"],
            venue=PAYLOAD,
            doi=PAYLOAD,
            url="javascript:alert(8)",
            pdf_url="data:text/html,<script>alert(9)</script>",
            keywords=[PAYLOAD],
            year=2024,
            sources=[{"file": "sources/" + PAYLOAD, "line": 1}],
        )
        # PyYAML writes the control characters as escapes in a double-quoted scalar.
        record.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _hostile_taxonomy(root: Path) -> None:
    tags = root / "content" / "tags.yaml"
    text = tags.read_text()
    for old in ("Transformers", "Methods", "Applications"):
        text = text.replace(f"label: {old}", f"label: {_quoted(PAYLOAD + ' ' + old)}")
    text = re.sub(
        r"(?m)^(\s+)description: .*$", lambda m: f"{m.group(1)}description: {_quoted(PAYLOAD)}", text
    )
    tags.write_text(text)


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("payload") / "review"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    mkdocs = root / "mkdocs.yml"
    text = re.sub(r"(?m)^site_name: .*$", f"site_name: {_quoted(SITE_NAME)}", mkdocs.read_text())
    mkdocs.write_text(re.sub(r"(?m)^site_description: .*$", f"site_description: {_quoted(PAYLOAD)}", text))
    _hostile_taxonomy(root)
    (root / "content" / "sources" / SOURCE_NAME).write_text(SOURCE_TEXT)
    result = runner.invoke(cli, ["build", "-C", str(root), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    _hand_edit(root)
    result = runner.invoke(cli, ["build", "-C", str(root), "-q", "--no-import"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return Project.at(root)


def _site_files(project: Project, *suffixes: str) -> list[Path]:
    return sorted(p for p in project.site_dir.rglob("*") if p.is_file() and p.suffix in suffixes)


def test_the_review_carries_the_payload(payload_site: Project) -> None:
    catalog = json.loads((payload_site.site_dir / "catalog.json").read_text())
    (paper,) = catalog["papers"]
    assert PAYLOAD in paper["title"] and "\x01" not in json.dumps(catalog["papers"][0]["id"])
    assert paper["sources"] == [{"file": "sources/" + PAYLOAD, "line": 1}]


def test_no_html_file_has_markup_from_a_field(payload_site: Project) -> None:
    pages = _site_files(payload_site, ".html")
    assert len(pages) > 4
    for path in pages:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        where = path.relative_to(payload_site.site_dir)
        assert_no_live_attributes(soup, where)
        assert not soup.find_all(["iframe", "object", "embed", "img"]), where
        for script in soup.find_all("script"):
            if script.get("src"):
                assert ALLOWED_SCRIPT_SOURCES.search(script["src"]), f"{where}: {script['src']}"
            else:
                assert "alert" not in script.get_text(), f"{where}: inline script from a field"
        assert "49" not in soup.get_text().replace("2049", ""), f"{where}: Jinja ran"


def test_the_site_title_is_shown_as_written(payload_site: Project) -> None:
    soup = BeautifulSoup((payload_site.site_dir / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.title.get_text().startswith(SITE_NAME) or soup.title.get_text().endswith(SITE_NAME)
    header = soup.select_one(".md-header__topic .md-ellipsis").get_text().strip()
    assert header == SITE_NAME
    logos = soup.select("a.md-logo")
    assert logos and all(a["aria-label"] == SITE_NAME and a["title"] == SITE_NAME for a in logos)


def test_the_paper_page_shows_fields_as_text(payload_site: Project) -> None:
    (page,) = (payload_site.site_dir / "papers").glob("*/index.html")
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    assert PAYLOAD in soup.select_one(".lr-notes").get_text()
    # The title keeps its front matter (control characters dropped, not the whole metadata).
    assert soup.h1.get_text().strip("¶ ") == PAYLOAD
    assert soup.title.get_text() == f"{PAYLOAD} - {SITE_NAME}"
    facts = soup.select_one(".lr-facts").get_text()
    assert PAYLOAD in facts
    # No link from the javascript: or data: URLs; the DOI link stays on doi.org.
    hrefs = [a["href"] for a in soup.select(".lr-facts a")]
    assert all(h.startswith(("https://doi.org/", "./", "http")) for h in hrefs), hrefs
    # The source's file name is nowhere on the page (sources are for the curator, in catalog.json).
    assert "a`b" not in page.read_text(encoding="utf-8")


def test_every_xml_file_parses_and_holds_no_markup(payload_site: Project) -> None:
    files = _site_files(payload_site, ".xml")
    assert any(p.name == "feed.xml" for p in files) and len(files) >= 3
    for path in files:
        root = ET.fromstring(path.read_bytes())  # raises on a character XML refuses
        names = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
        assert not names & {"script", "img", "a", "b"}, path
    feed = ET.fromstring((payload_site.site_dir / "feed.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry_title = feed.find("a:entry/a:title", ns).text
    assert PAYLOAD in entry_title and not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", entry_title)
    authors = [n.text for n in feed.findall("a:entry/a:author/a:name", ns)]
    assert authors == [PAYLOAD, "Ctl"]
    assert feed.find("a:title", ns).text == SITE_NAME


def test_every_json_file_is_data(payload_site: Project) -> None:
    files = _site_files(payload_site, ".json")
    assert files
    for path in files:
        json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("paper", "paper id 'index' is reserved"),
        ("tag", "tag id 'index' is reserved"),
        ("con", "tag id 'con' is reserved"),
    ],
)
def test_reserved_ids_are_refused_by_check(tmp_path: Path, edit: str, message: str) -> None:
    root = tmp_path / "review"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    (root / "content" / "sources" / "one.txt").write_text(SOURCE_TEXT)
    assert runner.invoke(cli, ["build", "-C", str(root), "-q"]).exit_code == 0
    if edit == "paper":
        (record,) = (root / "content" / "papers").glob("*.yaml")
        text = re.sub(r"(?m)^id: .*$", "id: index", record.read_text())
        record.unlink()
        (root / "content" / "papers" / "index.yaml").write_text(text)
        message = "'index'"
    else:
        tags = root / "content" / "tags.yaml"
        tags.write_text(
            tags.read_text().replace("\n  transformers:\n", f"\n  {'index' if edit == 'tag' else 'con'}:\n")
        )
    result = runner.invoke(cli, ["check", "-C", str(root)])
    assert result.exit_code != 0, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    result = runner.invoke(cli, ["build", "-C", str(root), "-q"])
    assert result.exit_code != 0
    assert not (root / "site" / "papers" / "index.html").exists()
