"""Read reference-manager and API exports: BibTeX/BibLaTeX, RIS, Zotero CSV, arXiv API Atom,
and JSON Lines / JSON records. Each reader turns a file into SourceBlocks with bibliographic
metadata; an entry that cannot be read is reported (file and line or entry key) and skipped.

The format is recognised by content, not by file name.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

from generator.errors import ProblemLog
from generator.model import Bibliographic, Name, PaperDate, Reference, SourceBlock, SourceRef
from generator.records.latex import bibtex_escape, decode_latex
from generator.records.reference import (
    VERBATIM_FIELDS,
    arxiv_id_of,
    display_name,
    from_bibtex,
    truncated,
)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
ARXIV_ID = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arXiv:)?(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?", re.I
)
DOI = re.compile(r"10\.\d{4,9}/\S+", re.I)
ZOTERO_COLUMNS = {"Item Type", "Title", "Abstract Note"}


def detect_format(text: str, name: str = "") -> str | None:
    """'bibtex', 'ris', 'zotero-csv', 'arxiv-atom', 'jsonl', 'json', or None for a text dump."""
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head.startswith("<?xml") or head.startswith("<feed"):
        return "arxiv-atom" if "http://www.w3.org/2005/Atom" in head else None
    if re.search(
        r"^\s*@(?:article|inproceedings|misc|book|incollection|phdthesis|techreport|online|"
        r"unpublished|conference|report|thesis|string|preamble)\s*[{(]",
        head,
        re.I | re.M,
    ):
        return "bibtex"
    if re.search(r"^TY  - ", head, re.M):
        return "ris"
    first_line = head.splitlines()[0] if head else ""
    if {c.strip() for c in next(csv.reader([first_line]), [])} >= ZOTERO_COLUMNS:
        return "zotero-csv"
    if head.startswith("{") and head.splitlines()[0].rstrip().endswith("}"):
        return "jsonl"
    if head.startswith("["):
        return "json"
    return None


# Also lone surrogates (a JSON "\\ud800" escape), which no UTF-8 file can hold.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _clean(value: Any) -> str:
    """One line of text, without the control characters that XML (feeds) cannot carry."""
    return " ".join(_XML_UNSAFE.sub(" ", str(value)).split()) if value is not None else ""


def _words(value: Any) -> tuple[str, ...]:
    """A list of keywords, or a string of them ("cs.CL cs.LG", as arXiv's metadata has it)."""
    items = value.split() if isinstance(value, str) else value if isinstance(value, list) else []
    return tuple(c for c in (_clean(v) for v in items) if c)


def normalise_doi(value: Any) -> str | None:
    match = DOI.search(_clean(value))
    return match.group(0).rstrip(".,;").lower() if match else None


def normalise_arxiv_id(value: Any) -> str | None:
    match = ARXIV_ID.search(_clean(value))
    return match.group(1) if match else None


def _year(value: Any) -> int | None:
    match = re.search(r"\b(1[89]\d\d|20\d\d)\b", str(value or ""))
    return int(match.group(1)) if match else None


def _authors_count(meta: Bibliographic) -> int | None:
    """How many authors: none known when the list ends in "and others"."""
    if meta.reference is not None and truncated(meta.reference.people("author")):
        return None
    return len(meta.authors) or None


def _block(
    rel: str, line: int, title: str, abstract: str, meta: Bibliographic, date: PaperDate | None = None
) -> SourceBlock:
    return SourceBlock(
        ref=SourceRef(rel, line),
        abstract=abstract,
        title=title or None,
        # A list that ends in "and others" does not say how many authors there are.
        authors_count=None
        if meta.reference and truncated(meta.reference.people("author"))
        else len(meta.authors) or None,
        date=date,
        meta=meta,
    )


# --- BibTeX ---------------------------------------------------------------------------------


def _display_authors(reference: Reference) -> tuple[str, ...]:
    """The authors as a page lists them ("others" is not a person: the list is truncated)."""
    return tuple(display_name(n) for n in reference.people("author") if not n.others)


def _bibtex_entry(text: str, line: int, log: ProblemLog, where: Any) -> dict[str, str] | None:
    """The entry of one chunk of a .bib file, as bibtexparser reads it (values raw); None,
    with the problem logged, if it cannot be read."""
    import bibtexparser
    from bibtexparser.bparser import BibTexParser

    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    try:
        entries = bibtexparser.loads(text, parser=parser).entries
    except Exception as exc:  # bibtexparser raises assorted errors on broken input
        log.error(where, line, f"a BibTeX entry that cannot be read ({type(exc).__name__}); skipped")
        return None
    if not entries:
        key = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]+)", text)
        named = f" {key.group(1)!r}" if key else ""
        log.error(where, line, f"the BibTeX entry{named} cannot be read (unbalanced braces?); skipped")
        return None
    return entries[0]


