"""Evidence tables: each topic's comparison table (in its page, and as topics/<tag>.csv), the CSV
of every paper with every field (papers.csv), and what a paper page shows of its values.

A comparison table is HTML in the page, so it reads without scripts; assets/tables.js sorts and
filters it. A topic with more rows than TABLE_ROWS puts the first TABLE_ROWS in the page (newest
first) and the script loads the rest from the topic's CSV when the reader sorts or filters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from generator.model import FieldSpec, Paper, Taxonomy
from generator.records.fields import (
    field_label,
    is_facet,
    paper_year,
    shown_text,
    sort_value,
    value_text,
    values,
)

# Rows a comparison table has in its page; more load from the topic's CSV on demand. A row of three
# fields is about 350 bytes of HTML (the bundled review's topics), so 200 rows add about 70 KB to a
# page, as much as the topic page's list of its 200 newest papers; rows past that would make large
# topics' pages grow without bound.
TABLE_ROWS = 200
PAPERS_CSV = "papers.csv"
CSV_FIXED = ("id", "title", "year", "date", "venue", "authors", "tags", "page")


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    numeric: bool
    description: str


@dataclass(frozen=True)
class Row:
    paper: Paper
    year: str
    cells: tuple[tuple[str, str], ...]  # (text shown, sort value) per column


@dataclass(frozen=True)
class ComparisonTable:
    """A topic's table: its columns, its first rows, how many rows it has in all, and its CSV."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: int
    csv: str


def table_fields(taxonomy: Taxonomy) -> list[FieldSpec]:
    by_id = {spec.id: spec for spec in taxonomy.fields}
    return [by_id[name] for name in taxonomy.table if name in by_id]


def comparison_table(taxonomy: Taxonomy, members: Sequence[Paper], csv_name: str) -> ComparisonTable | None:
    """The table of `members` (newest first) that give a value of a table column; None when the
    review declares no columns or no member has a value."""
    specs = table_fields(taxonomy)
    if not specs:
        return None
    rows = []
    total = 0
    for paper in members:
        if not any(paper.value_of(spec.id) is not None for spec in specs):
            continue
        total += 1
        if len(rows) < TABLE_ROWS:
            year = paper_year(paper)
            cells = tuple((shown_text(spec, paper), sort_value(spec, paper)) for spec in specs)
            rows.append(Row(paper, str(year) if year else "", cells))
    if not total:
        return None
    columns = tuple(
        Column(spec.id, field_label(spec), spec.type in ("number", "integer", "year"), spec.description)
        for spec in specs
    )
    return ComparisonTable(columns, tuple(rows), total, csv_name)


def _csv_row(paper: Paper, specs: Sequence[FieldSpec]) -> list[str]:
    year = paper_year(paper)
    fixed = [
        paper.id,
        paper.title,
        str(year) if year else "",
        paper.date.to_text() if paper.date else "",
        paper.meta.venue or "",
        "; ".join(paper.meta.authors),
        "; ".join(paper.tags),
        f"papers/{paper.id}/",
    ]
    return fixed + ["; ".join(value_text(spec, v) for v in values(spec, paper)) for spec in specs]


def papers_csv(papers: Sequence[Paper], fields: Sequence[FieldSpec]) -> bytes:
    """A CSV of `papers` with every declared field: one row per paper, a column per field (the
    field's id; several values joined with "; "), after the paper's id, title, year, date, venue,
    authors, tags and page (relative to the site's root)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_FIXED, *(spec.id for spec in fields)])
    writer.writerows(_csv_row(paper, fields) for paper in papers)
    return out.getvalue().encode("utf-8")


def search_link(pairs: Sequence[tuple[str, str]]) -> str:
    """The search page's query string for these facet parameters (?tag=...&f.models=...)."""
    return "?" + urlencode(list(pairs)) if pairs else ""


def paper_values(
    taxonomy: Taxonomy, paper: Paper
) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """What a paper page shows of its values, for each field shown on pages that it gives: (label,
    description, its values as (text, the search page's query string listing the papers that
    share the value, "" for numbers and text)); a number's last value carries its unit."""
    shown = []
    for spec in taxonomy.fields:
        found = values(spec, paper) if spec.shown else ()
        if not found:
            continue
        linked = is_facet(spec) and spec.type in ("choice", "choices", "boolean")
        items = [
            (value_text(spec, v), search_link([(f"f.{spec.id}", value_text(spec, v))]) if linked else "")
            for v in found
        ]
        if spec.unit:
            items[-1] = (f"{items[-1][0]} {spec.unit}", items[-1][1])
        shown.append((spec.label, spec.description, tuple(items)))
    return tuple(shown)
