"""Citing back out: BibTeX and CSL-JSON for papers, topics and the whole review.

Both are made from the paper's reference as records.reference.exported gives it: the entry
type, key, names and fields its source had (values as written, protective braces and all),
completed from the record. The citation key is the one citation_keys gave the paper: unique in
the review.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from generator.encoding import compact_json
from generator.model import Name, Paper, Reference
from generator.records.latex import bibtex_escape, decode_latex
from generator.records.reference import (
    NAME_FIELDS,
    VERBATIM_FIELDS,
    arxiv_id_of,
    bibtex_names,
    exported,
)

__all__ = ["VERBATIM_FIELDS", "bibtex_entry", "bibtex_escape", "bibtex_fields", "csl_item"]

_MATH = re.compile(r"(\$[^$]+\$)")


def _balanced(text: str) -> bool:
    depth = 0
    for match in re.finditer(r"\\.|[{}]", text):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def text_value(text: str) -> str:
    """Plain text (an abstract) as a BibTeX value; its $math$ stays math."""
    parts = _MATH.split(" ".join(text.split()))
    return "".join(
        part if part.startswith("$") and _balanced(part) else _escape_keeping_spaces(part) for part in parts
    )


def _escape_keeping_spaces(part: str) -> str:
    lead = " " if part[:1].isspace() else ""
    trail = " " if part[-1:].isspace() and part.strip() else ""
    return lead + bibtex_escape(part) + trail


def _safe(value: str) -> str:
    """A value as written, unless its braces do not balance (a hand edit): then escaped."""
    return value if _balanced(value) else bibtex_escape(value)


def bibtex_fields(paper: Paper, reference: Reference | None = None) -> list[tuple[str, str]]:
    """The entry's fields, as BibTeX text: title first, then the name lists, the other fields in
    their source's order, and the abstract."""
    reference = reference or exported(paper)
    fields: list[tuple[str, str]] = []
    title = reference.field("title")
    if title:
        fields.append(("title", _safe(title)))
    for role, names in reference.names:
        if names:
            fields.append((role, _safe(bibtex_names(names))))
    for name, value in reference.fields:
        if name != "title" and name not in NAME_FIELDS and value:
            fields.append((name, _safe(value)))
    if paper.abstract:
        fields.append(("abstract", text_value(paper.abstract)))
    return fields


def bibtex_entry(paper: Paper, key: str | None = None) -> str:
    """The paper's BibTeX entry under `key` (its reference's own key, or its id, if none)."""
    reference = exported(paper)
    key = key or reference.key or paper.id
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in bibtex_fields(paper, reference))
    return f"@{reference.type}{{{key},\n{body}\n}}\n"


# --- CSL-JSON -------------------------------------------------------------------------------

CSL_TYPES = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "book": "book",
    "mvbook": "book",
    "booklet": "pamphlet",
    "inbook": "chapter",
    "incollection": "chapter",
    "bookinbook": "chapter",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "manual": "report",
    "unpublished": "manuscript",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "dataset": "dataset",
    "software": "software",
    "patent": "patent",
    "periodical": "periodical",
    "misc": "document",
}
# BibTeX field -> CSL variable, for fields that map one to one (values decoded to plain text).
CSL_FIELDS = {
    "volume": "volume",
    "edition": "edition",
    "publisher": "publisher",
    "address": "publisher-place",
    "location": "publisher-place",
    "series": "collection-title",
    "isbn": "ISBN",
    "issn": "ISSN",
    "note": "note",
    "shorttitle": "title-short",
    "shortjournal": "container-title-short",
    "language": "language",
    "langid": "language",
    "eventtitle": "event-title",
    "venue": "event-place",
    "version": "version",
    "howpublished": "medium",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "chapter": "chapter-number",
}
CSL_NAMES = {
    "author": "author",
    "editor": "editor",
    "translator": "translator",
    "bookauthor": "container-author",
}
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def _plain(value: str) -> str:
    return " ".join(decode_latex(value).split())


def _csl_name(name: Name) -> dict[str, str]:
    if name.literal:
        return {"literal": _plain(name.literal)}
    out = {"family": _plain(name.family)}
    if name.given:
        out["given"] = _plain(name.given)
    if name.particle:
        out["non-dropping-particle"] = _plain(name.particle)
    if name.suffix:
        out["suffix"] = _plain(name.suffix)
    return out


def _month(value: str | None) -> int | None:
    if not value:
        return None
    text = value.strip().lower()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    return _MONTHS.get(text[:3])


