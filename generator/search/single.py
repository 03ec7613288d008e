"""The search index in one file (the single layout): a lunr index built with lunr.py, loaded whole
by lunr.js (templates/assets/search/single.js), with what the result list shows of each paper and
each topic's papers in the order of its topic page."""

from __future__ import annotations

from typing import Any

import lunr
from lunr.index import Index
from lunr.token_set import TokenSet

from generator.model import Review
from generator.ordering import topic_order
from generator.records.abstracts import plain_text
from generator.search.common import (
    FIELDS,
    MANIFEST_FILE,
    MANIFEST_VERSION,
    dumps,
    snippet,
    tags_text,
)
from generator.search.facets import facet_files

INDEX_FILE = "search/papers-index.json"


def index_fields(review: Review) -> list[dict[str, str]]:
    """The text lunr indexes for each paper, by field name (the sharded layout makes the same
    texts field by field)."""
    tags = review.taxonomy.tags
    return [
        {"title": paper.title, "tags": tags_text(paper, tags), "abstract": plain_text(paper.abstract)}
        for paper in review.papers
    ]


def build_search_index(review: Review) -> dict[str, Any]:
    """The index file: lunr's index, each paper's title, tags and snippet, the tag labels, and
    each topic's paper ids in the order of its topic page (generator.ordering.topic_order), which
    the page lists when a topic is chosen without words."""
    documents = [
        {"id": paper.id, **fields} for paper, fields in zip(review.papers, index_fields(review), strict=True)
    ]
    index = _lunr_index(documents)
    tags = review.taxonomy.tags
    topics = topic_order(review.papers, tags)
    return {
        "version": 1,
        "index": index.serialize(),
        "docs": {
            paper.id: {"t": paper.title, "g": list(paper.tags), "s": snippet(doc["abstract"])}
            for paper, doc in zip(review.papers, documents, strict=True)
        },
        "tags": {tag.id: tag.label for tag in tags.values()},
        "topics": {tag: [paper.id for paper in papers] for tag, papers in topics.items()},
        "order": [paper.id for paper in review.papers],  # paper numbers, as search/facets.json has them
    }


def _lunr_index(documents: list[dict[str, str]]) -> Index:
    """lunr's index of the documents. lunr.py cannot index no documents at all (it divides by
    their number), so an empty review gets an empty index with the same fields and pipeline,
    which lunr.js loads and searches like any other."""
    if documents:
        return lunr.lunr(ref="id", fields=FIELDS, documents=documents)
    builder = lunr.get_default_builder()
    return Index(
        inverted_index={},
        field_vectors={},
        token_set=TokenSet.from_list([]),
        fields=[field["field_name"] for field in FIELDS],
        pipeline=builder.search_pipeline,
    )


def single_files(review: Review) -> dict[str, bytes]:
    """Every file of the single layout, by path under the docs dir."""
    facets, facet_data = facet_files(review.papers, review.taxonomy)
    return {
        INDEX_FILE: dumps(build_search_index(review)),
        MANIFEST_FILE: dumps(
            {
                "version": MANIFEST_VERSION,
                "mode": "single",
                "index": INDEX_FILE.removeprefix("search/"),
                "count": len(review.papers),
                "facets": facets,
            }
        ),
        **facet_data,
    }
