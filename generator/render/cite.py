"""Citing back out: BibTeX and CSL-JSON for papers, topics and the whole review."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from generator.encoding import compact_json
from generator.model import Paper
from generator.records.abstracts import plain_text

# Characters BibTeX treats as syntax inside a braced value.
_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


_BIBTEX_TABLE = str.maketrans(_BIBTEX_SPECIAL)


def bibtex_escape(text: str) -> str:
    escaped = " ".join(text.split()).translate(_BIBTEX_TABLE)
    # LaTeX ligatures ("--" is a dash, "``" a quote) are broken up to stay as typed.
    for pair in ("--", "``", "''"):
        while pair in escaped:
            escaped = escaped.replace(pair, pair[0] + "{}" + pair[1])
    return escaped


def citation_key(paper: Paper) -> str:
    """A stable key: the paper's id (already unique, ASCII, no spaces)."""
    return paper.id


def entry_type(paper: Paper) -> str:
    return "article" if paper.meta.venue else "misc"


def bibtex_fields(paper: Paper) -> list[tuple[str, str]]:
    meta = paper.meta
    fields: list[tuple[str, str]] = [("title", paper.title)]
    if meta.authors:
        fields.append(("author", " and ".join(meta.authors)))
    year = meta.year or (paper.date.year if paper.date else None)
    if year:
        fields.append(("year", str(year)))
    if meta.venue:
        fields.append(("journal", meta.venue))
    if meta.doi:
        fields.append(("doi", meta.doi))
    if meta.arxiv_id:
        fields += [("eprint", meta.arxiv_id), ("archiveprefix", "arXiv")]
    if meta.url:
        fields.append(("url", meta.url))
    if paper.tags:
        fields.append(("keywords", ", ".join(paper.tags)))
    if paper.abstract:
        fields.append(("abstract", plain_text(paper.abstract)))
    return fields


VERBATIM_FIELDS = {"url", "doi", "eprint"}  # written as they are (only braces would break them)


def _value(name: str, value: str) -> str:
    return value.replace("{", "").replace("}", "") if name in VERBATIM_FIELDS else bibtex_escape(value)


def bibtex_entry(paper: Paper) -> str:
    body = ",\n".join(f"  {name} = {{{_value(name, value)}}}" for name, value in bibtex_fields(paper))
    return f"@{entry_type(paper)}{{{citation_key(paper)},\n{body}\n}}\n"


def csl_item(paper: Paper) -> dict[str, Any]:
    meta = paper.meta
    item: dict[str, Any] = {
        "id": paper.id,
        "type": "article-journal" if meta.venue else "article",
        "title": paper.title,
    }
    if meta.authors:
        item["author"] = [_csl_name(a) for a in meta.authors]
    year = meta.year or (paper.date.year if paper.date else None)
    if year:
        item["issued"] = {"date-parts": [[year]]}
    if meta.venue:
        item["container-title"] = meta.venue
    if meta.doi:
        item["DOI"] = meta.doi
    if meta.url:
        item["URL"] = meta.url
    if paper.abstract:
        item["abstract"] = plain_text(paper.abstract)
    if paper.tags:
        item["keyword"] = ", ".join(paper.tags)
    return item


def _csl_name(name: str) -> dict[str, str]:
    parts = name.split()
    if len(parts) == 1:
        return {"literal": name}
    # "van de Schoot" style particles stay with the family name.
    split = next(
        (i for i, p in enumerate(parts[:-1]) if re.fullmatch(r"(van|von|de|der|den|da|di|le|la|du)", p)),
        len(parts) - 1,
    )
    return {"given": " ".join(parts[:split]), "family": " ".join(parts[split:])}


def csl_line(paper: Paper) -> str:
    """The paper's CSL-JSON item on one line, as references.json holds it."""
    return compact_json(csl_item(paper))


def csl_json(lines: Sequence[bytes]) -> bytes:
    """references.json from its items' csl_line (UTF-8), papers sorted by id: one item per line.
    Joined as bytes: in a large review the file is large, and a str would need encoding again."""
    return b"[\n" + b",\n".join(lines) + b"\n]\n" if lines else b"[]\n"
