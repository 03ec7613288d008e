"""Catalog lines taken from the memo and from the index of the last catalog."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from generator.cache.store import Cache, content_key
from generator.enrich.related import RelatedLists
from generator.errors import ProblemLog
from generator.model import Review
from generator.project import Project
from generator.records.review import load_review
from tests.conftest import REPO


def test_catalog_lines_from_the_memo_give_the_same_catalog(tmp_path: Path) -> None:
    from dataclasses import replace

    from generator.enrich.stage import enrich
    from generator.render.catalog import catalog_file

    review = enrich(load_review(Project.at(REPO), ProblemLog()), Cache(tmp_path), "lsa")
    memo: dict[str, str] = {}
    plain = catalog_file(review)
    assert catalog_file(review, memo) == plain and len(memo) == len(review.papers)
    assert catalog_file(review, memo) == plain
    first = review.papers[0]
    edited = replace(review, papers=(replace(first, title="A new title"), *review.papers[1:]))
    assert catalog_file(edited, memo) == catalog_file(edited) != plain
    assert len(memo) == len(review.papers)  # the old line of the edited paper is dropped


def test_catalog_lines_kept_by_the_index_are_those_a_full_catalog_makes(tmp_path: Path) -> None:
    """With paper keys and the index of the last catalog, the lines of papers that neither
    changed nor list a changed paper are taken as they were: after tag edits of a paper that
    others list as related, the catalog is the one made from nothing."""
    from dataclasses import replace

    from generator.enrich.stage import enrich
    from generator.render.catalog import CatalogIndex, catalog_file

    review = enrich(load_review(Project.at(REPO), ProblemLog()), Cache(tmp_path), "lsa")
    assert isinstance(review.related, RelatedLists)
    memo: dict[str, str] = {}
    index = CatalogIndex()

    def keyed(current: Review) -> dict[str, bytes]:
        keys = {p.id: content_key(repr(p)) for p in current.papers}
        return catalog_file(current, memo, keys, "choices", index)

    assert keyed(review) == catalog_file(review)
    assert set(index.papers) == {p.id for p in review.papers}
    listed = Counter(i for p in review.papers for i in review.related.ids(p.id))
    target = listed.most_common(1)[0][0]  # a paper that several others list
    position = next(n for n, p in enumerate(review.papers) if p.id == target)
    for tags in (("rlhf",), (), review.papers[position].tags):
        papers = list(review.papers)
        papers[position] = replace(papers[position], tags=tags)
        edited = replace(review, papers=tuple(papers), related=RelatedLists(papers, review.related.choices))
        assert keyed(edited) == catalog_file(edited)
    # A tag edit that changes other papers' related lists (tag support): their lines follow.
    from generator.enrich.related import related_choices

    papers = list(review.papers)
    other = ("rlhf",) if "rlhf" not in papers[position].tags else ()
    papers[position] = replace(papers[position], tags=other)
    choices = related_choices(papers)
    retagged = replace(review, papers=tuple(papers), related=RelatedLists(papers, choices))
    assert sum(a != b for a, b in zip(choices, review.related.choices, strict=True)) > 0
    assert keyed(retagged) == catalog_file(retagged)
    assert keyed(review) == catalog_file(review)
    before = dict(index.papers)
    assert keyed(review) == catalog_file(review) and index.papers == before  # nothing changed
    index.papers = {i: (k, "no such line") for i, (k, _) in index.papers.items()}  # lines lost
    assert keyed(review) == catalog_file(review)
