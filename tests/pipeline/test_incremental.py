"""Rebuilds at scale: caches keyed by content, pages kept when their inputs are unchanged, MkDocs'
dirty builds for changed pages, and the guarantee that an incremental build gives the very same
site as a full build of the same content."""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import re
import shutil
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import generator.build.site as site_module
import generator.render.overview as overview_module
import generator.render.paper_pages as paper_module
import generator.render.topic_pages as topic_module
from generator.build.data_files import SearchIndexTask
from generator.build.pipeline import Options, build_review, generate
from generator.build.site import BuiltSite
from generator.cache import keys
from generator.cache.store import BUCKETS, Cache, content_key
from generator.config import Settings
from generator.enrich import map_layout as maplayout
from generator.enrich.related import RelatedLists, TextFeatures, pair_terms, related_papers
from generator.enrich.stage import record_text_digests, text_digest
from generator.errors import LitreviewError, ProblemLog
from generator.mkdocs_plugin import compact_html
from generator.model import Review
from generator.project import Project
from generator.records.review import load_review
from generator.records.store import load_papers
from generator.render.inputs import RenderInputs
from tests.conftest import FIXTURES, REPO, copy_review

ARXIV_SAMPLE = FIXTURES / "formats" / "arxiv-75k__first-30.jsonl.gz"


def build(project: Project, strict: bool = True, worker: bool = False) -> BuiltSite:
    """generate + build_site; with `worker`, as `litreview build` does it: the search index,
    catalog and map made by another process, which sends back only the files that changed."""
    return build_review(project, ProblemLog(project.root), Options(worker=worker), strict)[1]


def tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def add_tag(project: Project, paper_id: str, tag: str) -> None:
    path = project.papers_dir / f"{paper_id}.yaml"
    text = path.read_text(encoding="utf-8")
    assert "tags:\n" in text
    path.write_text(text.replace("tags:\n", f"tags:\n- {tag}\n", 1), encoding="utf-8")


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One review built, rebuilt unchanged, then rebuilt after a tag edit, as `litreview build`
    does (with the worker); and a fresh full build of the edited content without it."""
    project = copy_review(tmp_path_factory.mktemp("incremental") / "review")
    first = build(project, worker=True)
    before = tree(project.site_dir)
    unchanged = build(project, worker=True)
    after_unchanged = tree(project.site_dir)
    paper_id = sorted(p.stem for p in project.papers_dir.glob("*.yaml"))[0]
    add_tag(project, paper_id, "llm-agents")
    edited = build(project, worker=True)
    fresh = copy_review(tmp_path_factory.mktemp("fresh") / "review")
    for record in project.papers_dir.glob("*.yaml"):
        (fresh.papers_dir / record.name).write_bytes(record.read_bytes())
    full = build(fresh)
    return {
        "project": project,
        "paper": paper_id,
        "first": first,
        "unchanged": unchanged,
        "edited": edited,
        "before": before,
        "after_unchanged": after_unchanged,
        "fresh": fresh,
        "full": full,
    }


def test_a_rebuild_with_nothing_changed_leaves_the_site_alone(rebuilt: dict) -> None:
    assert rebuilt["first"].mode == "full"
    assert rebuilt["unchanged"].mode == "up to date"
    assert rebuilt["after_unchanged"] == rebuilt["before"]


def test_a_tag_edit_rebuilds_only_the_pages_it_changes(rebuilt: dict) -> None:
    edited = rebuilt["edited"]
    assert edited.mode == "incremental"
    # The paper, its old and new topics, papers whose related lists show its tags, home...
    assert 1 <= edited.pages_built < 40, edited.pages_built
    project: Project = rebuilt["project"]
    page = (project.site_dir / "papers" / rebuilt["paper"] / "index.html").read_text(encoding="utf-8")
    assert "topics/llm-agents/" in page
    topic = (project.site_dir / "topics" / "llm-agents" / "index.html").read_text(encoding="utf-8")
    assert f"papers/{rebuilt['paper']}/" in topic


def test_an_incremental_build_gives_the_same_site_as_a_full_build(rebuilt: dict) -> None:
    assert rebuilt["full"].mode == "full"
    project, fresh = rebuilt["project"], rebuilt["fresh"]
    assert tree(project.site_dir) == tree(fresh.site_dir)
    assert tree(project.docs_dir) == tree(fresh.docs_dir)


def test_a_failed_incremental_build_leaves_the_site_and_the_next_one_catches_up(
    review: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(review)
    before = tree(review.site_dir)
    paper_id = sorted(p.stem for p in review.papers_dir.glob("*.yaml"))[3]
    add_tag(review, paper_id, "llm-agents")

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("MkDocs fell over")

    with monkeypatch.context() as patched:
        patched.setattr(site_module, "mkdocs_build", fail)
        with pytest.raises(RuntimeError):
            build(review)
    assert tree(review.site_dir) == before
    assert not list(review.root.glob(".site.new-*"))
    # Nothing changes in the content now, but the site is behind the pages: not "up to date".
    again = build(review)
    assert again.mode == "incremental"
    assert "topics/llm-agents/" in (review.site_dir / "papers" / paper_id / "index.html").read_text("utf-8")


def test_a_removed_paper_needs_a_full_build(review: Project) -> None:
    build(review)
    victim = sorted(review.papers_dir.glob("*.yaml"))[5]
    # Its source entry goes too, or import would bring it back.
    victim.unlink()
    for source in review.sources_dir.iterdir():
        source.write_text("", encoding="utf-8")
    rebuilt = build(review)
    assert rebuilt.mode == "full"
    assert not (review.site_dir / "papers" / victim.stem).exists()


def test_a_damaged_or_stale_cache_is_recomputed(review: Project) -> None:
    build(review)
    cache_dir = review.work_dir / "cache"
    names = sorted(p.name for p in cache_dir.glob("*.pickle"))
    expected = {"text-features.pickle", "neighbours.pickle", "map-layout.pickle", "parsed-records.00.pickle"}
    assert expected <= set(names)
    reference = tree(review.docs_dir)
    for n, path in enumerate(sorted(cache_dir.glob("*.pickle"))):
        raw = bytearray(path.read_bytes())
        if n % 3 == 0:
            path.write_bytes(bytes(raw[: len(raw) // 2]))  # truncated
        elif n % 3 == 1:
            raw[-10] ^= 0xFF  # a flipped byte
            path.write_bytes(bytes(raw))
        else:
            path.write_bytes(b"not a cache file")
    # And pages that the page state says are current, but whose files someone changed.
    page = next((review.docs_dir / "papers").glob("*.md"))
    page.write_text("tampered", encoding="utf-8")
    shutil.rmtree(review.site_dir)
    build(review)
    assert tree(review.docs_dir) == reference


def test_cache_entries_check_their_key_and_checksum(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    key = content_key(["a", "b"])
    assert cache.get("thing", key) is None  # missing
    cache.put("thing", key, {"x": np.arange(3)})
    assert cache.get("thing", key)["x"].tolist() == [0, 1, 2]
    assert cache.get("thing", content_key(["a", "c"])) is None  # stale
    assert content_key(["ab", "c"]) != content_key(["a", "bc"])
    calls = []
    assert cache.computed("other", key, lambda: calls.append(1) or 7) == 7
    assert cache.computed("other", key, lambda: calls.append(1) or 8) == 7
    assert calls == [1]


def test_a_dict_in_buckets_rewrites_only_the_buckets_that_changed(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    key = content_key(["records"])
    first = {content_key([str(n)]): n for n in range(200)}
    cache.put_dict("records", key, first, {})
    files = sorted(tmp_path.glob("records.*.pickle"))
    assert len(files) == BUCKETS
    assert cache.get_dict("records", key) == first
    assert cache.get_dict("records", content_key(["other"])) == {}  # stale: nothing
    stamps = {f: f.stat().st_mtime_ns for f in files}
    time.sleep(0.01)
    second = dict(first)
    del second[content_key(["7"])]
    second[content_key(["new"])] = -1
    cache.put_dict("records", key, second, cache.get_dict("records", key))
    assert cache.get_dict("records", key) == second
    rewritten = [f for f in files if f.stat().st_mtime_ns != stamps[f]]
    assert 1 <= len(rewritten) <= 2
    files[0].write_bytes(b"damaged")  # a damaged bucket loses its part, nothing else
    damaged = cache.get_dict("records", key)
    assert damaged.items() < second.items()
    cache.put_dict("records", key, second, damaged)  # its keys count as added: it is rewritten
    assert cache.get_dict("records", key) == second
    third = {**second, content_key(["plain"]): 3}
    cache.put_dict("records", key, third, dict(second))  # a plain dict as `before` works too
    assert cache.get_dict("records", key) == third


def test_pair_terms_match_the_per_pair_definition() -> None:
    papers = load_review(Project.at(REPO), ProblemLog()).papers
    features = TextFeatures.of(papers)
    pairs = [(i, (i * 7 + 3) % len(papers)) for i in range(len(papers))]
    assert pair_terms(features, pairs) == [features.shared_terms(i, j) for i, j in pairs]


def test_the_papers_listing_a_paper_are_found_without_making_lists() -> None:
    papers = load_review(Project.at(REPO), ProblemLog()).papers
    lists = related_papers(papers)
    for wanted in ({papers[0].id}, {papers[5].id, papers[40].id}, {"no-such-paper"}, set()):
        expected = {i for i, items in lists.items() if any(r.id in wanted for r in items)}
        assert RelatedLists(papers, lists.choices).listing(wanted) == expected
    assert lists.listing({papers[0].id}), "the first paper is listed somewhere"


def test_a_large_map_places_papers_near_their_landmarks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maplayout, "LANDMARKS", 60)
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 20)) * 5
    vectors = np.vstack([c + rng.normal(size=(100, 20)) for c in centres])
    points = maplayout.layout(vectors)
    assert points.shape == (300, 2) and points.min() >= 0 and points.max() <= 1
    assert np.array_equal(points, maplayout.layout(vectors))
    # Papers of one cluster stay together: nearer their own cluster's centre than any other.
    means = np.array([points[k * 100 : (k + 1) * 100].mean(axis=0) for k in range(3)])
    own = np.linalg.norm(points - np.repeat(means, 100, axis=0), axis=1)
    others = np.min(
        [np.linalg.norm(points - means[k], axis=1) + np.repeat(np.arange(3) == k, 100) * 9 for k in range(3)],
        axis=0,
    )
    assert (own < others).mean() > 0.95


def test_compacting_keeps_text_and_preformatted_content(site: Path) -> None:
    kept = "<pre>x   y\n   z</pre><script>var s = 'two  spaces';</script><code>a  b</code>"
    page = "<p>a   b</p>\n    \n  " + kept
    assert compact_html(page) == "<p>a b</p>\n" + kept
    paper = next((site / "papers").glob("*/index.html")).read_text(encoding="utf-8")
    assert compact_html(paper) == paper  # the built pages are compacted already
    assert "\n  title = {" in paper  # the BibTeX block keeps its layout
    outside = re.sub(r"<(pre|script|style|code|textarea)\b.*?</\1>", lambda m: "\x00", paper, flags=re.S)
    assert not re.search(r"\s{2,}", outside)


def test_json_lines_import_keeps_arxiv_ids(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    project = copy_review(tmp_path / "review", with_papers=False)
    for source in project.sources_dir.iterdir():
        source.unlink()
    lines = []
    with gzip.open(ARXIV_SAMPLE, "rt", encoding="utf-8") as handle:
        for line in handle:
            lines.append(line)
            if len(lines) == 30:
                break
    old_style = json.loads(lines[0]) | {"id": "hep-th/9901001", "title": "An old-style identifier"}
    lines.append(json.dumps(old_style) + "\n")
    dump = tmp_path / "slice.jsonl.gz"
    with gzip.open(dump, "wt", encoding="utf-8") as handle:
        handle.writelines(lines[1:])
    result = CliRunner().invoke(cli, ["import", str(dump), "-C", str(project.root)])
    assert result.exit_code == 0, result.output
    ids = {p.stem for p in project.papers_dir.glob("*.yaml")}
    expected = {json.loads(line)["id"] for line in lines[1:30]}
    assert expected <= ids
    assert "hep-th-9901001" in ids


def test_paper_pages_rendered_by_two_processes_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.enrich.stage import enrich
    from generator.render import pages as render
    from generator.render import paper_pages

    project = Project.at(REPO)
    review = enrich(load_review(project, ProblemLog()), Cache(tmp_path), "lsa")
    url = "https://example.org/r/"
    serial = render.render_pages(review, RenderInputs(project.templates_dir, "Title", url))
    monkeypatch.setattr(paper_pages, "PARALLEL_MIN_PAGES", 10)
    cache = Cache(tmp_path / "fragments")
    parallel = render.render_pages(review, RenderInputs(project.templates_dir, "Title", url), cache=cache)
    assert parallel.files == serial.files
    assert parallel.keys == serial.keys
    fragments = cache.get_dict(keys.FRAGMENTS.name, keys.FRAGMENTS.key())
    assert len(fragments) == len(review.papers)


def test_enrichment_from_a_warm_cache_after_tag_edits_is_the_cold_result(tmp_path: Path) -> None:
    """Related choices and key terms are cached by text (and pins, hides, topic members): after
    tag edits, what the cache gives is what computing everything afresh gives."""
    from dataclasses import replace

    from generator.enrich.stage import enrich

    review = load_review(Project.at(REPO), ProblemLog())
    warm = Cache(tmp_path / "warm")
    enrich(review, warm, "lsa")
    papers = list(review.papers)
    for n in (3, 50, 120):  # move each to another topic, and give one a second topic
        paper = papers[n]
        other = next(t for t in review.taxonomy.tags if t not in paper.tags)
        papers[n] = replace(paper, tags=(other, *paper.tags[1:]) if n != 50 else (*paper.tags, other))
    edited = replace(review, papers=tuple(papers))
    from_cache = enrich(edited, warm, "lsa")
    cold = enrich(edited, Cache(tmp_path / "cold"), "lsa")
    assert from_cache.related == cold.related
    assert from_cache.key_terms == cold.key_terms
    assert from_cache.key_terms != enrich(review, warm, "lsa").key_terms  # the edits moved some


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
    before = dict(index.papers)
    assert keyed(review) == catalog_file(review) and index.papers == before  # nothing changed
    index.papers = {i: (k, "no such line") for i, (k, _) in index.papers.items()}  # lines lost
    assert keyed(review) == catalog_file(review)


def test_the_worker_loads_the_review_from_the_cache_or_the_build_makes_the_files_itself(
    review: Project,
) -> None:
    import pickle
    from dataclasses import replace

    from generator.build.worker import DataFilesWorker

    report = generate(review, ProblemLog(review.root), Settings.of(review), Options(worker=True))
    assert report.worker is not None
    report.worker.cancel()
    make = report.worker.make
    sent = pickle.loads(pickle.dumps(make))
    assert sent.review is None and sent.cached is not None  # the review itself is not sent
    expected = make()
    assert sent() == expected
    # A review the worker cannot find (a stale key): the build makes the files itself.
    lost = replace(make, cached=replace(make.cached, choices_key="0" * 40))
    with pytest.raises(LitreviewError):
        pickle.loads(pickle.dumps(lost))()
    made = DataFilesWorker(lost).result()
    assert made is not None and made.changed == expected and made.names == set(expected)

    # The head start (papers and search index, made before the review is related) gives the
    # same files; one made for other papers or another taxonomy is not used.
    cached = sent.cached
    early = SearchIndexTask(sent.cache_dir, cached.papers_key, cached.digests, cached.taxonomy, "auto")
    early = pickle.loads(pickle.dumps(early))()
    assert early.serves(cached, sent.search_mode) and early.search
    assert sent(early) == expected
    other = replace(early, digests=cached.digests[1:], papers=early.papers[1:])
    assert not other.serves(cached, sent.search_mode) and sent(other) == expected
    retagged = replace(early, taxonomy=replace(cached.taxonomy, tags={}), search={"search/x": b""})
    assert not retagged.serves(cached, sent.search_mode) and sent(retagged) == expected


def test_a_task_the_worker_cannot_be_sent_is_done_by_the_build(caplog: pytest.LogCaptureFixture) -> None:
    """Tasks are pickled and sent by a thread: one that cannot be pickled (a lambda) leaves the
    worker without work, and the build makes the files itself instead of waiting forever."""
    from generator.build.worker import DataFilesWorker

    job = DataFilesWorker()
    job.start(lambda: None)  # the head start cannot be sent either
    job.submit(lambda: {"catalog.json": b"{}"}, [])
    made = job.result()
    assert made is not None and made.changed == {"catalog.json": b"{}"}
    assert "got no work" in caplog.text
    job.cancel()


def test_undoing_an_edit_whose_build_failed_rebuilds_the_pages(review: Project) -> None:
    build(review, worker=True)
    reference = tree(review.site_dir)
    record = sorted(review.papers_dir.glob("*.yaml"))[0]
    original = record.read_bytes()
    add_tag(review, record.stem, "llm-agents")
    # The pages of the edit are written, then the build stops before the site is made.
    generate(review, ProblemLog(review.root), Settings.of(review))
    record.write_bytes(original)  # the person undoes the edit
    assert build(review, worker=True).mode == "incremental"
    assert tree(review.site_dir) == reference


def test_pages_kept_unexamined_are_the_pages_a_full_render_makes(
    review: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a few kinds of record edits, a render that examines only the pages whose inputs
    can have changed (the edited papers, their neighbours, the papers listing them as related)
    writes the very docs a render examining every page writes."""
    examined: list[str] = []
    page_key = paper_module._paper_page_key

    def counted(base: str, paper_key: str, shown: tuple[object, ...]) -> str:
        examined.append(paper_key)
        return page_key(base, paper_key, shown)

    monkeypatch.setattr(paper_module, "_paper_page_key", counted)
    charts: list[str] = []  # a years chart per topic page made, and one for the home page
    years_chart = topic_module.years_chart

    def charted(papers: list, title: str, css_class: str) -> str:
        charts.append(title)
        return years_chart(papers, title, css_class)

    monkeypatch.setattr(topic_module, "years_chart", charted)
    monkeypatch.setattr(overview_module, "years_chart", charted)

    def generated() -> dict[str, str]:
        log = ProblemLog(review.root)
        generate(review, log, Settings.of(review))
        return tree(review.docs_dir)

    def text(record: Path) -> str:
        return record.read_text(encoding="utf-8")

    def edit(record: Path, old: str, new: str) -> None:
        assert old in text(record), (record.name, old)
        record.write_text(text(record).replace(old, new, 1), encoding="utf-8")

    def tags_of(record: Path) -> list[str]:
        block = re.search(r"^tags:\n((?:- .+\n)*)", text(record), re.M)
        assert block is not None
        return [line[2:] for line in block.group(1).splitlines()]

    generated()
    records = sorted(review.papers_dir.glob("*.yaml"))
    by_id = {r.stem: r for r in records}
    # A paper shown as related on another's page gets one of that paper's tags: the tags the two
    # share, shown on the other paper's page, change.
    lister = next(r for r in records if tags_of(r))
    page = (review.docs_dir / "papers" / f"{lister.stem}.md").read_text("utf-8")
    listed = by_id[re.findall(r"\]\(([^)/]+)\.md\) <span class=\"lr-score\"", page)[0]]
    new_tag = next(t for t in tags_of(lister) if t not in tags_of(listed))
    dated = next(r for r in records if re.search(r"^date: '\d{4}-\d\d-\d\d'$", text(r), re.M))
    date_line = re.search(r"^date: .*$", text(dated), re.M).group()  # type: ignore[union-attr]
    several = next(r for r in records if len(tags_of(r)) >= 2)
    edits = [
        lambda: add_tag(review, listed.stem, new_tag),
        lambda: edit(dated, date_line, "date: '1999-01-01'"),  # last in its topics now
        lambda: edit(records[7], "\nabstract:", "\nnotes: read this twice\nabstract:"),
        lambda: edit(several, f"tags:\n- {tags_of(several)[0]}\n", "tags:\n"),  # another home topic
        lambda: (review.docs_dir / "papers" / f"{records[11].stem}.md").unlink(),  # docs damaged
    ]
    for make_edit in edits:
        make_edit()
        examined.clear()
        charts.clear()
        shortcut = generated()
        assert 0 < len(examined) < len(records) // 3, len(examined)
        topics = len(list((review.docs_dir / "topics").glob("*.bib")))
        assert len(charts) - 1 < topics // 2, charts  # only the topics the edit touched
        # The same content again, every page examined.
        Cache(review.work_dir / "cache").forget("page-state")
        examined.clear()
        assert generated() == shortcut
        assert len(examined) == len(records)
    assert f"topics/{new_tag}.md" in (review.docs_dir / "papers" / f"{listed.stem}.md").read_text("utf-8")


