"""The paper search index, in one of two layouts that the same search page reads.

- single: one lunr index built with lunr.py (search/papers-index.json), loaded whole by lunr.js.
  Simple and fast for small reviews; its size grows with every abstract (8 MB at 1,000 papers).
- sharded: the same index split into files the page fetches on demand (generator.search.sharded),
  so the first search of a review of 20,000 papers downloads a few hundred KB.

`extra: {litreview: {search: auto | single | sharded}}` in mkdocs.yml chooses; auto takes the single
index up to SINGLE_INDEX_MAX_PAPERS papers. Both layouts write search/manifest.json, which tells the
page which one it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lunr
import mkdocs

from generator.config import SEARCH_MODES
from generator.encoding import compact_json
from generator.model import Paper, Review, Tag
from generator.records.abstracts import plain_text

INDEX_FILE = "search/papers-index.json"
MANIFEST_FILE = "search/manifest.json"
LUNR_JS_FILE = "assets/lunr.js"
SNIPPET_CHARS = 320
FIELDS = [
    {"field_name": "title", "boost": 10},
    {"field_name": "tags", "boost": 5},
    {"field_name": "abstract", "boost": 1},
]
SINGLE_INDEX_MAX_PAPERS = 1000
MANIFEST_VERSION = 3


def resolved_mode(mode: str, paper_count: int) -> str:
    """single or sharded: what `mode` means for a review of `paper_count` papers."""
    if mode not in SEARCH_MODES:
        raise ValueError(f"unknown search mode {mode!r}")
    if mode == "auto":
        return "single" if paper_count <= SINGLE_INDEX_MAX_PAPERS else "sharded"
    return mode


def lunr_js_path() -> Path:
    """lunr.js 2.3.9 as shipped by MkDocs (the version lunr.py writes indexes for)."""
    path = Path(mkdocs.__file__).parent / "contrib" / "search" / "templates" / "search" / "lunr.js"
    if not path.is_file():
        raise FileNotFoundError(f"lunr.js is missing from the MkDocs installation ({path})")
    return path


def dumps(data: Any) -> bytes:
    """Deterministic, compact JSON: two builds of the same content give the same bytes."""
    return compact_json(data).encode("utf-8")


def snippet(plain: str) -> str:
    """The start of an abstract (already plain text) for a result list."""
    if len(plain) <= SNIPPET_CHARS:
        return plain
    return plain[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"


def date_text(paper: Paper) -> str:
    """The date a result shows and sorts by; papers without a year have none."""
    return paper.date.to_text() if paper.date and paper.date.year else ""


def tags_text(paper: Paper, tags: Mapping[str, Tag]) -> str:
    """The text of a paper's tags field: each tag's label and id."""
    return " ".join(f"{tags[t].label} {t.replace('-', ' ')}" for t in paper.tags if t in tags)


def index_fields(review: Review) -> list[dict[str, str]]:
    """The text lunr indexes for each paper, by field name (the same for both layouts: the
    sharded one makes the same texts field by field)."""
    tags = review.taxonomy.tags
    return [
        {"title": paper.title, "tags": tags_text(paper, tags), "abstract": plain_text(paper.abstract)}
        for paper in review.papers
    ]


def build_search_index(review: Review) -> dict[str, Any]:
    documents = [
        {"id": paper.id, **fields} for paper, fields in zip(review.papers, index_fields(review), strict=True)
    ]
    index = lunr.lunr(ref="id", fields=FIELDS, documents=documents)
    return {
        "version": 1,
        "index": index.serialize(),
        "docs": {
            paper.id: {
                "t": paper.title,
                "g": list(paper.tags),
                "s": snippet(doc["abstract"]),
                "d": date_text(paper),
            }
            for paper, doc in zip(review.papers, documents, strict=True)
        },
        "tags": {tag.id: tag.label for tag in review.taxonomy.tags.values()},
    }
