"""The sharded search index: exactly lunr.py's index cut into pieces, the same on every build, and
an edit changes only the pieces it touches."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from lunr.tokenizer import Tokenizer

from generator.cache.store import Cache
from generator.config import Settings
from generator.errors import LitreviewError, ProblemLog
from generator.model import Paper, Review
from generator.ordering import topic_order
from generator.project import Project
from generator.records.review import load_review
from generator.search import sharded as search_shards
from generator.search.common import FIELDS, MANIFEST_FILE, MANIFEST_VERSION
from generator.search.files import resolved_mode, search_files
from generator.search.sharded import OTHER_SPACES, lunr_tokens, sharded_files
from generator.search.single import INDEX_FILE, build_search_index
from tests.conftest import REPO, SMALL_SHARDS, copy_review, set_search_mode

PAIRWISE = "pairwise-rl-rlhf-framework"


@pytest.fixture(scope="module")
def bundled() -> Review:
    project = Project.at(REPO)
    return load_review(project, ProblemLog(project.root))


@pytest.fixture
def small() -> Iterator[None]:
    """Shard sizes that cut the 212 bundled papers into many shards and doc chunks."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SMALL_SHARDS.items():
            patch.setattr(search_shards, name, value)
        yield


def decode(values: list[int]) -> list[tuple[int, int]]:
    """(paper, count) pairs of one term's field, as search.js decodes them."""
    pairs: list[tuple[int, int]] = []
    for value in values:
        if value < 0:
            pairs[-1] = (pairs[-1][0], -value)
        else:
            pairs.append((pairs[-1][0] + value if pairs else value, 1))
    return pairs


def result_docs(files: dict[str, bytes]) -> list[dict[str, object]]:
    """What the search page lists for each paper, by number: id, title and tags from the titles
    files, the snippet from the doc chunks."""
    manifest = json.loads(files[MANIFEST_FILE])
    titles = [
        row
        for part in range(manifest["titles"])
        for row in json.loads(files[f"search/titles/{part:02d}.json"])["docs"]
    ]
    snippets = [
        text
        for chunk in range(manifest["chunks"])
        for text in json.loads(files[f"search/docs/{chunk:03d}.json"])["snippets"]
    ]
    assert len(titles) == len(snippets) == manifest["count"]
    return [{"i": i, "t": t, "g": g, "s": s} for (i, t, g), s in zip(titles, snippets, strict=True)]


def merged_index(files: dict[str, bytes]) -> tuple[dict, dict, list[str]]:
    """The index that all shards together describe, with paper ids as refs: postings by term
    ({field: {id: {}}}), field vectors ({"field/id": {term: score}}) scored as search.js scores
    them (lunr.Builder's BM25), and the terms in shard order."""
    manifest = json.loads(files[MANIFEST_FILE])
    lengths = json.loads(files["search/" + manifest["lengths"]])
    count = manifest["count"]
    ids = [doc["i"] for doc in result_docs(files)]
    assert len(ids) == count
    fields = [name for name, _ in manifest["fields"]]
    boosts = dict(manifest["fields"])
    k1, b = manifest["k1"], manifest["b"]
    postings: dict[str, dict] = {}
    vectors: dict[str, dict[str, float]] = {}
    order: list[str] = []
    for first, key in manifest["shards"]:
        rows = json.loads(files[f"search/terms/{key}.json"])["terms"]
        assert rows[0][0] == first
        for term, *per_field in rows:
            order.append(term)
            pairs = [decode(values) for values in per_field]
            documents_with_term = sum(len(p) for p in pairs)
            idf = math.log(1 + abs((count - documents_with_term + 0.5) / (documents_with_term + 0.5)))
            postings[term] = {
                field: {ids[n]: {} for n, _ in p} for field, p in zip(fields, pairs, strict=True)
            }
            for field, p in zip(fields, pairs, strict=True):
                average = manifest["totals"][field] / count
                for n, tf in p:
                    length = lengths[field][n]
                    score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (length / average)) + tf)
                    vectors.setdefault(f"{field}/{ids[n]}", {})[term] = round(score * boosts[field], 3)
    return postings, vectors, order


def lunr_py_index(review: Review) -> tuple[dict, dict]:
    """lunr.py's index of the review in the same shape (empty field vectors left out)."""
    serialized = build_search_index(review)["index"]
    postings = {
        term: {f["field_name"]: p[f["field_name"]] for f in FIELDS} for term, p in serialized["invertedIndex"]
    }
    terms = {p["_index"]: term for term, p in serialized["invertedIndex"]}
    vectors = {
        ref: {terms[e[i]]: e[i + 1] for i in range(0, len(e), 2)}
        for ref, e in serialized["fieldVectors"]
        if e
    }
    return postings, vectors


