"""The paper pages: which to keep as they are on disk, which to render, and rendering them (by
two processes when there are many)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator.cache.store import content_key
from generator.enrich.related import RelatedLists
from generator.model import Paper, Review, Tag
from generator.records.abstracts import abstract_html, external_links
from generator.records.reference import truncated
from generator.render.changes import changed_papers
from generator.render.context import Listed, RenderContext
from generator.render.environment import make_environment
from generator.render.fragments import Fragment, paper_fragment
from generator.render.highwire import coins_title, highwire_tags
from generator.render.inputs import WrittenPages
from generator.render.page_set import PageSet
from generator.render.tables import paper_values

# Below this many paper pages to render, one process does it all (starting a second one costs
# more than it saves).
PARALLEL_MIN_PAGES = 2000

Neighbours = tuple[str | None, str | None]  # previous and next paper ids in the home topic


@dataclass(frozen=True)
class PaperJob:
    """Everything one paper page shows: a picklable unit of work."""

    path: str
    key: str
    paper_key: str
    paper: Paper
    tags: tuple[Tag, ...]
    home_topic: Tag | None
    previous: Paper | None
    following: Paper | None
    permalink: str | None
    related: tuple[Listed, ...]
    extracted: tuple[object, ...] = ()  # the paper's field values, as render.tables.paper_values
    citation_key: str = ""  # the paper's key in the review's bibliographies


@dataclass(frozen=True)
class PaperPageInputs:
    """What a render's paper pages were made from besides each page's own key: the next render
    compares with it to find the few pages whose inputs can have changed, and keeps every other
    page without computing its key (computing every page's key is much of a large rebuild)."""

    common: str  # the templates, code, site address and taxonomy
    paper_keys: dict[str, str]
    neighbours: dict[str, Neighbours]  # previous and next in the home topic
    # Each paper's related choices: the others' tags count (tag support), so a tag edit can change
    # the lists of papers it does not touch, and only those are examined again.
    related: dict[str, tuple[object, ...]]


def _paper_page_key(base: str, paper_key: str, shown: tuple[object, ...]) -> str:
    """What a paper page is made from: the templates and code (base), the paper (paper_key), and
    `shown`, a tuple of plain values (its tags' labels, its related papers' ids, titles, scores,
    shared tags and terms, its neighbours' ids and titles): one repr and one hash per page."""
    return content_key(base, paper_key, repr(shown))


@dataclass(frozen=True)
class _Since:
    """What changed since the last render's paper pages, when they were made from the same
    templates, code, taxonomy and related choices."""

    earlier: PaperPageInputs
    changed: set[str]  # the papers whose key differs
    showing_changed: set[str]  # the papers listing a changed paper as related
    related: dict[str, tuple[object, ...]]  # each paper's related choices now

    def unchanged(self, paper_id: str, near: Neighbours) -> bool:
        """Whether nothing a paper's page shows can have changed: the page is kept unexamined."""
        return (
            paper_id not in self.changed
            and paper_id not in self.showing_changed
            and self.earlier.related.get(paper_id) == self.related[paper_id]
            and self.earlier.neighbours.get(paper_id) == near
            and near[0] not in self.changed
            and near[1] not in self.changed
        )


def _related_rows(context: RenderContext) -> dict[str, tuple[object, ...]]:
    """Each paper's related choices, as plain values (cheap to compare; lists are not made)."""
    related = context.review.related
    if isinstance(related, RelatedLists):
        return {p.id: related.row(p.id) for p in context.review.papers}
    return {p.id: tuple(related.get(p.id, ())) for p in context.review.papers}


def _since(
    context: RenderContext, before: PaperPageInputs | None, common: str, rows: dict[str, tuple[object, ...]]
) -> _Since | None:
    if not common or before is None or before.common != common:
        return None
    related = context.review.related
    changed, showing_changed = changed_papers(context.paper_keys, before.paper_keys.get, related)
    return _Since(before, changed, showing_changed, rows)


@dataclass(frozen=True)
class _Around:
    """What the paper pages look up, made once: papers by id, tags' labels, each paper's home
    topic (its first) and its previous and next paper there, in that topic page's order."""

    by_id: dict[str, Paper]
    labels: dict[str, tuple[str, str]]
    home: dict[str, str | None]
    adjacent: dict[str, tuple[Paper | None, Paper | None]]


def _adjacent(
    topics: Mapping[str, list[Paper]], home: Mapping[str, str | None]
) -> dict[str, tuple[Paper | None, Paper | None]]:
    adjacent: dict[str, tuple[Paper | None, Paper | None]] = {}
    for t, members in topics.items():
        last = len(members) - 1
        for n, member in enumerate(members):
            if home[member.id] == t:
                adjacent[member.id] = (members[n - 1] if n else None, members[n + 1] if n < last else None)
    return adjacent


def _around(context: RenderContext) -> _Around:
    papers, tags = context.review.papers, context.tags
    home = {p.id: next((t for t in p.tags if t in tags), None) for p in papers}
    return _Around(
        by_id={p.id: p for p in papers},
        labels={t.id: (t.id, t.label) for t in tags.values()},
        home=home,
        adjacent=_adjacent(context.topics, home),
    )


def _page_key(context: RenderContext, around: _Around, paper: Paper) -> str:
    """The key of what a paper's page shows."""
    tags, labels = context.tags, around.labels
    previous, following = around.adjacent.get(paper.id, (None, None))
    shown = (
        tuple(labels[t] for t in paper.tags if t in tags),
        tuple(
            (
                item.id,
                around.by_id[item.id].title,
                item.score,
                tuple(labels[t] for t in item.shared_tags if t in tags),
                item.terms,
                item.pinned,
                tuple(labels[t] for t in item.tags_used if t in tags),
            )
            for item in context.review.related.get(paper.id, ())
        ),
        (previous.id, previous.title) if previous else None,
        (following.id, following.title) if following else None,
        paper_values(context.review.taxonomy, paper),  # the fields' labels and values shown
    )
    return _paper_page_key(context.base_key, context.paper_keys[paper.id], shown)


def _job(context: RenderContext, around: _Around, paper: Paper, path: str, key: str) -> PaperJob:
    tags, site_url = context.tags, context.site_url
    previous, following = around.adjacent.get(paper.id, (None, None))
    related = [
        Listed(
            around.by_id[item.id],
            score=item.score,
            shared_tags=tuple(tags[t] for t in item.shared_tags if t in tags),
            terms=item.terms,
            pinned=item.pinned,
            tags_used=tuple(tags[t] for t in item.tags_used if t in tags),
        )
        for item in context.review.related.get(paper.id, ())
    ]
    home = around.home[paper.id]
    return PaperJob(
        path,
        key,
        context.paper_keys[paper.id],
        paper,
        tuple(tags[t] for t in paper.tags if t in tags),
        tags.get(home) if home else None,
        previous,
        following,
        f"{site_url}papers/{paper.id}/" if site_url.startswith("http") else None,
        tuple(related),
        paper_values(context.review.taxonomy, paper),
        citation_key=context.fragments.citation_keys.get(paper.id, ""),
    )


def render_paper_pages(
    templates_dir: Path, jobs: list[PaperJob], memo: dict[str, Fragment], compiled_dir: Path | None = None
) -> tuple[list[tuple[str, str, bytes]], dict[str, Fragment]]:
    """Render paper pages: (path, key, Markdown) each, and the fragments made that `memo` lacked."""
    template = make_environment(templates_dir, compiled_dir).get_template("paper.md.j2")
    pages, made = [], {}
    for job in jobs:
        fragment = memo.get(job.paper_key) or made.get(job.paper_key)
        if fragment is None:
            fragment = made[job.paper_key] = paper_fragment(job.paper, job.citation_key or None)
        text = template.render(
            paper=job.paper,
            tags=list(job.tags),
            summary=fragment[1],
            abstract_html=abstract_html(job.paper.abstract),
            links=external_links(job.paper.abstract),
            bibtex=fragment[0].decode("utf-8"),
            home_topic=job.home_topic,
            previous=job.previous,
            following=job.following,
            permalink=job.permalink,
            related=list(job.related),
            extracted=list(job.extracted),
            formatted=fragment[4],
            citation_meta=highwire_tags(job.paper, job.permalink),
            coins=coins_title(job.paper),
            authors_truncated=truncated(job.paper.meta.reference.people("author"))
            if job.paper.meta.reference
            else False,
        )
        pages.append((job.path, job.key, text.encode("utf-8")))
    return pages, made


def _render_jobs(context: RenderContext, jobs: list[PaperJob]) -> list[tuple[str, str, bytes]]:
    """Paper pages rendered, half of them by a second process when there are many (rendering
    them is most of a full build's work, and the other core is idle then)."""
    templates_dir, compiled_dir = context.templates_dir, context.compiled_dir
    memo = context.fragments.memo
    if len(jobs) < PARALLEL_MIN_PAGES or (os.cpu_count() or 1) < 2:
        pages, made = render_paper_pages(templates_dir, jobs, memo, compiled_dir)
        memo.update(made)
        return pages
    half = len(jobs) // 2
    theirs = jobs[half:]
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        known = {j.paper_key: memo[j.paper_key] for j in theirs if j.paper_key in memo}
        future = pool.submit(render_paper_pages, templates_dir, theirs, known, compiled_dir)
        pages, made = render_paper_pages(templates_dir, jobs[:half], memo, compiled_dir)
        other_pages, other_made = future.result()
    memo.update(made)
    memo.update(other_made)
    return pages + other_pages


def _common_key(review: Review, base_key: str, related_key: str | None) -> str:
    """What all paper pages share besides the templates: the taxonomy ("" when the related
    choices' key is unknown: then every page is examined). Each page's related choices are
    compared one by one (_Since)."""
    return content_key(base_key, repr(review.taxonomy)) if related_key else ""


def add_paper_pages(
    context: RenderContext, pages: PageSet, written: WrittenPages, related_key: str | None
) -> None:
    """Every paper's page: kept unexamined when nothing it shows can have changed since the
    last render (`written.inputs`), kept when its key is the file's on disk, else rendered."""
    common = _common_key(context.review, context.base_key, related_key)
    rows = _related_rows(context)
    since = _since(context, written.inputs, common, rows)
    around = _around(context)
    neighbours: dict[str, Neighbours] = {}
    jobs: list[PaperJob] = []
    for paper in context.review.papers:
        previous, following = around.adjacent.get(paper.id, (None, None))
        path = f"papers/{paper.id}.md"
        near = neighbours[paper.id] = (previous.id if previous else None, following.id if following else None)
        if since is not None and since.unchanged(paper.id, near):
            kept = written.current_key(path)
            if kept is not None:
                pages.keep(path, kept)
                continue
        key = _page_key(context, around, paper)
        if written.is_current(path, key):
            pages.keep(path, key)
            continue
        jobs.append(_job(context, around, paper, path, key))
    for path, key, data in _render_jobs(context, jobs):
        pages.add(path, data, key)
    if common:
        pages.inputs = PaperPageInputs(common, dict(context.paper_keys), neighbours, rows)
