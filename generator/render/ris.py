"""RIS out: each paper as a RIS record (references.ris, topics/<tag>.ris), from its reference.

The tags written are those import reads back into the same fields (ingest.formats.ris_reference):
TY, TI, AU, A2, PY, T2, J2, VL, IS, SP, EP, SN, DO, UR, PB, CY, LA, ET, ST, AB, KW.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from generator.ingest.formats import BIBTEX_TO_RIS, RIS_FIELDS
from generator.model import Name, Paper
from generator.records.latex import decode_latex
from generator.records.reference import exported

# rispy's field names -> RIS tags, for the fields of RIS_FIELDS.
_TAGS = {
    "volume": "VL",
    "number": "IS",
    "publisher": "PB",
    "place_published": "CY",
    "language": "LA",
    "edition": "ET",
    "short_title": "ST",
    "alternate_title1": "J2",
}


def _plain(value: str) -> str:
    return " ".join(decode_latex(value).split())


def _ris_name(name: Name) -> str:
    if name.literal:
        return _plain(name.literal)
    family = _plain(" ".join(p for p in (name.particle, name.family) if p))
    parts = [family, _plain(name.given)] if name.given else [family]
    if name.suffix:
        parts.append(_plain(name.suffix))
    return ", ".join(parts)


def _line(tag: str, value: str) -> str:
    # One line per tag: a RIS value cannot span lines.
    return f"{tag}  - {' '.join(value.split())}"


def ris_record(paper: Paper) -> str:
    """The paper's RIS record, ending with its ER line."""
    reference = exported(paper)
    kind = reference.ris_type or BIBTEX_TO_RIS.get(reference.type, "GEN")
    lines = [_line("TY", kind), _line("TI", paper.title)]
    for role, tag in (("author", "AU"), ("editor", "A2")):
        lines += [_line(tag, _ris_name(n)) for n in reference.people(role) if not n.others]
    year = re.search(r"\d{4}", reference.field("year") or reference.field("date") or "")
    if year:
        lines.append(_line("PY", year.group()))
    container = next(
        (reference.field(f) for f in ("journal", "journaltitle", "booktitle") if reference.field(f)), None
    )
    if container:
        lines.append(_line("T2", _plain(container)))
    for ris, bibtex in RIS_FIELDS:
        value = reference.field(bibtex)
        if value:
            lines.append(_line(_TAGS[ris], _plain(value)))
    pages = reference.field("pages")
    if pages:
        first, _, last = _pages(pages)
        lines.append(_line("SP", first))
        if last:
            lines.append(_line("EP", last))
    serial = reference.field("issn") or reference.field("isbn")
    if serial:
        lines.append(_line("SN", _plain(serial)))
    for tag, value in (("DO", reference.field("doi")), ("UR", reference.field("url"))):
        if value:
            lines.append(_line(tag, value))
    if paper.abstract:
        lines.append(_line("AB", paper.abstract))
    lines += [_line("KW", k) for k in _keywords(paper)]
    lines.append("ER  - ")
    return "\n".join(lines) + "\n"


def _pages(pages: str) -> tuple[str, str, str]:
    """First and last page of a BibTeX range (`12--34`); a value without `--` is one page
    (or a range written some other way), kept whole as SP."""
    first, dash, last = pages.partition("--")
    return _plain(first), dash, _plain(last)


def _keywords(paper: Paper) -> Sequence[str]:
    if paper.meta.keywords:
        return paper.meta.keywords
    reference = paper.meta.reference
    raw = reference.field("keywords") if reference else None
    return [k.strip() for k in re.split(r"[;,]", _plain(raw)) if k.strip()] if raw else []


def ris_file(records: Sequence[bytes]) -> bytes:
    """A RIS file of records (ris_record, UTF-8), one blank line between them."""
    return b"\n".join(records)
