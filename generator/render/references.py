"""The review's bibliographies besides each topic's .bib: references.ris, and each topic's RIS
and CSL-JSON (topics/<tag>.ris, topics/<tag>.json). references.bib and .json are made with the
overview (render.overview)."""

from __future__ import annotations

from generator.cache.store import content_key
from generator.render.cite import csl_json
from generator.render.context import RenderContext
from generator.render.inputs import WrittenPages
from generator.render.page_set import PageSet
from generator.render.ris import ris_file

REFERENCE_KINDS = ("ris", "json")


def add_reference_files(context: RenderContext, pages: PageSet, written: WrittenPages) -> None:
    """references.ris, and each topic's .ris and .json: papers by id. A topic's files are kept
    when its papers are unchanged (their paper keys cover their citation keys)."""
    by_id = sorted(context.review.papers, key=lambda p: p.id)
    pages.add("references.ris", ris_file([context.fragments.of(p)[3] for p in by_id]))
    base = content_key(context.base_key, "references")
    for tag in context.tags.values():
        members = sorted(context.topics[tag.id], key=lambda p: p.id)
        key = content_key(base, tag.id, "\n".join(context.paper_keys[p.id] for p in members))
        paths = [f"topics/{tag.id}.{kind}" for kind in REFERENCE_KINDS]
        if all(written.is_current(path, key) for path in paths):
            for path in paths:
                pages.keep(path, key)
            continue
        fragments = [context.fragments.of(p) for p in members]
        pages.add(paths[0], ris_file([f[3] for f in fragments]), key)
        pages.add(paths[1], csl_json([f[2] for f in fragments]), key)
