"""What both search index layouts (generator.search.single, generator.search.sharded) share: the
fields lunr indexes, the manifest that tells the search page which layout it has, the text of a
result, and the lunr.js that reads them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mkdocs

from generator.encoding import compact_json
from generator.model import Paper, Tag

MANIFEST_FILE = "search/manifest.json"
# The layout of search/ that templates/assets/search.js reads. A review's templates are its own
# copies, so the page compares this with its own number and says what to do when they differ.
MANIFEST_VERSION = 5  # 5: facets (search/facets.json, search/authors/, the manifest's "facets")
LUNR_JS_FILE = "assets/lunr.js"
# The lunr.js that lunr.py writes indexes for, and whose query code the sharded source mirrors.
LUNR_VERSION = "2.3.9"
FIELDS = [
    {"field_name": "title", "boost": 10},
    {"field_name": "tags", "boost": 5},
    {"field_name": "abstract", "boost": 1},
]
SNIPPET_CHARS = 320


def lunr_js_path() -> Path:
    """lunr.js (LUNR_VERSION) as shipped by MkDocs."""
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


def tags_text(paper: Paper, tags: Mapping[str, Tag]) -> str:
    """The text of a paper's tags field: each tag's label and id."""
    return " ".join(f"{tags[t].label} {t.replace('-', ' ')}" for t in paper.tags if t in tags)