@pytest.mark.parametrize("sizes", ["default", "small"])
def test_all_shards_together_are_lunr_py_s_index(
    bundled: Review, sizes: str, request: pytest.FixtureRequest
) -> None:
    if sizes == "small":
        request.getfixturevalue("small")
    files = sharded_files(bundled)
    manifest = json.loads(files[MANIFEST_FILE])
    assert (len(manifest["shards"]) > 10) == (sizes == "small")
    postings, vectors, order = merged_index(files)
    expected_postings, expected_vectors = lunr_py_index(bundled)
    assert postings == expected_postings  # the same terms, and each in the same papers' fields
    assert vectors.keys() == expected_vectors.keys()
    scores = 0
    for ref, expected in expected_vectors.items():
        assert vectors[ref].keys() == expected.keys(), ref
        for term, score in expected.items():
            assert abs(vectors[ref][term] - score) <= 1e-3, (ref, term)
            scores += 1
    assert scores > 20_000
    # The page numbers terms (lunr's _index) in shard order: sorted, as lunr.js sorts strings.
    assert order == sorted(order, key=lambda t: t.encode("utf-16-be"))


def test_the_result_list_data_is_the_single_index_s(bundled: Review, small: None) -> None:
    files = sharded_files(bundled)
    manifest = json.loads(files[MANIFEST_FILE])
    single = build_search_index(bundled)
    docs = result_docs(files)
    assert {doc.pop("i"): doc for doc in docs} == {
        ref: {"t": doc["t"], "g": doc["g"], "s": doc["s"]} for ref, doc in single["docs"].items()
    }
    assert manifest["tags"] == single["tags"]
    assert manifest["count"] == len(bundled.papers) == 212
    ids = [doc["i"] for doc in result_docs(files)]
    # Each topic in the order of its topic page, in both layouts.
    topics = topic_order(bundled.papers, bundled.taxonomy.tags)
    assert single["topics"].keys() == topics.keys() == bundled.taxonomy.tags.keys()
    for tag, papers in topics.items():
        members = [ids[n] for n in json.loads(files[f"search/tags/{tag}.json"])]
        assert members == single["topics"][tag] == [p.id for p in papers]
    assert INDEX_FILE not in files and not any(path.endswith("papers-index.json") for path in files)


