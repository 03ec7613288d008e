"""The search page's facets, in both index layouts: what it filters and sorts by besides words.

  search/manifest.json "facets"  what the filters show (loaded with the page): the year range, the
                                 commonest venues, whether authors can be searched, and each
                                 declared field's values with their counts, or its range
  search/facets.json             one column per facet, a value per paper in the layout's paper
                                 order: the year, the place in the newest-first order (the topic
                                 pages' order), the venue, each field's values; fetched the first
                                 time a search filters by more than topics or sorts by date
  search/authors/<k>.json        the authors whose last name starts with k, with their papers'
                                 numbers; fetched when the author filter is used

Topics need nothing more: every paper's tags come with the page (the titles files), or with the
single index. Everything here is a few bytes per paper: at 20,000 papers of the arXiv corpus with
three fields, facets.json is 73 KB gzipped and the largest author shard 61 KB (README).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

from generator.model import FieldSpec, Paper, Taxonomy
from generator.ordering import newest_first
from generator.records.fields import facet_value, is_facet, is_range, number_text, paper_year, values
from generator.search.common import dumps

FACETS_FILE = "search/facets.json"
AUTHORS_DIR = "search/authors/"
VENUES_SHOWN = 20  # venues offered as checkboxes (the commonest); others are in facets.json


def author_key(name: str) -> str:
    """The shard of an author: the first letter of their last name, folded to a-z ("_" else)."""
    words = name.split()
    if not words:
        return "_"
    folded = unicodedata.normalize("NFKD", words[-1]).encode("ascii", "ignore").decode("ascii").lower()
    first = folded[:1]
    return first if "a" <= first <= "z" else "_"


def _field_column(spec: FieldSpec, papers: Sequence[Paper], names: list[str]) -> list[Any]:
    """A field's value per paper: a range field's number; a choice's index in `names` (several
    for a choices field: a list); None when the paper has none."""
    index = {name: n for n, name in enumerate(names)}
    column: list[Any] = []
    for paper in papers:
        found = values(spec, paper)
        if not found:
            column.append(None)
        elif is_range(spec):
            column.append(found[0])
        else:
            numbers = [index.setdefault(facet_value(spec, v), len(index)) for v in found]
            column.append(numbers[0] if len(numbers) == 1 else numbers)
    names[:] = list(index)  # values given but not declared (a review with errors never builds)
    return column


def _field_names(spec: FieldSpec) -> list[str]:
    if spec.type in ("choice", "choices"):
        return list(spec.choices)
    return ["yes", "no"] if spec.type == "boolean" else []


def _field_facet(spec: FieldSpec, column: list[Any], names: list[str]) -> dict[str, Any]:
    facet: dict[str, Any] = {"id": spec.id, "label": spec.label, "type": spec.type}
    if is_range(spec):
        found = [v for v in column if v is not None]
        facet["unit"] = spec.unit
        facet["min"] = number_text(min(found)) if found else None
        facet["max"] = number_text(max(found)) if found else None
    else:
        counts = Counter(n for v in column if v is not None for n in (v if isinstance(v, list) else [v]))
        facet["values"] = names
        facet["counts"] = [counts.get(n, 0) for n in range(len(names))]
    facet["given"] = sum(v is not None for v in column)
    return facet


def _venues(papers: Sequence[Paper]) -> tuple[list[str], list[int]]:
    """Every venue, commonest first (then by name), and each paper's venue's index (-1: none)."""
    counts = Counter(p.meta.venue for p in papers if p.meta.venue)
    names = [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    index = {name: n for n, name in enumerate(names)}
    return names, [index[p.meta.venue] if p.meta.venue else -1 for p in papers]


def _authors(papers: Sequence[Paper]) -> dict[str, bytes]:
    shards: dict[str, dict[str, list[int]]] = {}
    for number, paper in enumerate(papers):
        for name in dict.fromkeys(paper.meta.authors):
            shards.setdefault(author_key(name), {}).setdefault(name, []).append(number)
    return {
        f"{AUTHORS_DIR}{key}.json": dumps(
            {"names": sorted(names), "papers": [names[n] for n in sorted(names)]}
        )
        for key, names in sorted(shards.items())
    }


def facet_files(papers: Sequence[Paper], taxonomy: Taxonomy) -> tuple[dict[str, Any], dict[str, bytes]]:
    """What the manifest says of the facets, and the facets' files, for `papers` in the layout's
    paper order (a paper's number is its place in `papers`)."""
    rank = {paper.id: n for n, paper in enumerate(newest_first(papers))}
    years = [paper_year(p) for p in papers]
    venue_names, venue_column = _venues(papers)
    columns: dict[str, Any] = {}
    facets = []
    for spec in taxonomy.fields:
        if not is_facet(spec):
            continue
        names = _field_names(spec)
        column = _field_column(spec, papers, names)
        columns[spec.id] = column
        facets.append(_field_facet(spec, column, names))
    data = {
        "count": len(papers),
        "year": years,
        "rank": [rank[p.id] for p in papers],
        "venue": venue_column,
        "venues": venue_names,
        "fields": columns,
    }
    files = {FACETS_FILE: dumps(data), **_authors(papers)}
    known_years = [y for y in years if y is not None]
    venue_counts = Counter(v for v in venue_column if v >= 0)
    manifest = {
        "file": FACETS_FILE.removeprefix("search/"),
        "years": [min(known_years), max(known_years)] if known_years else None,
        "venues": [[venue_names[n], venue_counts[n]] for n in range(min(VENUES_SHOWN, len(venue_names)))],
        "authors": sorted(
            path.removeprefix(AUTHORS_DIR).removesuffix(".json")
            for path in files
            if path.startswith(AUTHORS_DIR)
        ),
        "fields": facets,
    }
    return manifest, files
