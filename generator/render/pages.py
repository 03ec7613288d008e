"""Render the review as Markdown pages (and their static files) from the Jinja2 templates.

Every page is prepared in memory before anything is written (related papers and topic pages
need the whole collection); each kind of page is made by its own module (paper_pages,
topic_pages, overview), from one RenderContext."""

from __future__ import annotations

from pathlib import Path

from generator.cache import keys
from generator.cache.store import Cache, content_key
from generator.model import Review
from generator.ordering import topic_order
from generator.records.reference import citation_keys
from generator.render.context import RenderContext
from generator.render.environment import make_environment
from generator.render.fragments import Fragment, Fragments
from generator.render.inputs import NothingWritten, RenderInputs, WrittenPages
from generator.render.matrix import add_evidence
from generator.render.overview import add_overview
from generator.render.page_set import PageSet
from generator.render.paper_pages import add_paper_pages
from generator.render.references import add_reference_files
from generator.render.screening_pages import add_screening_pages
from generator.render.topic_pages import add_topic_pages


def templates_key(templates_dir: Path) -> str:
    """What every page depends on besides its data: the page templates and this code."""
    sources = sorted((templates_dir / "pages").glob("*.j2"))
    return keys.PAGES.key([p.name for p in sources], [p.read_bytes() for p in sources])


def _context(review: Review, inputs: RenderInputs, memo: dict[str, Fragment]) -> RenderContext:
    """The render's context; `memo` (fragments by paper key) is filled in as pages are made."""
    paper_keys = inputs.paper_keys
    if paper_keys is None or any(p.id not in paper_keys for p in review.papers):
        paper_keys = {p.id: content_key(repr(p)) for p in review.papers}
    cited = citation_keys(review.papers)
    # A paper's own key (its source's, or the conventional one) follows from the paper; a key
    # that a clash changed is part of what the paper's entries are made from.
    paper_keys = {
        paper_id: content_key(key, cited.keys[paper_id]) if paper_id in cited.renamed else key
        for paper_id, key in paper_keys.items()
    }
    return RenderContext(
        review=review,
        env=make_environment(inputs.templates_dir, inputs.compiled_dir),
        templates_dir=inputs.templates_dir,
        compiled_dir=inputs.compiled_dir,
        site_title=inputs.site_title,
        site_url=inputs.site_url,
        base_key=content_key(templates_key(inputs.templates_dir), inputs.site_url),
        fragments=Fragments(paper_keys, memo, cited.keys),
        topics=topic_order(review.papers, review.taxonomy.tags),
    )


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
    fragments = dict(known)  # the pages' modules add what they make
    context = _context(review, inputs, fragments)
    pages = PageSet()
    pages.paper_keys = set(context.paper_keys.values())
    add_paper_pages(context, pages, written, inputs.related_key)
    add_topic_pages(context, pages, written)
    add_overview(context, pages)
    add_reference_files(context, pages, written)  # references.ris, each topic's .ris and .json
    add_screening_pages(context, pages, inputs.screening_lists)
    add_evidence(context, pages)  # papers.csv and the evidence-gap matrices
    if cache is not None and fragments.keys() != known.keys():
        current = {k: v for k, v in fragments.items() if k in pages.paper_keys}
        cache.put_dict(entry.name, entry.key(), current, known)
    return pages