def read_bibtex(text: str, rel: str, log: ProblemLog, where: Any) -> list[SourceBlock]:
    blocks = []
    # Parse entry by entry, so one broken entry costs only itself and its line is known.
    starts = [m.start() for m in re.finditer(r"^\s*@", text, re.M)] + [len(text)]
    for begin, end in itertools.pairwise(starts):
        chunk = text[begin:end]
        line = text.count("\n", 0, begin + len(chunk) - len(chunk.lstrip())) + 1  # the line of the "@"
        kind = re.match(r"\s*@(\w+)", chunk)
        if kind and kind.group(1).lower() in ("string", "preamble", "comment"):
            continue
        raw = _bibtex_entry(chunk, line, log, where)
        if raw is None:
            continue
        entry = {
            k.lower(): _clean(v) if k.lower() in VERBATIM_FIELDS else decode_latex(_clean(v))
            for k, v in raw.items()
            if k not in ("ID", "ENTRYTYPE")
        }
        key = raw.get("ID")
        title, abstract = entry.get("title", ""), entry.get("abstract", "")
        if not title and not abstract:
            log.warning(where, line, f"BibTeX entry {key!r} has neither title nor abstract; skipped")
            continue
        reference = from_bibtex(raw, chunk)
        keywords = tuple(k.strip() for k in re.split(r"[;,]", entry.get("keywords", "")) if k.strip())
        meta = Bibliographic(
            authors=_display_authors(reference),
            year=_year(entry.get("year") or entry.get("date")),
            venue=entry.get("journal") or entry.get("booktitle") or entry.get("journaltitle") or None,
            doi=normalise_doi(entry.get("doi")),
            arxiv_id=arxiv_id_of({k.lower(): _clean(v) for k, v in raw.items()}),
            url=entry.get("url") or None,
            keywords=keywords,
            key=key,
            reference=reference,
        )
        blocks.append(_block(rel, line, title, abstract, meta))
    return blocks


# --- RIS ------------------------------------------------------------------------------------

# RIS types and the BibTeX entry types they are (a type not here is `misc`, and the record
# keeps its RIS type as reference.ris_type); back, each BibTeX type's RIS type.
RIS_TYPES = {
    "JOUR": "article",
    "JFULL": "article",
    "EJOUR": "article",
    "MGZN": "article",
    "NEWS": "article",
    "CONF": "inproceedings",
    "CPAPER": "inproceedings",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "incollection",
    "ECHAP": "incollection",
    "THES": "phdthesis",
    "RPRT": "techreport",
    "UNPB": "unpublished",
    "MANSCPT": "unpublished",
    "ELEC": "online",
    "GEN": "misc",
}
BIBTEX_TO_RIS = {
    "article": "JOUR",
    "inproceedings": "CPAPER",
    "conference": "CPAPER",
    "proceedings": "CONF",
    "book": "BOOK",
    "incollection": "CHAP",
    "inbook": "CHAP",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "thesis": "THES",
    "techreport": "RPRT",
    "report": "RPRT",
    "unpublished": "UNPB",
    "online": "ELEC",
    "misc": "GEN",
}
# rispy's names of the RIS fields a reference keeps, and the BibTeX fields they become.
RIS_FIELDS = (
    ("volume", "volume"),
    ("number", "number"),
    ("publisher", "publisher"),
    ("place_published", "address"),
    ("language", "language"),
    ("edition", "edition"),
    ("short_title", "shorttitle"),
    ("alternate_title1", "shortjournal"),
)
RIS_CONTAINERS = ("secondary_title", "journal_name", "alternate_title3", "alternate_title2")