def test_two_builds_are_byte_identical_whatever_the_paper_order(bundled: Review, small: None) -> None:
    first = sharded_files(bundled)
    shuffled = list(bundled.papers)
    random.Random(6).shuffle(shuffled)
    again = sharded_files(replace(bundled, papers=tuple(shuffled)))
    assert first.keys() == again.keys()
    assert [path for path in first if first[path] != again[path]] == []
    assert all(
        json.dumps(json.loads(data), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        == data
        for path, data in first.items()
    ), "not canonical JSON"


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def test_editing_one_paper_s_tags_rewrites_only_a_few_files(bundled: Review, small: None) -> None:
    before = sharded_files(bundled)
    paper = next(p for p in bundled.papers if p.id == PAIRWISE)
    assert "curriculum-learning" not in paper.tags
    edited = replace(paper, tags=(*paper.tags[1:], "curriculum-learning"))
    after = sharded_files(replace(bundled, papers=tuple(edited if p is paper else p for p in bundled.papers)))
    different = changed(before, after)
    shards = {path for path in before if path.startswith("search/terms/")}
    assert len(shards) >= 15
    changed_shards = different & (shards | {p for p in after if p.startswith("search/terms/")})
    # Only the shards holding the words of the tag removed and the tag added (their postings).
    assert 0 < len(changed_shards) <= 6, sorted(changed_shards)
    rest = different - changed_shards
    changed_tags = {f"search/tags/{paper.tags[0]}.json", "search/tags/curriculum-learning.json"}
    # The paper's line in its titles file (its tags); its snippet is unchanged.
    assert rest - changed_tags - {MANIFEST_FILE, "search/lengths.json"} == {
        next(
            path for path in before if path.startswith("search/titles/") and PAIRWISE.encode() in before[path]
        )
    }


def test_a_new_paper_renumbers_no_other(bundled: Review, small: None) -> None:
    before = sharded_files(bundled)
    newcomer = Paper(
        id="a-new-paper",  # sorts first by id, but entered the review last
        title="A new paper on reward models",
        abstract="We study reward models for preference learning in language models.",
        tags=("rlhf",),
        fingerprint="",
        added="2099-01-01",
    )
    after = sharded_files(replace(bundled, papers=(newcomer, *bundled.papers)))
    chunks = sorted(path for path in before if path.startswith("search/docs/"))
    titles = sorted(path for path in before if path.startswith("search/titles/"))
    assert len(chunks) > 1 and len(titles) > 1
    assert changed(before, after) & set(chunks) <= {chunks[-1]}
    assert changed(before, after) & set(titles) <= {titles[-1]}


def test_lunr_tokens_are_lunr_py_s() -> None:
    texts = [
        "Pairwise-RL: an RLHF framework (PPO-based), 7B\tmodels\nand\xa0more",
        "Über\u2003wide spaces\x1cand\u3000ideographic, e.g. ‐ dashes – stay",
        "  leading and trailing  ",
        "",
    ]
    for text in texts:
        assert lunr_tokens(text) == [str(t) for t in Tokenizer(text)], text
    others = {c for c in map(chr, range(0x110000)) if c.isspace() and c not in " \t\n\r\f\v\xa0-"}
    assert {c for c in map(chr, range(0x110000)) if OTHER_SPACES.fullmatch(c)} == others


def test_the_search_setting_in_mkdocs_yml(tmp_path: Path) -> None:
    project = copy_review(tmp_path / "review", with_papers=False)
    assert Settings.of(project).search_mode == "auto"
    set_search_mode(project, "sharded")
    assert Settings.of(project).search_mode == "sharded"
    project.mkdocs_file.write_text(project.mkdocs_file.read_text().replace("search: sharded", "search: fast"))
    with pytest.raises(
        LitreviewError, match=r"extra\.litreview\.search is 'fast'; use one of: auto, single, sharded"
    ):
        Settings.of(project)
    assert [resolved_mode("auto", n) for n in (0, 1000, 1001)] == ["single", "single", "sharded"]
    assert resolved_mode("sharded", 3) == "sharded" and resolved_mode("single", 50_000) == "single"


def test_each_layout_has_a_manifest_that_names_it(bundled: Review) -> None:
    single = search_files(bundled, "single")
    assert json.loads(single[MANIFEST_FILE])["mode"] == "single"
    assert json.loads(single[INDEX_FILE])["index"]["fieldVectors"]
    sharded = search_files(bundled, "sharded")
    assert json.loads(sharded[MANIFEST_FILE])["mode"] == "sharded"
    assert INDEX_FILE not in sharded
    assert single["assets/lunr.js"] == sharded["assets/lunr.js"]
    assert search_files(bundled).keys() == single.keys()  # auto: 212 papers take one file


def test_terms_remembered_from_an_earlier_build_give_the_same_files(bundled: Review, small: None) -> None:
    known: dict[str, str | None] = {}
    first = sharded_files(bundled, known)
    assert len(known) > 1000 and None in known.values()  # stop words are remembered too
    assert sharded_files(bundled, dict(known)) == first == sharded_files(bundled)


def test_text_fields_from_the_cache_give_the_same_files(bundled: Review, small: None, tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    expected = sharded_files(bundled)
    assert sharded_files(bundled, cache=cache) == expected  # cold: tokenised and cached
    assert {p.name for p in tmp_path.iterdir()} == {
        "search-tokens-title.pickle",
        "search-tokens-abstract.pickle",
        "search-text-rows.pickle",
    }
    assert sharded_files(bundled, cache=cache) == expected  # warm
    paper = next(p for p in bundled.papers if p.id == PAIRWISE)
    edits = {paper.id: replace(paper, tags=(*paper.tags[1:], "curriculum-learning"))}
    edited = replace(bundled, papers=tuple(edits.get(p.id, p) for p in bundled.papers))
    assert sharded_files(edited, cache=cache) == sharded_files(edited) != expected
    # A tag label with words no title or abstract has: terms of the tags field alone.
    tags = dict(edited.taxonomy.tags)
    tags["curriculum-learning"] = replace(tags["curriculum-learning"], label="Zyzzyva and aardvark methods")
    relabelled = replace(edited, taxonomy=replace(edited.taxonomy, tags=tags))
    relabelled_files = sharded_files(relabelled, cache=cache)
    assert relabelled_files == sharded_files(relabelled) != sharded_files(edited)
    assert b'"zyzzyva"' in b"".join(relabelled_files.values())
    retitled = replace(bundled, papers=tuple(replace(p, title=p.title + " again") for p in bundled.papers))
    assert sharded_files(retitled, cache=cache) == sharded_files(retitled)


def test_the_search_page_reads_the_index_version_the_generator_writes() -> None:
    script = (REPO / "templates" / "assets" / "search.js").read_text(encoding="utf-8")
    assert f"var MANIFEST_VERSION = {MANIFEST_VERSION};" in script


def test_terms_that_json_escapes_are_lunr_py_s(bundled: Review) -> None:
    """The shards' term rows are JSON made by concatenation: terms with characters JSON escapes
    or that are not ASCII come out as lunr.py's."""
    odd = ['quote"and\\slash', "naïve", "日本語", "a🙂b", "ctrl\x01char", "emoji🙂tail"]
    paper = bundled.papers[0]
    edited = replace(paper, title=" ".join(odd), abstract=paper.abstract + " tab\tzebra\u2028quokka")
    review = replace(bundled, papers=(edited, *bundled.papers[1:]))
    postings, _, order = merged_index(sharded_files(review))
    assert postings == lunr_py_index(review)[0]
    assert {'quote"and\\slash', "naïv", "日本語", "a🙂b", "ctrl\x01char", "zebra", "quokka"} <= set(order)
