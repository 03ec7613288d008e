"""Render the review as Markdown pages (and their static files) from the Jinja2 templates.

Every page is prepared in memory before anything is written (related papers and topic pages
need the whole collection), output paths are checked for collisions, and only files whose bytes
changed are rewritten, so MkDocs' dirty builds and diffs see just the real changes.
"""

from __future__ import annotations

import html
import json
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator.cache import keys
from generator.cache.compiled_templates import checked_cache, compiled_templates_dir
from generator.cache.store import Cache, content_key
from generator.encoding import compact_json, json_lines  # noqa: F401
from generator.enrich.related import RelatedLists
from generator.errors import LitreviewError
from generator.files import atomic_write_bytes, holds
from generator.model import Paper, Review, Tag
from generator.records.abstracts import abstract_html, external_links, safe_url, summary
from generator.render.charts import cooccurrence_chart, years_chart
from generator.render.cite import bibtex_entry, csl_json, csl_line
from generator.render.feeds import atom_feed, newest_added
from generator.render.inputs import NothingWritten, RenderInputs, WrittenPages

NEWEST_ON_HOME = 10
# A topic page lists its newest papers; the search page lists all of a topic's papers (filtered
# by topic, newest first). Thousands of entries on one page are slow to build and to read.
TOPIC_LISTED = 200
COOCCURRING_SHOWN = 8
# Python-Markdown's escapable characters (with the tables extension's "|"); escaping any other
# character would leave its backslash visible.
_MD_ESCAPABLE = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")


def md_text(value: object) -> str:
    """Text for a Markdown context: HTML-escaped, Markdown syntax backslash-escaped, one line."""
    text = " ".join(str(value).split())
    text = html.escape(text, quote=False)
    return _MD_ESCAPABLE.sub(r"\\\1", text)


def html_text(value: object) -> str:
    """Text for HTML in a page (a raw HTML block, which Markdown leaves alone): HTML-escaped,
    one line; what md_text gives once Markdown has converted it."""
    return html.escape(" ".join(str(value).split()), quote=False)


def yaml_str(value: object) -> str:
    """A front-matter value: HTML-escaped (themes print page.meta into HTML unescaped, e.g.
    <title> and <meta content>), then a YAML double-quoted scalar (JSON strings are YAML)."""
    return json.dumps(html.escape(" ".join(str(value).split()), quote=True), ensure_ascii=False)


def bytecode_dir(cache_dir: Path) -> Path:
    """Where the page templates are kept compiled: by Jinja's version and this code, which sets
    the environment's options and filters."""
    return compiled_templates_dir(cache_dir, "pages", keys.PAGE_TEMPLATES.code())