def _ris_text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return _clean(value)


def _ris_names(values: Any) -> tuple[Name, ...]:
    names = []
    for value in values if isinstance(values, list) else []:
        text = _clean(value)
        if not text:
            continue
        if "," in text:
            family, _, given = text.partition(",")
            names.append(Name(family=bibtex_escape(family.strip()), given=bibtex_escape(given.strip())))
        else:
            names.append(Name(literal=bibtex_escape(text)))
    return tuple(names)


def ris_reference(entry: dict[str, Any]) -> Reference:
    """The reference of a RIS record (as rispy reads it): BibTeX fields with escaped values."""
    ris_type = _clean(entry.get("type_of_reference")).upper() or "GEN"
    kind = RIS_TYPES.get(ris_type, "misc")
    fields: list[tuple[str, str]] = []
    title = _ris_text(entry.get("title") or entry.get("primary_title"))
    if title:
        fields.append(("title", bibtex_escape(title)))
    container = next((_ris_text(entry.get(k)) for k in RIS_CONTAINERS if _ris_text(entry.get(k))), "")
    if container:
        fields.append(
            (
                "booktitle" if kind in ("inproceedings", "incollection") else "journal",
                bibtex_escape(container),
            )
        )
    year = _year(entry.get("year") or entry.get("publication_year"))
    if year:
        fields.append(("year", str(year)))
    for ris, bibtex in RIS_FIELDS:
        value = _ris_text(entry.get(ris))
        if value:
            fields.append((bibtex, bibtex_escape(value)))
    start, end = _ris_text(entry.get("start_page")), _ris_text(entry.get("end_page"))
    if start or end:
        both = start and end
        fields.append(
            (
                "pages",
                f"{bibtex_escape(start)}--{bibtex_escape(end)}" if both else bibtex_escape(start or end),
            )
        )
    serial = _ris_text(entry.get("issn"))
    if serial:
        fields.append(("isbn" if kind in ("book", "incollection") else "issn", serial))
    doi = _ris_text(entry.get("doi"))
    if doi:
        fields.append(("doi", doi))
    urls = [u for u in entry.get("urls") or [] if isinstance(u, str) and u.strip()]
    if urls:
        fields.append(("url", _clean(urls[0])))
    names = []
    authors = _ris_names(entry.get("authors") or entry.get("first_authors"))
    if authors:
        names.append(("author", authors))
    editors = _ris_names(entry.get("secondary_authors"))
    if editors:
        names.append(("editor", editors))
    back = BIBTEX_TO_RIS.get(kind)
    return Reference(
        type=kind,
        key=None,
        names=tuple(names),
        fields=tuple(fields),
        ris_type=None if back == ris_type else ris_type,
    )


def read_ris(text: str, rel: str, log: ProblemLog, where: Any) -> list[SourceBlock]:
    import rispy

    blocks = []
    starts = [m.start() for m in re.finditer(r"^TY  - ", text, re.M)] + [len(text)]
    for begin, end in itertools.pairwise(starts):
        line = text.count("\n", 0, begin) + 1
        try:
            (entry,) = rispy.loads(text[begin:end])
        except Exception as exc:  # rispy raises on records without ER or with bad tags
            log.error(where, line, f"a RIS record that cannot be read ({type(exc).__name__}); skipped")
            continue
        title = _clean(entry.get("title") or entry.get("primary_title") or entry.get("translated_title"))
        abstract = _clean(entry.get("abstract") or entry.get("notes_abstract"))
        if not title and not abstract:
            log.warning(where, line, "a RIS record with neither title (TI/T1) nor abstract (AB/N2); skipped")
            continue
        urls = [u for u in entry.get("urls") or [] if isinstance(u, str)]
        authors = tuple(_clean(a) for a in (entry.get("authors") or entry.get("first_authors") or []))
        reference = ris_reference(entry)
        meta = Bibliographic(
            authors=tuple(_flip(a) for a in authors),
            year=_year(entry.get("year") or entry.get("publication_year") or entry.get("date")),
            venue=_clean(
                entry.get("journal_name") or entry.get("secondary_title") or entry.get("alternate_title3")
            )
            or None,
            doi=normalise_doi(entry.get("doi")),
            arxiv_id=arxiv_id_of({"doi": _clean(entry.get("doi")), "url": " ".join(urls)})
            or arxiv_id_of({"journal": _ris_text(entry.get("secondary_title") or entry.get("journal_name"))}),
            url=urls[0] if urls else None,
            keywords=tuple(_clean(k) for k in entry.get("keywords") or [] if _clean(k)),
            key=_clean(entry.get("id")) or None,
            reference=reference,
        )
        blocks.append(_block(rel, line, title, abstract, meta))
    return blocks


