"""Rebuilds at scale: caches keyed by content, pages kept when their inputs are unchanged, MkDocs'
dirty builds for changed pages, and the guarantee that an incremental build gives the very same
site as a full build of the same content."""

from __future__ import annotations

import gc
import hashlib
import re
from pathlib import Path

import pytest

import generator.build.site as site_module
import generator.render.overview as overview_module
import generator.render.paper_pages as paper_module
import generator.render.topic_pages as topic_module
from generator.build.pipeline import Options, build_review, generate
from generator.build.site import BuiltSite
from generator.cache.store import Cache
from generator.config import Settings
from generator.enrich.stage import record_text_digests, text_digest
from generator.errors import ProblemLog
from generator.project import Project
from generator.records.store import load_papers
from tests.conftest import copy_review


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


def built_afresh(project: Project, target: Path) -> tuple[Project, BuiltSite]:
    """A new copy of the bundled review given `project`'s content (records, tags.yaml,
    fields.yaml) and built from nothing: what every incremental rebuild of `project` must equal."""
    fresh = copy_review(target)
    for name in ("tags.yaml", "fields.yaml"):
        (fresh.content_dir / name).write_bytes((project.content_dir / name).read_bytes())
    for record in project.papers_dir.glob("*.yaml"):
        (fresh.papers_dir / record.name).write_bytes(record.read_bytes())
    return fresh, build(fresh)


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
    fresh, full = built_afresh(project, tmp_path_factory.mktemp("fresh") / "review")
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
