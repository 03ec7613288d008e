"""What the pages make of the fields: values on paper pages, each topic's comparison table and
CSV, papers.csv, the evidence-gap matrices and the catalog, in the bundled review's built site."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from generator.model import MatrixAxis, MatrixSpec
from generator.render.matrix import build_matrix
from generator.render.tables import TABLE_ROWS, comparison_table
from tests.fields.test_bundled_values import bundled

OLMO = "2-olmo-2-furious"


def soup(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


def test_a_paper_page_shows_its_values_linked_to_the_search(site: Path) -> None:
    page = soup(site, f"papers/{OLMO}/index.html")
    values = page.select_one("dl.lr-extracted")
    assert values is not None
    terms = [dt.get_text() for dt in values.select("dt")]
    assert terms == ["Model families named", "Training methods named"]
    links = {a.get_text(): a["href"] for a in values.select("dd a")}
    assert links["Llama"] == "../../search/?f.models=Llama"
    assert parse_qs(urlsplit(links["instruction tuning"]).query) == {"f.methods": ["instruction tuning"]}
    assert values.select("dt")[0]["title"].startswith("Language-model families the abstract names")


def test_a_paper_without_values_has_no_section(site: Path) -> None:
    review = bundled()
    bare = next(p for p in review.papers if not p.fields)
    assert soup(site, f"papers/{bare.id}/index.html").select_one("dl.lr-extracted") is None


def test_a_topic_page_has_its_comparison_table_and_csv(site: Path) -> None:
    review = bundled()
    members = [p for p in review.papers if "rlhf" in p.tags]
    with_values = [p for p in members if p.fields]
    page = soup(site, "topics/rlhf/index.html")
    table = page.select_one("table.lr-compare")
    assert table is not None
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    assert heads == [
        "Paper",
        "Year",
        "Model families named",
        "Training methods named",
        "Code, data or models released",
    ]
    assert all(th.get("scope") == "col" and th.get("aria-sort") == "none" for th in table.select("thead th"))
    rows = table.select("tbody tr")
    assert len(rows) == len(with_values)
    assert all(row.select_one("th[scope=row] a")["href"].startswith("../../papers/") for row in rows)
    assert page.select_one(".lr-table")["data-csv"] == "../rlhf.csv"
    assert page.select_one('script[src="../../assets/tables.js"]') is not None
    assert (site / "assets" / "tables.js").is_file()
    data = list(csv.DictReader(io.StringIO((site / "topics" / "rlhf.csv").read_text(encoding="utf-8"))))
    assert len(data) == len(members)
    tulu = next(r for r in data if r["id"].startswith("tulu-3"))
    assert tulu["methods"] == "DPO; SFT"
    assert tulu["page"] == f"papers/{tulu['id']}/"


def test_papers_csv_has_every_paper_and_field(site: Path) -> None:
    review = bundled()
    data = list(csv.DictReader(io.StringIO((site / "papers.csv").read_text(encoding="utf-8"))))
    assert [r["id"] for r in data] == [p.id for p in review.papers]
    assert list(data[0]) == [
        "id",
        "title",
        "year",
        "date",
        "venue",
        "authors",
        "tags",
        "page",
        "models",
        "methods",
        "code_released",
    ]
    olmo = next(r for r in data if r["id"] == OLMO)
    assert olmo["models"] == "Llama; Qwen; Gemma; OLMo"


def test_the_catalog_carries_the_fields(site: Path) -> None:
    lines = (site / "catalog.json").read_text(encoding="utf-8")
    catalog = json.loads(lines)
    olmo = next(p for p in catalog["papers"] if p["id"] == OLMO)
    assert olmo["fields"] == {"models": ["Llama", "Qwen", "Gemma", "OLMo"], "methods": ["instruction tuning"]}
    assert [f["id"] for f in catalog["fields"]] == ["models", "methods", "code_released"]


def test_the_matrix_counts_each_cell_and_links_its_papers(site: Path) -> None:
    review = bundled()
    page = soup(site, "matrix/index.html")
    table = page.select("table.lr-matrix")[0]
    columns = [th.get_text(strip=True) for th in table.select("thead th[scope=col]")]
    assert columns[0] == "GPT (27)"
    row = next(tr for tr in table.select("tbody tr") if tr.select_one("th").get_text().startswith("DPO"))
    cell = row.select("td")[0]
    expected = sum(
        1
        for p in review.papers
        if "DPO" in (p.value_of("methods") or ()) and "GPT" in (p.value_of("models") or ())
    )
    assert cell.select_one("a").contents[0].strip() == str(expected)
    assert parse_qs(urlsplit(cell.select_one("a")["href"]).query) == {
        "f.methods": ["DPO"],
        "f.models": ["GPT"],
    }
    gaps = [td for td in table.select("td[class=lr-s0]")]
    assert gaps and all(td.select_one("a") is None and td.get_text().startswith("0") for td in gaps)
    topics = page.select("table.lr-matrix")[1]
    first = topics.select_one("tbody th[scope=row] a")
    assert first["href"] == "../topics/rlhf/"
    link = topics.select_one("tbody td a")["href"]
    assert parse_qs(urlsplit(link).query)["tag"] == ["rlhf"]


def test_a_large_topic_puts_its_first_rows_in_the_page() -> None:
    review = bundled()
    many = [p for p in review.papers if p.fields] * 3  # more rows than TABLE_ROWS
    assert len(many) > TABLE_ROWS
    table = comparison_table(review.taxonomy, many, "../x.csv")
    assert table is not None and len(table.rows) == TABLE_ROWS and table.total == len(many)


def test_a_matrix_of_two_groups_counts_papers_with_both_tags() -> None:
    review = bundled()
    spec = MatrixSpec("m", "M", MatrixAxis("group", "alignment"), MatrixAxis("group", "efficiency"))
    matrix = build_matrix(review.taxonomy, spec, review.papers)
    header, cells = matrix.rows[0]
    tag = next(t for t in review.taxonomy.tags.values() if t.group == "alignment")
    other = next(t for t in review.taxonomy.tags.values() if t.group == "efficiency")
    both = sum(1 for p in review.papers if tag.id in p.tags and other.id in p.tags)
    assert header.label == tag.label and cells[0].count == both