def _flip(name: str) -> str:
    if "," in name:
        last, _, first = name.partition(",")
        return f"{first.strip()} {last.strip()}".strip()
    return name


# --- Zotero CSV -----------------------------------------------------------------------------


def read_zotero_csv(text: str, rel: str, log: ProblemLog, where: Any) -> list[SourceBlock]:
    blocks = []
    reader = csv.DictReader(io.StringIO(text))
    try:
        for row in reader:
            blocks.extend(_zotero_row(row, reader.line_num, rel, log, where))
    except csv.Error as exc:  # a field over csv.field_size_limit() (128 KB), a NUL byte
        log.error(
            where,
            reader.line_num + 1,  # the line it stopped at is not counted yet
            f"the CSV cannot be read from this line on ({exc}); the rows above it are read",
        )
    return blocks


def _zotero_row(row: dict[str, Any], line: int, rel: str, log: ProblemLog, where: Any) -> list[SourceBlock]:
    """The paper of one row (none, with a warning, for a row without title and abstract)."""
    title, abstract = _clean(row.get("Title")), _clean(row.get("Abstract Note"))
    if not title and not abstract:
        log.warning(where, line, "a CSV row with neither Title nor Abstract Note; skipped")
        return []
    tags = [t for column in ("Manual Tags", "Automatic Tags") for t in (row.get(column) or "").split(";")]
    url = _clean(row.get("Url")) or None
    extra = row.get("Extra") or ""
    in_extra = re.search(r"arXiv:\s*\S+", extra)
    meta = Bibliographic(
        authors=tuple(_flip(a.strip()) for a in (row.get("Author") or "").split(";") if a.strip()),
        year=_year(row.get("Publication Year") or row.get("Date")),
        venue=_clean(row.get("Publication Title") or row.get("Proceedings Title")) or None,
        doi=normalise_doi(row.get("DOI")),
        arxiv_id=normalise_arxiv_id(url if url and "arxiv.org" in url else None)
        or normalise_arxiv_id(in_extra.group(0) if in_extra else None)
        or arxiv_id_of({"doi": _clean(row.get("DOI")), "journal": _clean(row.get("Publication Title"))}),
        url=url,
        keywords=tuple(t.strip() for t in tags if t.strip()),
        key=_clean(row.get("Key")) or None,
    )
    return [_block(rel, line, title, abstract, meta)]


# --- arXiv API Atom -------------------------------------------------------------------------


