"""Field-by-field comparison of exports with what went in (shared by the round-trip tests)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import splitname

from generator.records.latex import decode_latex

# What litreview does not claim to keep from a BibTeX entry (README, "References in and out").
BIBTEX_NOT_KEPT = {"file"}
BIBTEX_NAME_FIELDS = {"author", "editor", "translator", "bookauthor"}


def parse_bib(text: str) -> list[dict[str, str]]:
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    return bibtexparser.loads(text, parser=parser).entries


def _names(value: str) -> list[dict[str, list[str]]]:
    names = re.split(r"\s+and\s+", " ".join(value.split()))
    return [splitname(n, strict_mode=False) for n in names if n]


def _same_text(value: str) -> str:
    return " ".join(value.split())


def _same_abstract(value: str) -> str:
    """An abstract as its reader sees it: LaTeX decoded, whitespace normalised."""
    return " ".join(decode_latex(value).split())


@dataclass
class Comparison:
    """How many entries and fields came back identical, and what differed."""

    entries: int = 0
    identical_entries: int = 0
    fields: int = 0
    identical_fields: int = 0
    differences: list[str] = field(default_factory=list)

    def add(self, where: str, name: str, before: Any, after: Any) -> bool:
        self.fields += 1
        if before == after:
            self.identical_fields += 1
            return True
        self.differences.append(f"{where}: {name}: {before!r} -> {after!r}")
        return False

    @property
    def share(self) -> str:
        return (
            f"{self.identical_entries}/{self.entries} entries and "
            f"{self.identical_fields}/{self.fields} fields identical"
        )


def compare_bibtex(original: Iterable[dict[str, str]], exported: Iterable[dict[str, str]]) -> Comparison:
    """Each original entry against the exported entry with its key: type, then each field
    (names by their parts, the abstract after decoding, the rest as written)."""
    out = {e["ID"]: e for e in exported}
    result = Comparison()
    for entry in original:
        result.entries += 1
        key = entry["ID"]
        back = out.get(key)
        ok = result.add(key, "key", key, back["ID"] if back else None)
        if back is None:
            continue
        ok &= result.add(key, "ENTRYTYPE", entry["ENTRYTYPE"].lower(), back["ENTRYTYPE"].lower())
        for name, value in entry.items():
            if name in ("ID", "ENTRYTYPE") or name in BIBTEX_NOT_KEPT or not value.strip():
                continue
            got = back.get(name)
            if name in BIBTEX_NAME_FIELDS:
                ok &= result.add(key, name, _names(value), _names(got or ""))
            elif name == "abstract":
                ok &= result.add(key, name, _same_abstract(value), _same_abstract(got or ""))
            else:
                ok &= result.add(key, name, _same_text(value), _same_text(got or ""))
        result.identical_entries += ok
    return result


# --- RIS ------------------------------------------------------------------------------------

RIS_CONTAINERS = ("secondary_title", "journal_name", "alternate_title3", "alternate_title2")
RIS_KEPT = (
    "volume",
    "number",
    "publisher",
    "place_published",
    "language",
    "edition",
    "short_title",
    "alternate_title1",
    "issn",
    "doi",
    "start_page",
    "end_page",
)


def ris_view(record: dict[str, Any]) -> dict[str, Any]:
    """The fields litreview claims to keep of a RIS record, as rispy reads them."""

    def text(value: Any) -> str:
        if isinstance(value, list):
            value = value[0] if value else ""
        return " ".join(str(value or "").split())

    year = re.search(r"\d{4}", text(record.get("year") or record.get("publication_year")))
    view = {
        "type_of_reference": text(record.get("type_of_reference")),
        "title": text(record.get("title") or record.get("primary_title")),
        "authors": [text(a) for a in record.get("authors") or record.get("first_authors") or [] if text(a)],
        "secondary_authors": [text(a) for a in record.get("secondary_authors") or [] if text(a)],
        "year": year.group() if year else "",
        "container": next((text(record.get(k)) for k in RIS_CONTAINERS if text(record.get(k))), ""),
        "abstract": text(record.get("abstract") or record.get("notes_abstract")),
        # Keywords as a list without repeats (a record is tagged with a keyword or not).
        "keywords": list(dict.fromkeys(text(k) for k in record.get("keywords") or [] if text(k))),
        "url": text((record.get("urls") or [""])[0]),
    }
    view.update({name: text(record.get(name)) for name in RIS_KEPT})
    return view


def compare_ris(original: Iterable[dict[str, Any]], exported: Iterable[dict[str, Any]]) -> Comparison:
    """Each original record against the exported record with its title, field by field."""
    out = {ris_view(r)["title"].casefold(): ris_view(r) for r in exported}
    result = Comparison()
    for record in original:
        before = ris_view(record)
        if not before["title"] and not before["abstract"]:
            continue  # import skips it (and says so)
        result.entries += 1
        after = out.get(before["title"].casefold())
        where = before["title"][:50]
        ok = result.add(where, "record", True, after is not None)
        if after is None:
            continue
        for name, value in before.items():
            if value in ("", []):
                continue
            ok &= result.add(where, name, value, after[name])
        result.identical_entries += ok
    return result


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")
