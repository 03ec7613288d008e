"""Atom feeds of the newest papers: one for the review, one per topic."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from generator.model import Paper, Tag
from generator.ordering import NO_DAY, newest_added
from generator.records.abstracts import summary

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
# Characters XML 1.0 does not allow at all, even escaped: C0 controls but tab and newlines, lone
# surrogates, U+FFFE and U+FFFF. A hand-edited title may hold them (YAML's "\x01" or "\uffff").
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 forbids, so every feed parses."""
    return _NOT_XML.sub("", text)


def atom_feed(
    papers: Sequence[Paper],
    *,
    title: str,
    feed_path: str,
    page_path: str,
    site_url: str,
    tags: dict[str, Tag],
) -> bytes:
    """An Atom 1.0 document. With the site's address known, links are absolute (feed readers
    that ignore xml:base still open the right page; xml:base is the address too); without it,
    links are relative to the feed's own address and there is no xml:base, since a relative
    reference resolves against the document's address, which is right wherever the site is
    served. Ids are the pages' addresses or, without one, stable URNs."""
    ET.register_namespace("", ATOM_NS)
    base = site_url if site_url.startswith(("http://", "https://")) else ""

    def element(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
        clean = {key: xml_text(value) for key, value in attributes.items()}
        node = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", clean)
        if text is not None:
            node.text = xml_text(text)
        return node

    def identifier(path: str) -> str:
        return base + path if base else f"urn:litreview:{path.strip('/') or 'review'}"

    def href(path: str) -> str:
        # With the site's address, absolute; without, relative to the feed's own folder.
        if base:
            return base + path
        return ("../" * feed_path.count("/") + path) or "./"

    entries = newest_added(papers, FEED_SIZE)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    if base:
        feed.set("{http://www.w3.org/XML/1998/namespace}base", base)
    element(feed, "title", title)
    element(feed, "id", identifier(feed_path))
    updated = max((p.added or NO_DAY for p in entries), default=NO_DAY)
    element(feed, "updated", f"{updated}T00:00:00Z")
    element(feed, "link", rel="self", href=href(feed_path))
    element(feed, "link", rel="alternate", href=href(page_path))
    element(feed, "generator", "litreview")
    author = element(feed, "author")
    element(author, "name", title)
    for paper in entries:
        entry = element(feed, "entry")
        element(entry, "title", paper.title)
        element(entry, "id", identifier(f"papers/{paper.id}/"))
        element(entry, "link", rel="alternate", href=href(f"papers/{paper.id}/"))
        element(entry, "updated", f"{paper.added or NO_DAY}T00:00:00Z")
        for name in paper.meta.authors[:20]:
            element(element(entry, "author"), "name", name)
        for tag in paper.tags:
            if tag in tags:
                element(entry, "category", term=tag, label=tags[tag].label)
        element(entry, "summary", summary(paper.abstract, 400) if paper.abstract else paper.title)
    ET.indent(feed)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"