def test_text_digests_from_the_cache_are_those_of_the_text(review: Project) -> None:
    cache = Cache(review.work_dir / "cache")

    def records() -> list:
        return load_papers(review.papers_dir, None, ProblemLog(review.root), cache)

    cold = record_text_digests(records(), cache)
    assert cold == [text_digest(r.paper) for r in records()]
    assert record_text_digests(records(), cache) == cold
    files = sorted(review.papers_dir.glob("*.yaml"))
    n, record = next(
        (n, f) for n, f in enumerate(files) if re.search(r"^abstract: [A-Z]", f.read_text("utf-8"), re.M)
    )
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("\nabstract: ", "\nabstract: Revised. ", 1), encoding="utf-8")
    warm = record_text_digests(records(), cache)
    assert warm == [text_digest(r.paper) for r in records()]
    assert [m for m, (a, b) in enumerate(zip(cold, warm, strict=True)) if a != b] == [n]


def test_the_collector_sees_everything_again_after_a_build(review: Project) -> None:
    """The review is frozen out of the garbage collector's sight while it is loaded and used;
    a long-running process (`litreview serve`) must not keep it, or garbage, frozen."""
    generate(review, ProblemLog(review.root), Settings(site_title="Review"))
    assert gc.get_freeze_count() == 0
