"""The pages and files about the whole review: the home page, the topics index, the search
page, feed.xml, references.bib and .json, and the templates' static assets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from generator.errors import LitreviewError
from generator.files import files_inside
from generator.model import Paper, Review
from generator.ordering import newest_added
from generator.render.charts import cooccurrence_chart, years_chart
from generator.render.cite import csl_json
from generator.render.context import Listed, RenderContext
from generator.render.feeds import atom_feed
from generator.render.page_set import PageSet

NEWEST_ON_HOME = 10


def _group_entries(review: Review, topics: Mapping[str, Sequence[Paper]]) -> list[dict[str, object]]:
    """Each group of topics with its topics' counts and how many papers have any of them
    (`topics`: each topic's papers)."""
    papers_in: dict[str, int] = {}  # papers with at least one tag of the group
    for group in review.taxonomy.groups:
        ids: set[str] = set()
        for tag in review.taxonomy.tags.values():
            if tag.group == group:
                ids.update(p.id for p in topics.get(tag.id, ()))
        papers_in[group] = len(ids)
    entries = []
    for group in review.taxonomy.groups.values():
        tags = [(t, len(topics[t.id])) for t in review.taxonomy.tags.values() if t.group == group.id]
        if not tags:
            continue
        entries.append({"group": group, "tags": tags, "paper_count": papers_in[group.id]})
    return entries


def _years_span(papers: Sequence[Paper]) -> str | None:
    years = sorted({p.date.year for p in papers if p.date and p.date.year})
    return f"{years[0]} to {years[-1]}" if len(years) > 1 else (str(years[0]) if years else None)


def _home_page(context: RenderContext, groups: list[dict[str, object]]) -> str:
    papers = context.review.papers
    return context.env.get_template("home.md.j2").render(
        site_title=context.site_title,
        paper_count=len(papers),
        tag_count=len(context.tags),
        groups=groups,
        recent=[Listed(p) for p in newest_added(papers, NEWEST_ON_HOME)],
        years=_years_span(papers),
        years_chart=years_chart(papers, "Papers per year", "lr-years"),
    )


def _facet_names(review: Review) -> list[str]:
    """What the search page's filters offer (as search/facets.py makes them), for their heading."""
    papers = review.papers
    names = ["topics", "years"] if any(p.date or p.meta.year for p in papers) else ["topics"]
    names += ["venues"] if any(p.meta.venue for p in papers) else []
    names += ["authors"] if any(p.meta.authors for p in papers) else []
    return names + [f.label for f in review.taxonomy.fields if f.type not in ("text", "url")]


def _search_page(context: RenderContext) -> str:
    tags = sorted(context.tags.values(), key=lambda t: t.label.lower())
    return context.env.get_template("search.md.j2").render(
        tags=[(t, len(context.topics[t.id])) for t in tags],
        fields=bool(context.review.taxonomy.fields),
        facets=_facet_names(context.review),
        matrices=bool(context.review.taxonomy.matrices),
    )


def _add_references(context: RenderContext, pages: PageSet) -> None:
    """references.bib and references.json: every paper, by id."""
    every = [context.fragments.of(p) for p in sorted(context.review.papers, key=lambda p: p.id)]
    pages.add("references.bib", b"\n".join([f[0] for f in every]))
    pages.add("references.json", csl_json([f[2] for f in every]))


def _add_assets(templates_dir: Path, pages: PageSet) -> None:
    """Every file of templates/assets/ as it is, under assets/ (the review is templates/'s folder)."""
    assets = templates_dir / "assets"
    if not assets.is_dir():
        return
    root = templates_dir.absolute().parent.resolve()
    if assets.is_symlink() and not assets.resolve().is_relative_to(root):
        raise LitreviewError(f"{assets} is a symbolic link out of the review ({root}); make it a folder")
    for asset in files_inside(assets, root):
        pages.add(f"assets/{asset.relative_to(assets).as_posix()}", asset.read_bytes())


def add_overview(context: RenderContext, pages: PageSet) -> None:
    """The review's feed, bibliographies, topics index, home and search pages, and assets."""
    review, tags = context.review, context.tags
    site_title, site_url = context.site_title, context.site_url
    feed = atom_feed(
        review.papers, title=site_title, feed_path="feed.xml", page_path="", site_url=site_url, tags=tags
    )
    pages.add("feed.xml", feed)
    _add_references(context, pages)
    groups = _group_entries(review, context.topics)
    chart = cooccurrence_chart(context.topics, tags, "lr-together")
    topics_index = context.env.get_template("topics.md.j2").render(
        groups=groups, tag_count=len(tags), cooccurrence=chart
    )
    pages.add("topics/index.md", topics_index)
    pages.add("index.md", _home_page(context, groups))
    pages.add("search/index.md", _search_page(context))
    _add_assets(context.templates_dir, pages)