def _issued(reference: Reference) -> dict[str, Any] | None:
    date = reference.field("date")
    if date:
        parts = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date)
        if parts:
            return {"date-parts": [[int(p) for p in parts.groups() if p]]}
        return {"literal": _plain(date)}
    year = re.search(r"\d{4}", reference.field("year") or "")
    if not year:
        return None
    month = _month(reference.field("month"))
    return {"date-parts": [[int(year.group()), month] if month else [int(year.group())]]}


def _csl_type(reference: Reference, arxiv: str | None) -> str:
    kind = CSL_TYPES.get(reference.type, "document")
    journal = reference.field("journal") or reference.field("journaltitle") or ""
    if arxiv and (kind == "document" or (kind == "article-journal" and "arxiv" in journal.lower())):
        return "article"  # a preprint, as Zotero exports one
    return kind


def _container(reference: Reference, kind: str) -> str | None:
    for field in ("journal", "journaltitle", "booktitle", "maintitle"):
        value = reference.field(field)
        if value and not (kind == "article" and "arxiv" in value.lower()):
            return _plain(value)
    return None


def _csl_publication(item: dict[str, Any], reference: Reference, kind: str, arxiv: str | None) -> None:
    """Where and how the paper was published: container, date, numbers, pages, publisher."""
    issued = _issued(reference)
    if issued:
        item["issued"] = issued
    container = _container(reference, kind)
    if container:
        item["container-title"] = container
    for field, variable in CSL_FIELDS.items():
        value = reference.field(field)
        if value and variable not in item:
            item[variable] = _plain(value)
    number = reference.field("number")
    if number:
        periodical = kind in ("article-journal", "article-magazine", "paper-conference")
        item["issue" if periodical else "number"] = _plain(number)
    pages = reference.field("pages")
    if pages:
        item["page"] = _plain(re.sub(r"\s*-+\s*", "-", pages))
    institution = reference.field("school") or reference.field("institution")
    if institution and "publisher" not in item:
        item["publisher"] = _plain(institution)
    if reference.type in ("phdthesis", "mastersthesis"):
        item["genre"] = "PhD thesis" if reference.type == "phdthesis" else "Master's thesis"
    if kind == "article" and arxiv:
        item.setdefault("number", f"arXiv:{arxiv}")
        item.setdefault("publisher", "arXiv")


def _csl_links(item: dict[str, Any], paper: Paper, reference: Reference) -> None:
    """DOI, URL, the day the URL was read, keywords and abstract."""
    doi = reference.field("doi") or paper.meta.doi  # as the source wrote it
    if doi:
        item["DOI"] = re.sub(r"^https?://(dx\.)?doi\.org/", "", doi, flags=re.I)
    url = reference.field("url") or paper.meta.url
    if url:
        item["URL"] = url
    accessed = re.match(r"(\d{4})-(\d{2})-(\d{2})", reference.field("urldate") or "")
    if accessed:
        item["accessed"] = {"date-parts": [[int(p) for p in accessed.groups()]]}
    keywords = reference.field("keywords")
    if keywords:
        item["keyword"] = _plain(keywords)
    if paper.abstract:
        item["abstract"] = " ".join(paper.abstract.split())


def csl_item(paper: Paper, key: str | None = None) -> dict[str, Any]:
    """The paper's CSL-JSON item (CSL 1.0.2 input data), `id` its citation key. A name list's
    "and others" has no CSL form: the names known are listed."""
    reference = exported(paper)
    arxiv = paper.meta.arxiv_id or arxiv_id_of(dict(reference.fields))
    kind = _csl_type(reference, arxiv)
    item: dict[str, Any] = {"id": key or reference.key or paper.id, "type": kind, "title": paper.title}
    for role, names in reference.names:
        variable = CSL_NAMES.get(role)
        people = [_csl_name(n) for n in names if not n.others]
        if variable and people:
            item[variable] = people
    _csl_publication(item, reference, kind, arxiv)
    _csl_links(item, paper, reference)
    return item


def csl_line(paper: Paper, key: str | None = None) -> str:
    """The paper's CSL-JSON item on one line, as references.json holds it."""
    return compact_json(csl_item(paper, key))


def csl_json(lines: Sequence[bytes]) -> bytes:
    """references.json from its items' csl_line (UTF-8), papers sorted by id: one item per line.
    Joined as bytes: in a large review the file is large, and a str would need encoding again."""
    return b"[\n" + b",\n".join(lines) + b"\n]\n" if lines else b"[]\n"
