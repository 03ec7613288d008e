"""What reference managers read on a paper's page: Highwire Press `citation_*` meta tags (Google
Scholar's inclusion guidelines, Zotero's "Embedded Metadata" translator) and a COinS span
(OpenURL ContextObject in a `<span class="Z3988">`, which Zotero and Mendeley read too)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from generator.model import Name, Paper, Reference
from generator.records.latex import decode_latex
from generator.records.reference import exported

# The Highwire tag that names the container, by entry type (Zotero takes the item type from it).
_CONTAINER_TAG = {
    "article": "citation_journal_title",
    "inproceedings": "citation_conference_title",
    "conference": "citation_conference_title",
    "proceedings": "citation_conference_title",
    "incollection": "citation_book_title",
    "inbook": "citation_book_title",
}


def _plain(value: str | None) -> str:
    return " ".join(decode_latex(value).split()) if value else ""


def author_content(name: Name) -> str:
    """A citation_author value: "Family, Given" (Google Scholar's example), except when both
    parts have spaces: Zotero would take "van der Berg, Ann Marie" for two authors, so that
    one is written "Ann Marie van der Berg"."""
    if name.literal:
        return _plain(name.literal)
    family = _plain(" ".join(p for p in (name.particle, name.family) if p))
    given = _plain(" ".join(p for p in (name.given, name.suffix) if p))
    if not given:
        return family
    if " " in family and " " in given:
        return f"{given} {family}"
    return f"{family}, {given}"


def _date(paper: Paper, year: str | None) -> str | None:
    """YYYY/MM/DD when the record has the whole day, else the year (Google Scholar's formats)."""
    if paper.date is not None and paper.date.year is not None and (not year or str(paper.date.year) == year):
        return f"{paper.date.year:04d}/{paper.date.month:02d}/{paper.date.day:02d}"
    return year


def _pages(value: str | None) -> tuple[str, str]:
    first, _, last = re.sub(r"\s*-+\s*", "-", value or "").partition("-")
    return _plain(first), _plain(last)


def _container_tags(reference: Reference, arxiv_id: str | None) -> list[tuple[str, str]]:
    """Where the paper appeared: journal, conference, book, thesis or report institution."""
    tags = []
    container = next(
        (reference.field(f) for f in ("journal", "journaltitle", "booktitle") if reference.field(f)), None
    )
    if container and not (arxiv_id and "arxiv" in container.lower()):
        tags.append((_CONTAINER_TAG.get(reference.type, "citation_journal_title"), _plain(container)))
    if reference.type in ("phdthesis", "mastersthesis", "thesis") and reference.field("school"):
        tags.append(("citation_dissertation_institution", _plain(reference.field("school"))))
    report = reference.type in ("techreport", "report")
    if report and reference.field("institution"):
        tags.append(("citation_technical_report_institution", _plain(reference.field("institution"))))
        if reference.field("number"):
            tags.append(("citation_technical_report_number", _plain(reference.field("number"))))
    fields = [("volume", "citation_volume")] + ([] if report else [("number", "citation_issue")])
    tags += [(tag, _plain(reference.field(f))) for f, tag in fields if reference.field(f)]
    first, last = _pages(reference.field("pages"))
    tags += [
        (tag, page) for tag, page in (("citation_firstpage", first), ("citation_lastpage", last)) if page
    ]
    for field, tag in (
        ("publisher", "citation_publisher"),
        ("issn", "citation_issn"),
        ("isbn", "citation_isbn"),
    ):
        if reference.field(field):
            tags.append((tag, _plain(reference.field(field))))
    return tags


def _link_tags(paper: Paper, page_url: str | None) -> list[tuple[str, str]]:
    """Identifiers and links: DOI, arXiv id, PDF, the page itself."""
    meta = paper.meta
    tags = []
    if meta.doi:
        tags.append(("citation_doi", meta.doi))
    if meta.arxiv_id:
        tags.append(("citation_arxiv_id", meta.arxiv_id))
    pdf = f"https://arxiv.org/pdf/{meta.arxiv_id}" if meta.arxiv_id else meta.pdf_url
    if pdf and pdf.startswith(("https://", "http://")):
        tags.append(("citation_pdf_url", pdf))
    if page_url:
        tags.append(("citation_abstract_html_url", page_url))
    return tags


def highwire_tags(paper: Paper, page_url: str | None = None) -> list[tuple[str, str]]:
    """The (name, content) of each meta tag, in the order Google Scholar lists them."""
    reference = exported(paper)
    tags: list[tuple[str, str]] = [("citation_title", paper.title)]
    tags += [("citation_author", author_content(n)) for n in reference.people("author") if not n.others]
    year_match = re.search(r"\d{4}", reference.field("year") or reference.field("date") or "")
    date = _date(paper, year_match.group() if year_match else None)
    if date:
        tags.append(("citation_publication_date", date))
    tags += _container_tags(reference, paper.meta.arxiv_id)
    tags += _link_tags(paper, page_url)
    if paper.abstract:
        tags.append(("citation_abstract", " ".join(paper.abstract.split())))
    keywords = [k for k in paper.meta.keywords if ";" not in k]
    if keywords:
        tags.append(("citation_keywords", "; ".join(keywords)))
    language = reference.field("language") or reference.field("langid")
    if language:
        tags.append(("citation_language", _plain(language)))
    return tags


# --- COinS ----------------------------------------------------------------------------------

_JOURNAL = "info:ofi/fmt:kev:mtx:journal"
_BOOK = "info:ofi/fmt:kev:mtx:book"
_GENRES = {
    "article": (_JOURNAL, "article"),
    "inproceedings": (_BOOK, "proceeding"),
    "conference": (_BOOK, "proceeding"),
    "proceedings": (_BOOK, "conference"),
    "incollection": (_BOOK, "bookitem"),
    "inbook": (_BOOK, "bookitem"),
    "book": (_BOOK, "book"),
    "techreport": (_BOOK, "report"),
    "report": (_BOOK, "report"),
}


def coins_title(paper: Paper) -> str:
    """The title attribute of the paper's COinS span (an OpenURL 1.0 KEV ContextObject)."""
    reference = exported(paper)
    fmt, genre = _GENRES.get(reference.type, (_JOURNAL if paper.meta.arxiv_id else _BOOK, "document"))
    pairs: list[tuple[str, str]] = [("ctx_ver", "Z39.88-2004"), ("rft_val_fmt", fmt)]
    if paper.meta.doi:
        pairs.append(("rft_id", f"info:doi/{paper.meta.doi}"))
    if paper.meta.arxiv_id:
        pairs.append(("rft_id", f"https://arxiv.org/abs/{paper.meta.arxiv_id}"))
    pairs.append(("rft.genre", genre if fmt == _BOOK or genre != "document" else "preprint"))
    in_part = fmt == _JOURNAL or genre in ("proceeding", "bookitem")
    pairs.append(("rft.atitle" if in_part else "rft.btitle", paper.title))
    container = next(
        (reference.field(f) for f in ("journal", "journaltitle", "booktitle") if reference.field(f)), None
    )
    if container:
        pairs.append(("rft.jtitle" if fmt == _JOURNAL else "rft.btitle", _plain(container)))
    authors = [n for n in reference.people("author") if not n.others]
    if authors and not authors[0].literal:
        pairs += [("rft.aulast", _plain(authors[0].family)), ("rft.aufirst", _plain(authors[0].given))]
    pairs += [("rft.au", author_content(n)) for n in authors]
    year = re.search(r"\d{4}", reference.field("year") or reference.field("date") or "")
    if year:
        pairs.append(("rft.date", year.group()))
    for field, key in (("volume", "rft.volume"), ("number", "rft.issue"), ("publisher", "rft.pub")):
        if reference.field(field):
            pairs.append((key, _plain(reference.field(field))))
    first, last = _pages(reference.field("pages"))
    if first:
        pairs.append(("rft.spage", first))
    if last:
        pairs.append(("rft.epage", last))
    return urlencode([(k, v) for k, v in pairs if v])
