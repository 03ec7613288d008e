"""The search facets' data (generator/search/facets.py) in both index layouts: a column per
facet in the layout's paper numbering, the manifest's filters, and the author shards."""

from __future__ import annotations

import json

import pytest

from generator.model import Review
from generator.search.facets import FACETS_FILE, author_key
from generator.search.files import search_files
from generator.search.sharded import paper_order
from tests.test_browser_tables import PAPERS, TAXONOMY


@pytest.mark.parametrize("mode", ["single", "sharded"])
def test_each_column_has_a_value_per_paper_in_the_layout_s_numbering(mode: str) -> None:
    review = Review(PAPERS, TAXONOMY)
    files = search_files(review, mode)
    facets = json.loads(files[FACETS_FILE])
    manifest = json.loads(files["search/manifest.json"])["facets"]
    order = (
        [review.papers[i] for i in paper_order(review.papers)] if mode == "sharded" else list(review.papers)
    )
    if mode == "single":
        assert json.loads(files["search/papers-index.json"])["order"] == [p.id for p in order]
    assert facets["year"] == [p.date.year for p in order]
    kinds = {f["id"]: f for f in manifest["fields"]}
    assert [kinds["kind"]["values"][v] for v in facets["fields"]["kind"]] == [
        p.value_of("kind") for p in order
    ]
    assert facets["fields"]["size"] == [p.value_of("size") for p in order]
    assert kinds["size"]["min"] == "0" and kinds["size"]["max"] == "59" and kinds["size"]["unit"] == "B"
    assert kinds["open"]["values"] == ["yes", "no"] and sum(kinds["open"]["counts"]) == len(order)
    methods = facets["fields"]["methods"]
    assert [m is not None for m in methods] == [p.value_of("methods") is not None for p in order]
    assert all(m == [0, 1] for m in methods if m is not None)
    assert [facets["venues"][v] for v in facets["venue"]] == [p.meta.venue for p in order]
    newest = sorted(range(len(order)), key=lambda n: facets["rank"][n])
    dates = [order[n].date.sort_key for n in newest]
    assert dates == sorted(dates, reverse=True)
    assert manifest["years"] == [2018, 2023]
    assert [v[0] for v in manifest["venues"]] == ["ACL", "ICML", "NeurIPS"]
    assert manifest["authors"] == sorted(manifest["authors"]) and "h" in manifest["authors"]
    shard = json.loads(files["search/authors/h.json"])
    hopper = shard["papers"][shard["names"].index("Grace Hopper")]
    assert [order[n].id for n in hopper] == [p.id for p in order if "Grace Hopper" in p.meta.authors]


def test_an_author_s_shard_is_their_last_name_s_folded_first_letter() -> None:
    assert author_key("Émile Borel") == "b"
    assert author_key("Ada Lovelace") == "l"
    assert author_key("Zoë Ångström") == "a"
    assert author_key("李 雷") == "_"
    assert author_key("") == "_"
