"""Render the review as Markdown pages (and their static files) from the Jinja2 templates.

Every page is prepared in memory before anything is written (related papers and topic pages
need the whole collection), output paths are checked for collisions, and only files whose bytes
changed are rewritten, so MkDocs' dirty builds and diffs see just the real changes.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator.abstracts import abstract_html, external_links, safe_url, summary
from generator.charts import cooccurrence_chart, years_chart
from generator.cite import bibtex_entry, bibtex_file, csl_json
from generator.errors import LitreviewError
from generator.feeds import atom_feed, newest_added
from generator.model import Paper, Review, Tag
from generator.yamlio import atomic_write_bytes

NEWEST_ON_HOME = 10
COOCCURRING_SHOWN = 8
# Python-Markdown's escapable characters (with the tables extension's "|"); escaping any other
# character would leave its backslash visible.
_MD_ESCAPABLE = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")


def md_text(value: object) -> str:
    """Text for a Markdown context: HTML-escaped, Markdown syntax backslash-escaped, one line."""
    text = " ".join(str(value).split())
    text = html.escape(text, quote=False)
    return _MD_ESCAPABLE.sub(r"\\\1", text)


def yaml_str(value: object) -> str:
    """A front-matter value: HTML-escaped (themes print page.meta into HTML unescaped, e.g.
    <title> and <meta content>), then a YAML double-quoted scalar (JSON strings are YAML)."""
    return json.dumps(html.escape(" ".join(str(value).split()), quote=True), ensure_ascii=False)


def make_environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir / "pages")),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown output: each value is escaped by md_text or |e explicitly
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["md_text"] = md_text
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


def newest_first(papers: Iterable[Paper]) -> list[Paper]:
    return sorted(
        papers,
        key=lambda p: (
            p.date is None,
            tuple(-v for v in p.date.sort_key) if p.date else (),
            p.title.lower(),
            p.id,
        ),
    )


def tag_counts(review: Review) -> Counter[str]:
    return Counter(tag for paper in review.papers for tag in paper.tags)


def _group_entries(review: Review, counts: Mapping[str, int]) -> list[dict[str, object]]:
    entries = []
    for group in review.taxonomy.groups.values():
        tags = [(t, counts.get(t.id, 0)) for t in review.taxonomy.tags.values() if t.group == group.id]
        if not tags:
            continue
        members = {p.id for p in review.papers if any(t.id in p.tags for t, _ in tags)}
        entries.append({"group": group, "tags": tags, "paper_count": len(members)})
    return entries


class PageSet:
    """Output files by path relative to the docs dir; refuses to produce one path twice."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self._folded: dict[str, str] = {}

    def add(self, path: str, data: bytes | str) -> None:
        folded = path.casefold()
        if folded in self._folded:
            raise LitreviewError(
                f"two pages would be written to {path!r} (and {self._folded[folded]!r}); "
                "rename one of the ids"
            )
        self._folded[folded] = path
        self.files[path] = data.encode("utf-8") if isinstance(data, str) else data


def render_pages(review: Review, templates_dir: Path, site_title: str, site_url: str = "") -> PageSet:
    env = make_environment(templates_dir)
    pages = PageSet()
    by_id = {p.id: p for p in review.papers}
    tags = review.taxonomy.tags
    counts = tag_counts(review)

    paper_template = env.get_template("paper.md.j2")
    topic_order = {t: newest_first(p for p in review.papers if t in p.tags) for t in tags}
    for paper in review.papers:
        # Previous and next within the paper's first topic, in that topic page's order.
        home_topic = next((t for t in paper.tags if t in tags), None)
        siblings = topic_order.get(home_topic, []) if home_topic else []
        place = next((n for n, p in enumerate(siblings) if p.id == paper.id), None)
        previous = siblings[place - 1] if place else None
        following = siblings[place + 1] if place is not None and place + 1 < len(siblings) else None
        related = []
        for item in review.related.get(paper.id, ()):
            other = by_id[item.id]
            related.append(
                Listed(
                    other,
                    score=item.score,
                    shared_tags=tuple(tags[t] for t in item.shared_tags if t in tags),
                    terms=item.terms,
                    pinned=item.pinned,
                )
            )
        pages.add(
            f"papers/{paper.id}.md",
            paper_template.render(
                paper=paper,
                tags=[tags[t] for t in paper.tags if t in tags],
                summary=summary(paper.abstract),
                abstract_html=abstract_html(paper.abstract),
                links=external_links(paper.abstract),
                bibtex=bibtex_entry(paper),
                home_topic=tags.get(home_topic) if home_topic else None,
                previous=previous,
                following=following,
                permalink=f"{site_url}papers/{paper.id}/" if site_url.startswith("http") else None,
                related=related,
            ),
        )

    topic_template = env.get_template("topic.md.j2")
    for tag in tags.values():
        members = newest_first(p for p in review.papers if tag.id in p.tags)
        together: Counter[str] = Counter(t for p in members for t in p.tags if t != tag.id and t in tags)
        pages.add(
            f"topics/{tag.id}.md",
            topic_template.render(
                tag=tag,
                group=review.taxonomy.groups.get(tag.group),
                papers=[Listed(p, summary=summary(p.abstract)) for p in members],
                key_terms=review.key_terms.get(tag.id, ()),
                years_chart=years_chart(members, f"Papers on {tag.label} per year", "lr-years"),
                cooccurring=[
                    (tags[t], n) for t, n in sorted(together.items(), key=lambda kv: (-kv[1], kv[0]))
                ][:COOCCURRING_SHOWN],
            ),
        )

    for tag in tags.values():
        pages.add(f"topics/{tag.id}.bib", bibtex_file([p for p in review.papers if tag.id in p.tags]))
    pages.add(
        "feed.xml",
        atom_feed(
            review.papers, title=site_title, feed_path="feed.xml", page_path="", site_url=site_url, tags=tags
        ),
    )
    for tag in tags.values():
        pages.add(
            f"topics/{tag.id}.xml",
            atom_feed(
                [p for p in review.papers if tag.id in p.tags],
                title=f"{site_title}: {tag.label}",
                feed_path=f"topics/{tag.id}.xml",
                page_path=f"topics/{tag.id}/",
                site_url=site_url,
                tags=tags,
            ),
        )
    pages.add("references.bib", bibtex_file(review.papers))
    pages.add("references.json", csl_json(review.papers))
    groups = _group_entries(review, counts)
    pages.add(
        "topics/index.md",
        env.get_template("topics.md.j2").render(
            groups=groups,
            tag_count=len(tags),
            cooccurrence=cooccurrence_chart(review.papers, tags, "lr-together"),
        ),
    )
    recent = newest_added(review.papers)[:NEWEST_ON_HOME]
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


def write_pages(pages: PageSet, docs_dir: Path) -> tuple[int, int]:
    """Make docs_dir hold exactly `pages`: write changed files, delete stale ones.

    Returns (files written, files removed).
    """
    written = removed = 0
    docs_dir.mkdir(parents=True, exist_ok=True)
    for rel, data in sorted(pages.files.items()):
        target = docs_dir / rel
        if target.is_file() and target.read_bytes() == data:
            continue
        atomic_write_bytes(target, data)
        written += 1
    expected = set(pages.files)
    for path in sorted(docs_dir.rglob("*"), reverse=True):
        rel = path.relative_to(docs_dir).as_posix()
        if path.is_file() and rel not in expected:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written, removed