def make_environment(templates_dir: Path, compiled_dir: Path | None = None) -> jinja2.Environment:
    """The page templates' environment; with `compiled_dir`, compiled templates are kept there
    (compiling the page templates takes a rebuild a sixth of a second)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir / "pages")),
        bytecode_cache=checked_cache(compiled_dir) if compiled_dir is not None else None,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown output: each value is escaped by md_text or |e explicitly
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["md_text"] = md_text
    env.filters["html_text"] = html_text
    env.filters["yaml_str"] = yaml_str
    env.filters["safe_url"] = lambda url: safe_url(str(url)) is not None
    return env


@dataclass(frozen=True)
class Listed:
    paper: Paper
    summary: str = ""
    score: float = 0.0
    shared_tags: tuple[Tag, ...] = ()
    terms: tuple[str, ...] = ()
    pinned: bool = False


def newest_key(paper: Paper) -> tuple[object, ...]:
    """The order of newest_first."""
    if paper.date is None:
        return (True, (), paper.title.lower(), paper.id)
    year, month, day = paper.date.sort_key
    return (False, (-year, -month, -day), paper.title.lower(), paper.id)


def newest_first(
    papers: Iterable[Paper], keys: Mapping[str, tuple[object, ...]] | None = None
) -> list[Paper]:
    """Newest first (`keys`: newest_key by paper id, made once for papers in several lists)."""
    if keys is None:
        return sorted(papers, key=newest_key)
    return sorted(papers, key=lambda p: keys[p.id])


def tag_counts(review: Review) -> Counter[str]:
    return Counter(tag for paper in review.papers for tag in paper.tags)


def _group_entries(
    review: Review, counts: Mapping[str, int], members: Mapping[str, Sequence[Paper]]
) -> list[dict[str, object]]:
    """Each group of topics with its topics' counts and how many papers have any of them
    (`members`: each topic's papers)."""
    papers_in: Counter[str] = Counter()  # papers with at least one tag of the group
    for group in review.taxonomy.groups:
        ids: set[str] = set()
        for tag in review.taxonomy.tags.values():
            if tag.group == group:
                ids.update(p.id for p in members.get(tag.id, ()))
        papers_in[group] = len(ids)
    entries = []
    for group in review.taxonomy.groups.values():
        tags = [(t, counts.get(t.id, 0)) for t in review.taxonomy.tags.values() if t.group == group.id]
        if not tags:
            continue
        entries.append({"group": group, "tags": tags, "paper_count": papers_in[group.id]})
    return entries


class PageSet:
    """Output files by path relative to the docs dir; refuses to produce one path twice.

    A page can also be kept: its inputs have the same key as when the file on disk was written,
    so it is not rendered again (keys say what each page was made from)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.kept: set[str] = set()
        self.keys: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        self.paper_keys: set[str] = set()  # the fragments the pages were made with
        self.inputs: PaperPageInputs | None = None  # what the paper pages were made from

    def _claim(self, path: str) -> None:
        folded = path.casefold()
        if folded in self._folded:
            raise LitreviewError(
                f"two pages would be written to {path!r} (and {self._folded[folded]!r}); "
                "rename one of the ids"
            )
        self._folded[folded] = path

    def add(self, path: str, data: bytes | str, key: str | None = None) -> None:
        self._claim(path)
        self.files[path] = data.encode("utf-8") if isinstance(data, str) else data
        if key is not None:
            self.keys[path] = key

    def keep(self, path: str, key: str | None = None) -> None:
        self._claim(path)
        self.kept.add(path)
        if key is not None:
            self.keys[path] = key

    def paths(self) -> set[str]:
        return set(self.files) | self.kept


# Says whether the file at a docs path was written from inputs with this key.
IsCurrent = Callable[[str, str], bool]


def _never(_path: str, _key: str) -> bool:
    return False


def templates_key(templates_dir: Path) -> str:
    """What every page depends on besides its data: the page templates and this code."""
    sources = sorted((templates_dir / "pages").glob("*.j2"))
    return keys.PAGES.key([p.name for p in sources], [p.read_bytes() for p in sources])


def _paper_page_key(base: str, paper_key: str, shown: tuple[object, ...]) -> str:
    """What a paper page is made from: the templates and code (base), the paper (paper_key), and
    `shown`, a tuple of plain values (its tags' labels, its related papers' ids, titles, scores,
    shared tags and terms, its neighbours' ids and titles): one repr and one hash per page."""
    return content_key(base, paper_key, repr(shown))


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


@dataclass(frozen=True)
class PaperPageInputs:
    """What a render's paper pages were made from besides each page's own key: the next render
    compares with it to find the few pages whose inputs can have changed, and keeps every other
    page without computing its key (at 20,000 papers, computing them all takes most of a second)."""

    common: str  # the templates, code, site address, taxonomy and the related choices
    paper_keys: dict[str, str]
    neighbours: dict[str, tuple[str | None, str | None]]  # previous and next in the home topic


# Says which key the file at a docs path was written from, if the file is as it was written.
CurrentKey = Callable[[str], "str | None"]


# Below this many paper pages to render, one process does it all (a second costs a second to start).
PARALLEL_MIN_PAGES = 2000


# What a paper contributes to several files, made once per version of the paper and cached:
# its BibTeX entry, its summary and its references.json line. The entry and the line are UTF-8
# bytes: joined 20,000 at a time into references.bib and .json, they need no encoding then.
Fragment = tuple[bytes, str, bytes]


def paper_fragment(paper: Paper) -> Fragment:
    return bibtex_entry(paper).encode("utf-8"), summary(paper.abstract), csl_line(paper).encode("utf-8")


def render_paper_pages(
    templates_dir: Path, jobs: list[PaperJob], memo: dict[str, Fragment], compiled_dir: Path | None = None
) -> tuple[list[tuple[str, str, bytes]], dict[str, Fragment]]:
    """Render paper pages: (path, key, Markdown) each, and the fragments made that `memo` lacked."""
    template = make_environment(templates_dir, compiled_dir).get_template("paper.md.j2")
    pages, made = [], {}
    for job in jobs:
        fragment = memo.get(job.paper_key) or made.get(job.paper_key)
        if fragment is None:
            fragment = made[job.paper_key] = paper_fragment(job.paper)
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
        )
        pages.append((job.path, job.key, text.encode("utf-8")))
    return pages, made


def _render_paper_jobs(
    templates_dir: Path, jobs: list[PaperJob], memo: dict[str, Fragment], compiled_dir: Path | None = None
) -> list[tuple[str, str, bytes]]:
    """Paper pages rendered, half of them by a second process when there are many (rendering
    20,000 pages takes half a minute of one core, and the other core is idle then)."""
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


def render_pages(
    review: Review, inputs: RenderInputs, written: WrittenPages | None = None, cache: Cache | None = None
) -> PageSet:
    """Every page and data file of the site. A paper page whose inputs are unchanged since its
    file was written (`written`) is kept rather than rendered: in a large review that is most
    of the work of a rebuild. Each paper's fragments (BibTeX entry, summary, CSL line) come from
    `cache` where the paper is unchanged, and new ones are kept there."""
    written = written or NothingWritten()
    entry = keys.FRAGMENTS
    known = cache.get_dict(entry.name, entry.key()) if cache is not None else {}
    fragments = dict(known)  # _render_pages adds what it makes
    pages = _render_pages(
        review,
        inputs.templates_dir,
        inputs.site_title,
        inputs.site_url,
        written.is_current,
        fragments,
        inputs.paper_keys,
        related_key=inputs.related_key,
        before=written.inputs,
        current_key=written.current_key,
        compiled_dir=inputs.compiled_dir,
    )
    if cache is not None and fragments.keys() != known.keys():
        current = {k: v for k, v in fragments.items() if k in pages.paper_keys}
        cache.put_dict(entry.name, entry.key(), current, known)
    return pages


def _render_pages(
    review: Review,
    templates_dir: Path,
    site_title: str,
    site_url: str = "",
    is_current: IsCurrent = _never,
    fragments: dict[str, Fragment] | None = None,
    paper_keys: Mapping[str, str] | None = None,
    related_key: str | None = None,
    before: PaperPageInputs | None = None,
    current_key: CurrentKey | None = None,
    compiled_dir: Path | None = None,
) -> PageSet:
    env = make_environment(templates_dir, compiled_dir)
    pages = PageSet()
    by_id = {p.id: p for p in review.papers}
    tags = review.taxonomy.tags
    counts = tag_counts(review)
    base_key = content_key(templates_key(templates_dir), site_url)
    if paper_keys is None or any(p.id not in paper_keys for p in review.papers):
        paper_keys = {p.id: content_key(repr(p)) for p in review.papers}
    pages.paper_keys = set(paper_keys.values())
    memo = fragments if fragments is not None else {}

    def fragment(paper: Paper) -> Fragment:
        key = paper_keys[paper.id]
        if key not in memo:
            memo[key] = paper_fragment(paper)
        return memo[key]

    def bibtex_of(paper: Paper) -> bytes:
        return fragment(paper)[0]

    def summary_of(paper: Paper) -> str:
        return fragment(paper)[1]

    labels = {t.id: (t.id, t.label) for t in tags.values()}
    # Each topic's papers, newest first: one sort of all the papers, then one pass.
    topic_order: dict[str, list[Paper]] = {t: [] for t in tags}
    for p in newest_first(review.papers):
        for t in dict.fromkeys(p.tags):
            if t in topic_order:
                topic_order[t].append(p)
    # Previous and next within each paper's first topic (its home), in that topic page's order.
    home = {p.id: next((t for t in p.tags if t in tags), None) for p in review.papers}
    adjacent: dict[str, tuple[Paper | None, Paper | None]] = {}
    for t, members in topic_order.items():
        last = len(members) - 1
        for n, member in enumerate(members):
            if home[member.id] == t:
                adjacent[member.id] = (members[n - 1] if n else None, members[n + 1] if n < last else None)
    common = content_key(base_key, repr(review.taxonomy), related_key) if related_key else ""
    earlier = before if common and before is not None and before.common == common else None
    changed = {i for i, k in paper_keys.items() if earlier.paper_keys.get(i) != k} if earlier else set()
    related_lists = review.related
    showing_changed: set[str] = set()  # the papers listing a changed paper as related
    if earlier is not None and changed:
        if isinstance(related_lists, RelatedLists):
            showing_changed = related_lists.listing(changed)
        else:
            showing_changed = {
                i for i, items in related_lists.items() if not changed.isdisjoint(r.id for r in items)
            }
    neighbours: dict[str, tuple[str | None, str | None]] = {}
    jobs: list[PaperJob] = []
    for paper in review.papers:
        previous, following = adjacent.get(paper.id, (None, None))
        path = f"papers/{paper.id}.md"
        near = neighbours[paper.id] = (previous.id if previous else None, following.id if following else None)
        if (
            earlier is not None
            and current_key is not None
            and paper.id not in changed
            and paper.id not in showing_changed
            and earlier.neighbours.get(paper.id) == near
            and near[0] not in changed
            and near[1] not in changed
        ):
            kept = current_key(path)
            if kept is not None:
                pages.keep(path, kept)
                continue
        items = related_lists.get(paper.id, ())
        shown = (
            tuple(labels[t] for t in paper.tags if t in tags),
            tuple(
                (
                    item.id,
                    by_id[item.id].title,
                    item.score,
                    tuple(labels[t] for t in item.shared_tags if t in tags),
                    item.terms,
                    item.pinned,
                )
                for item in items
            ),
            (previous.id, previous.title) if previous else None,
            (following.id, following.title) if following else None,
        )
        key = _paper_page_key(base_key, paper_keys[paper.id], shown)
        if is_current(path, key):
            pages.keep(path, key)
            continue
        own_tags = [tags[t] for t in paper.tags if t in tags]
        related = [
            Listed(
                by_id[item.id],
                score=item.score,
                shared_tags=tuple(tags[t] for t in item.shared_tags if t in tags),
                terms=item.terms,
                pinned=item.pinned,
            )
            for item in items
        ]
        jobs.append(
            PaperJob(
                path,
                key,
                paper_keys[paper.id],
                paper,
                tuple(own_tags),
                tags.get(home[paper.id]) if home[paper.id] else None,
                previous,
                following,
                f"{site_url}papers/{paper.id}/" if site_url.startswith("http") else None,
                tuple(related),
            )
        )
    for path, key, data in _render_paper_jobs(templates_dir, jobs, memo, compiled_dir):
        pages.add(path, data, key)
    if common:
        pages.inputs = PaperPageInputs(common, dict(paper_keys), neighbours)

    topic_template = env.get_template("topic.md.j2")
    # A topic's page, bibliography and feed show its papers, the taxonomy and the site's title
    # and address: when none of those changed and the files are as written, they are kept (a tag
    # edit changes two or three of a large review's topics).
    topics_key = content_key(base_key, repr(review.taxonomy), site_title)
    for tag in tags.values():
        members = topic_order[tag.id]
        shown = "\n".join(paper_keys[p.id] for p in members)
        key = content_key(topics_key, tag.id, repr(review.key_terms.get(tag.id, ())), shown)
        page, bibliography, feed = (f"topics/{tag.id}.{kind}" for kind in ("md", "bib", "xml"))
        if is_current(page, key) and is_current(bibliography, key) and is_current(feed, key):
            for path in (page, bibliography, feed):
                pages.keep(path, key)
            continue
        together: Counter[str] = Counter(t for p in members for t in p.tags if t != tag.id and t in tags)
        text = topic_template.render(
            tag=tag,
            group=review.taxonomy.groups.get(tag.group),
            papers=[Listed(p, summary=summary_of(p)) for p in members[:TOPIC_LISTED]],
            paper_count=len(members),
            key_terms=review.key_terms.get(tag.id, ()),
            years_chart=years_chart(members, f"Papers on {tag.label} per year", "lr-years"),
            cooccurring=[(tags[t], n) for t, n in sorted(together.items(), key=lambda kv: (-kv[1], kv[0]))][
                :COOCCURRING_SHOWN
            ],
        )
        pages.add(page, text, key)
        by_id_order = sorted(members, key=lambda p: p.id)
        pages.add(bibliography, b"\n".join([bibtex_of(p) for p in by_id_order]), key)
        pages.add(
            feed,
            atom_feed(
                members,
                title=f"{site_title}: {tag.label}",
                feed_path=feed,
                page_path=f"topics/{tag.id}/",
                site_url=site_url,
                tags=tags,
            ),
            key,
        )
    pages.add(
        "feed.xml",
        atom_feed(
            review.papers, title=site_title, feed_path="feed.xml", page_path="", site_url=site_url, tags=tags
        ),
    )
    all_by_id = sorted(review.papers, key=lambda p: p.id)
    every = [fragment(p) for p in all_by_id]
    pages.add("references.bib", b"\n".join([f[0] for f in every]))
    pages.add("references.json", csl_json([f[2] for f in every]))
    groups = _group_entries(review, counts, topic_order)
    pages.add(
        "topics/index.md",
        env.get_template("topics.md.j2").render(
            groups=groups,
            tag_count=len(tags),
            cooccurrence=cooccurrence_chart(topic_order, tags, "lr-together"),
        ),
    )
    recent = newest_added(review.papers, NEWEST_ON_HOME)
    years = sorted({p.date.year for p in review.papers if p.date and p.date.year})
    span = f"{years[0]} to {years[-1]}" if len(years) > 1 else (str(years[0]) if years else None)
    pages.add(
        "index.md",
        env.get_template("home.md.j2").render(
            site_title=site_title,
            paper_count=len(review.papers),
            tag_count=len(tags),
            groups=groups,
            recent=[Listed(p) for p in recent],
            years=span,
            years_chart=years_chart(review.papers, "Papers per year", "lr-years"),
        ),
    )
    pages.add(
        "search/index.md",
        env.get_template("search.md.j2").render(
            tags=[(t, counts.get(t.id, 0)) for t in sorted(tags.values(), key=lambda t: t.label.lower())]
        ),
    )
    assets = templates_dir / "assets"
    for asset in sorted(assets.rglob("*")) if assets.is_dir() else []:
        if asset.is_file():
            pages.add(f"assets/{asset.relative_to(assets).as_posix()}", asset.read_bytes())
    return pages


@dataclass(frozen=True)
class Written:
    """What write_pages changed in the docs dir (paths relative to it)."""

    written: list[str]
    removed: list[str]


def write_pages(
    pages: PageSet, docs_dir: Path, before_change: Callable[[bool], None] = lambda removing: None
) -> Written:
    """Make docs_dir hold exactly `pages`: write changed files, delete stale ones; kept pages
    are left as they are. `before_change(removing)` runs once, before the first file changes."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    expected = pages.paths()
    stale: list[Path] = []
    empty: list[Path] = []
    top = str(docs_dir)
    for dirpath, _, filenames in os.walk(top, topdown=False):
        folder = os.path.relpath(dirpath, top).replace(os.sep, "/")
        prefix = "" if folder == "." else folder + "/"
        gone = [docs_dir / (prefix + name) for name in filenames if prefix + name not in expected]
        stale.extend(gone)
        if prefix and len(gone) == len(filenames):
            empty.append(docs_dir / folder)
    changing = False
    written: list[str] = []
    for rel, data in sorted(pages.files.items()):
        target = docs_dir / rel
        if holds(target, data):
            continue
        if not changing:
            before_change(bool(stale))
            changing = True
        atomic_write_bytes(target, data, durable=False)
        written.append(rel)
    if stale and not changing:
        before_change(True)
    for path in stale:
        path.unlink()
    for folder in empty:
        if not any(folder.iterdir()):
            folder.rmdir()
    return Written(written, sorted(p.relative_to(docs_dir).as_posix() for p in stale))
