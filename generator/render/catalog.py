"""catalog.json: the whole review in one machine-readable file, for other tools and benchmarks."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator import __version__
from generator.cache.store import content_key
from generator.encoding import compact_json, json_lines
from generator.enrich.related import RelatedLists
from generator.model import Paper, RelatedPaper, Review
from generator.ordering import papers_by_tag
from generator.render.changes import changed_papers

CATALOG_FILE = "catalog.json"
CATALOG_VERSION = 1


def catalog_paper(paper: Paper, related: tuple[RelatedPaper, ...]) -> dict[str, Any]:
    """A paper's entry in catalog.json."""
    return {
        "id": paper.id,
        "url": f"papers/{paper.id}/",
        "title": paper.title,
        "title_derived": paper.title_derived,
        "tags": list(paper.tags),
        "date": paper.date.to_text() if paper.date else None,
        "authors_count": paper.authors_count,
        # The page is "url"; the paper's own address (publisher, arXiv) is "source_url".
        **{("source_url" if k == "url" else k): v for k, v in paper.meta.fields().items()},
        "fields": {name: list(value) if isinstance(value, tuple) else value for name, value in paper.fields},
        "sources": [{"file": s.file, "line": s.line} for s in paper.sources],
        "related": [
            {
                "id": r.id,
                "score": r.score,
                "shared_tags": list(r.shared_tags),
                "terms": list(r.terms),
                "tags_used": list(r.tags_used),
                "pinned": r.pinned,
            }
            for r in related
        ],
    }


def tag_counts(review: Review) -> dict[str, int]:
    """How many papers each of the taxonomy's tags has."""
    return {tag: len(papers) for tag, papers in papers_by_tag(review.papers, review.taxonomy.tags).items()}


def build_catalog(review: Review, with_papers: bool = True) -> dict[str, Any]:
    """The catalog; without the papers' entries (an empty list) if `with_papers` is false."""
    counts = tag_counts(review)
    return {
        "version": CATALOG_VERSION,
        "generator": f"litreview {__version__}",
        "papers": [catalog_paper(p, review.related.get(p.id, ())) for p in review.papers]
        if with_papers
        else [],
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
        "fields": [
            {
                "id": spec.id,
                "label": spec.label,
                "type": spec.type,
                "description": spec.description,
                "unit": spec.unit,
                "choices": list(spec.choices),
            }
            for spec in review.taxonomy.fields
        ],
    }


@dataclass
class CatalogIndex:
    """What the lines of the last catalog were made from: the related choices' key, and each
    paper's key and line key by id. With it, a rebuild takes the lines of the papers that
    neither changed nor list a changed paper as they were, without hashing what they show
    (hashing every line would be much of the search index's worker's rebuild)."""

    related_key: str = ""
    papers: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Each paper's related choices (RelatedLists.row): the others' tags count in them, so a tag
    # edit can change the lists of papers it does not touch, and only those lines are made again.
    rows: dict[str, tuple[object, ...]] = field(default_factory=dict)


def _line_by_repr(paper: Paper, related: tuple[RelatedPaper, ...], memo: dict[str, str]) -> tuple[str, str]:
    """A paper's catalog line and its key, made from the paper's repr and its related list."""
    key = content_key(
        repr(paper),
        repr(tuple((r.id, r.score, r.shared_tags, r.terms, r.pinned, r.tags_used) for r in related)),
    )
    line = memo.get(key)
    if line is None:
        line = compact_json(catalog_paper(paper, related))
    return key, line


def _since(
    review: Review,
    index: CatalogIndex | None,
    paper_keys: Mapping[str, str] | None,
    rows: dict[str, tuple[object, ...]],
) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """The last catalog's (paper key, line key) by paper, and the papers whose lines can have
    changed since: a changed paper, the papers listing it (the tags it shares may differ), and
    the papers whose related choices changed. Each line's choices are compared one by one, so
    the related choices' key, which any tag edit changes, need not match."""
    related_lists = review.related
    if index is None or not index.papers or not isinstance(related_lists, RelatedLists):
        return {}, set()
    earlier = index.papers
    earlier_key = lambda i: earlier.get(i, ("",))[0]  # noqa: E731
    changed, listing_changed = changed_papers(paper_keys or {}, earlier_key, related_lists)
    return earlier, changed | listing_changed | {i for i, row in rows.items() if index.rows.get(i) != row}


def catalog_file(
    review: Review,
    memo: dict[str, str] | None = None,
    paper_keys: Mapping[str, str] | None = None,
    related_key: str = "",
    index: CatalogIndex | None = None,
) -> dict[str, bytes]:
    """catalog.json. `memo` (a paper's JSON line by a hash of what it shows, from the cache) is
    used and filled in: encoding every entry is slow in a large review. With
    `paper_keys` (a hash of each paper, by id) and `related_key` (what the related choices were
    made from), a paper's hash is made from those and its related papers' tags, not its repr;
    with `index` (the last call's, updated in place) too, only for the papers that can have
    changed."""
    if memo is None:
        return {CATALOG_FILE: json_lines(build_catalog(review)).encode("utf-8")}
    related_lists = review.related
    ids_of = related_lists.ids if isinstance(related_lists, RelatedLists) and related_key else None
    tags_of = {paper.id: paper.tags for paper in review.papers} if ids_of and paper_keys else {}
    lines, used = [], {}
    rows = (
        {paper.id: related_lists.row(paper.id) for paper in review.papers}
        if isinstance(related_lists, RelatedLists)
        else {}
    )
    earlier, stale = _since(review, index, paper_keys, rows)
    made: dict[str, tuple[str, str]] = {}
    for paper in review.papers:
        if ids_of is not None and paper_keys is not None:
            known = earlier.get(paper.id) if paper.id not in stale else None
            if known is not None and known[1] in memo:
                lines.append(memo[known[1]])
                used[known[1]] = memo[known[1]]
                made[paper.id] = known
                continue
            # What the line shows: the paper, its related papers' ids, scores, terms, pins and tags
            # used (the related choices), and the tags each shares with it (their tags).
            other_tags = [tags_of[other] for other in ids_of(paper.id)]
            # One hash of one string (content_key's framing of each part is slower, once a paper).
            shown = "\n".join((paper_keys[paper.id], repr(rows[paper.id]), repr(other_tags)))
            key = hashlib.blake2b(shown.encode("utf-8"), digest_size=20).hexdigest()
            line = memo.get(key)
            if line is None:
                line = compact_json(catalog_paper(paper, related_lists.get(paper.id, ())))
            made[paper.id] = (paper_keys[paper.id], key)
        else:
            key, line = _line_by_repr(paper, related_lists.get(paper.id, ()), memo)
        lines.append(line)
        used[key] = line
    if used.keys() != memo.keys():  # left holding the lines of these papers only
        memo.clear()
        memo.update(used)
    if index is not None:
        index.related_key, index.papers, index.rows = related_key, made, rows
    catalog = build_catalog(review, with_papers=False)
    return {CATALOG_FILE: json_lines(catalog, encoded={"papers": lines}).encode("utf-8")}