def read_arxiv_atom(text: str, rel: str, log: ProblemLog, where: Any) -> list[SourceBlock]:
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        log.error(where, exc.position[0] if exc.position else None, f"the XML cannot be read: {exc}")
        return []
    blocks = []
    lines = _entry_lines(text)
    for number, entry in enumerate(root.iter(f"{ATOM}entry")):
        line = lines[number] if number < len(lines) else None
        identifier = _clean(entry.findtext(f"{ATOM}id"))
        title = _clean(entry.findtext(f"{ATOM}title"))
        abstract = _clean(entry.findtext(f"{ATOM}summary"))
        if not title and not abstract:
            log.warning(where, line, "an Atom entry with neither title nor summary; skipped")
            continue
        pdf = next(
            (link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("title") == "pdf"), None
        )
        published = _clean(entry.findtext(f"{ATOM}published"))
        date = None
        if re.match(r"\d{4}-\d{2}-\d{2}", published):
            try:
                date = PaperDate.parse(published[:10])
            except ValueError:
                log.warning(where, line, f"published date {published!r} is not a real day; ignored")
        meta = Bibliographic(
            authors=tuple(_clean(a.findtext(f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")),
            year=date.year if date else None,
            venue=_clean(entry.findtext(f"{ARXIV}journal_ref")) or None,
            doi=normalise_doi(entry.findtext(f"{ARXIV}doi")),
            arxiv_id=normalise_arxiv_id(identifier),
            url=identifier or None,
            pdf_url=pdf,
            keywords=tuple(c.get("term", "") for c in entry.findall(f"{ATOM}category") if c.get("term")),
            key=identifier or None,
        )
        blocks.append(_block(rel, line or 1, title, abstract, meta, date))
    return blocks


def _entry_lines(text: str) -> list[int]:
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<entry[\s>]", text)]


# --- JSON Lines / JSON ----------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    return str(exc).split(";")[0][:160] or type(exc).__name__


def _json_records(text: str, kind: str, log: ProblemLog, where: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if kind == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            log.error(where, exc.lineno, f"the JSON cannot be read: {exc.msg}")
            return
        except (ValueError, RecursionError) as exc:  # an integer of thousands of digits, deep nesting
            log.error(where, None, f"the JSON cannot be read: {_reason(exc)}")
            return
        for number, record in enumerate(data if isinstance(data, list) else []):
            if isinstance(record, dict):
                yield number + 1, record
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            log.error(where, number, f"a line that is not a JSON object ({exc.msg}); skipped")
            continue
        except (ValueError, RecursionError) as exc:
            log.error(where, number, f"a line that cannot be read ({_reason(exc)}); skipped")
            continue
        if isinstance(record, dict):
            yield number, record
        else:
            log.error(where, number, "a line that is not a JSON object; skipped")


def read_json_records(
    text: str, rel: str, log: ProblemLog, where: Any, kind: str = "jsonl"
) -> list[SourceBlock]:
    blocks = []
    for line, record in _json_records(text, kind, log, where):
        title, abstract = _clean(record.get("title")), _clean(record.get("abstract"))
        if not title and not abstract:
            log.warning(where, line, "a record with neither title nor abstract; skipped")
            continue
        identifier = _clean(record.get("id")) or None
        authors = record.get("authors") or []
        if isinstance(authors, str):
            authors = [a.strip() for a in re.split(r",| and ", authors) if a.strip()]
        elif not isinstance(authors, list):
            log.warning(where, line, f'"authors" should be a list or a string, not {authors!r:.40}; ignored')
            authors = []
        arxiv = normalise_arxiv_id(identifier) if identifier and ARXIV_ID.fullmatch(identifier) else None
        arxiv = arxiv or normalise_arxiv_id(record.get("arxiv_id"))
        meta = Bibliographic(
            authors=tuple(_clean(a) for a in authors if _clean(a)),
            year=_year(record.get("year") or record.get("date") or record.get("published")),
            venue=_clean(record.get("venue") or record.get("journal")) or None,
            doi=normalise_doi(record.get("doi")),
            arxiv_id=arxiv,
            url=_clean(record.get("url")) or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None),
            pdf_url=f"https://arxiv.org/pdf/{arxiv}" if arxiv else None,
            keywords=_words(record.get("categories") or record.get("keywords")),
            key=identifier,
        )
        blocks.append(_block(rel, line, title, abstract, meta))
    return blocks


READERS: dict[str, Callable[[str, str, ProblemLog, Any], list[SourceBlock]]] = {
    "bibtex": read_bibtex,
    "ris": read_ris,
    "zotero-csv": read_zotero_csv,
    "arxiv-atom": read_arxiv_atom,
    "jsonl": read_json_records,
    "json": lambda text, rel, log, where: read_json_records(text, rel, log, where, kind="json"),
}
