"""catalog.json: the whole review in one machine-readable file, for other tools and benchmarks."""

from __future__ import annotations

from typing import Any

from generator import __version__
from generator.model import Review
from generator.render import json_lines, tag_counts

CATALOG_FILE = "catalog.json"
CATALOG_VERSION = 1


def build_catalog(review: Review) -> dict[str, Any]:
    counts = tag_counts(review)
    return {
        "version": CATALOG_VERSION,
        "generator": f"litreview {__version__}",
        "papers": [
            {
                "id": paper.id,
                "url": f"papers/{paper.id}/",
                "title": paper.title,
                "title_derived": paper.title_derived,
                "tags": list(paper.tags),
                "date": paper.date.to_text() if paper.date else None,
                "authors_count": paper.authors_count,
                # The page is "url"; the paper's own address (publisher, arXiv) is "source_url".
                **{("source_url" if k == "url" else k): v for k, v in paper.meta.fields().items()},
                "sources": [{"file": s.file, "line": s.line} for s in paper.sources],
                "related": [
                    {
                        "id": r.id,
                        "score": r.score,
                        "shared_tags": list(r.shared_tags),
                        "terms": list(r.terms),
                        "pinned": r.pinned,
                    }
                    for r in review.related.get(paper.id, ())
                ],
            }
            for paper in review.papers
        ],
        "tags": [
            {
                "id": tag.id,
                "url": f"topics/{tag.id}/",
                "label": tag.label,
                "description": tag.description,
                "group": tag.group,
                "count": counts.get(tag.id, 0),
                "key_terms": list(review.key_terms.get(tag.id, ())),
            }
            for tag in review.taxonomy.tags.values()
        ],
        "groups": [
            {"id": g.id, "label": g.label, "description": g.description}
            for g in review.taxonomy.groups.values()
        ],
    }


def catalog_file(review: Review) -> dict[str, bytes]:
    return {CATALOG_FILE: json_lines(build_catalog(review)).encode("utf-8")}
