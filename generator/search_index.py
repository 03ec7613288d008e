"""The paper search index: built with lunr.py now, loaded as-is by lunr.js in the browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lunr
import mkdocs

from generator.abstracts import plain_text
from generator.model import Review

INDEX_FILE = "search/papers-index.json"
LUNR_JS_FILE = "assets/lunr.js"
SNIPPET_CHARS = 320
FIELDS = [
    {"field_name": "title", "boost": 10},
    {"field_name": "tags", "boost": 5},
    {"field_name": "abstract", "boost": 1},
]


def lunr_js_path() -> Path:
    """lunr.js 2.3.9 as shipped by MkDocs (the version lunr.py writes indexes for)."""
    path = Path(mkdocs.__file__).parent / "contrib" / "search" / "templates" / "search" / "lunr.js"
    if not path.is_file():
        raise FileNotFoundError(f"lunr.js is missing from the MkDocs installation ({path})")
    return path


def _snippet(text: str) -> str:
    plain = plain_text(text)
    if len(plain) <= SNIPPET_CHARS:
        return plain
    return plain[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"


def build_search_index(review: Review) -> dict[str, Any]:
    tags = review.taxonomy.tags
    documents = [
        {
            "id": paper.id,
            "title": paper.title,
            "tags": " ".join(f"{tags[t].label} {t.replace('-', ' ')}" for t in paper.tags if t in tags),
            "abstract": plain_text(paper.abstract),
        }
        for paper in review.papers
    ]
    index = lunr.lunr(ref="id", fields=FIELDS, documents=documents)
    return {
        "version": 1,
        "index": index.serialize(),
        "docs": {
            paper.id: {
                "t": paper.title,
                "g": list(paper.tags),
                "s": _snippet(paper.abstract),
                "d": paper.date.to_text() if paper.date and paper.date.year else "",
            }
            for paper in review.papers
        },
        "tags": {tag.id: tag.label for tag in tags.values()},
    }


def search_files(review: Review) -> dict[str, bytes]:
    data = build_search_index(review)
    return {
        INDEX_FILE: json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
            "utf-8"
        ),
        LUNR_JS_FILE: lunr_js_path().read_bytes(),
    }
