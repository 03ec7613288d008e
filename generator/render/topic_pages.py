"""Each topic's page, its bibliography (.bib) and its Atom feed."""

from __future__ import annotations

from collections import Counter

import jinja2

from generator.cache.store import content_key
from generator.model import Paper, Tag
from generator.render.charts import years_chart
from generator.render.context import Listed, RenderContext
from generator.render.feeds import atom_feed
from generator.render.inputs import WrittenPages
from generator.render.page_set import PageSet
from generator.render.tables import comparison_table, papers_csv

# A topic page lists its newest papers; the search page lists all of a topic's papers (filtered
# by topic, newest first). A page listing every paper of a large topic is slow to build and to read.
TOPIC_LISTED = 200
COOCCURRING_SHOWN = 8


def _topic_page(context: RenderContext, template: jinja2.Template, tag: Tag, members: list[Paper]) -> str:
    tags = context.tags
    together: Counter[str] = Counter(t for p in members for t in p.tags if t != tag.id and t in tags)
    cooccurring = [(tags[t], n) for t, n in sorted(together.items(), key=lambda kv: (-kv[1], kv[0]))]
    return template.render(
        tag=tag,
        group=context.review.taxonomy.groups.get(tag.group),
        papers=[Listed(p, summary=context.fragments.summary(p)) for p in members[:TOPIC_LISTED]],
        paper_count=len(members),
        key_terms=context.review.key_terms.get(tag.id, ()),
        years_chart=years_chart(members, f"Papers on {tag.label} per year", "lr-years"),
        cooccurring=cooccurring[:COOCCURRING_SHOWN],
        table=comparison_table(context.review.taxonomy, members, f"../{tag.id}.csv"),
        matrices=bool(context.review.taxonomy.matrices),
    )


def _topic_feed(context: RenderContext, tag: Tag, members: list[Paper], feed: str) -> bytes:
    return atom_feed(
        members,
        title=f"{context.site_title}: {tag.label}",
        feed_path=feed,
        page_path=f"topics/{tag.id}/",
        site_url=context.site_url,
        tags=context.tags,
    )


def add_topic_pages(context: RenderContext, pages: PageSet, written: WrittenPages) -> None:
    """A topic's page, bibliography and feed show its papers, the taxonomy and the site's title
    and address: when none of those changed and the files are as written, they are kept (a tag
    edit changes only a few of a large review's topics)."""
    review = context.review
    template = context.env.get_template("topic.md.j2")
    topics_key = content_key(context.base_key, repr(review.taxonomy), context.site_title)
    for tag in context.tags.values():
        members = context.topics[tag.id]
        shown = "\n".join(context.paper_keys[p.id] for p in members)
        key = content_key(topics_key, tag.id, repr(review.key_terms.get(tag.id, ())), shown)
        kinds = ("md", "bib", "xml", "csv") if review.taxonomy.fields else ("md", "bib", "xml")
        page, bibliography, feed, *table = paths = tuple(f"topics/{tag.id}.{kind}" for kind in kinds)
        if all(written.is_current(path, key) for path in paths):
            for path in paths:
                pages.keep(path, key)
            continue
        pages.add(page, _topic_page(context, template, tag, members), key)
        by_id_order = sorted(members, key=lambda p: p.id)
        pages.add(bibliography, b"\n".join([context.fragments.bibtex(p) for p in by_id_order]), key)
        pages.add(feed, _topic_feed(context, tag, members, feed), key)
        if table:  # every paper of the topic with every field, newest first
            pages.add(table[0], papers_csv(members, review.taxonomy.fields), key)
