"""The data that flows through the pipeline: frozen records, no behaviour beyond formatting."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True, order=True)
class PaperDate:
    """A publication date; listings often omit the year ("May 7")."""

    year: int | None
    month: int
    day: int

    @property
    def sort_key(self) -> tuple[int, int, int]:
        # A listing shows no year for dates in its own (current) year, so those are the newest.
        return (self.year if self.year is not None else 9999, self.month, self.day)

    def to_text(self) -> str:
        if self.year is None:
            return f"{MONTHS[self.month - 1]} {self.day}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def display(self) -> str:
        text = f"{MONTHS[self.month - 1]} {self.day}"
        return f"{text}, {self.year}" if self.year is not None else f"{text} (year not given)"

    @classmethod
    def parse(cls, text: str) -> PaperDate:
        """Parse `2017-11-27`, `Nov 27, 2017` or `May 7`; raise ValueError otherwise."""
        text = text.strip()
        iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
        if iso:
            year, month, day = (int(g) for g in iso.groups())
            return cls._checked(year, month, day)
        named = re.fullmatch(r"([A-Z][a-z]{2})[a-z]*\.? (\d{1,2})(?:, (\d{4}))?", text)
        if named and named.group(1) in MONTHS:
            year = int(named.group(3)) if named.group(3) else None
            return cls._checked(year, MONTHS.index(named.group(1)) + 1, int(named.group(2)))
        raise ValueError(f"not a date: {text!r}")

    @classmethod
    def _checked(cls, year: int | None, month: int, day: int) -> PaperDate:
        if not 1 <= month <= 12:
            raise ValueError(f"no such month: {month}")
        # Without a year, Feb 29 may exist; with one, the calendar decides.
        last_day = calendar.monthrange(year if year is not None else 2000, month)[1]
        if not 1 <= day <= last_day:
            in_year = f", {year}" if year is not None else ""
            raise ValueError(f"no such day: {MONTHS[month - 1]} {day}{in_year}")
        return cls(year, month, day)


@dataclass(frozen=True, order=True)
class SourceRef:
    """Where a paper was found: a file under content/ and the 1-based line of its first line."""

    file: str
    line: int


@dataclass(frozen=True)
class SourceBlock:
    """One abstract block as read from a source file, before de-duplication."""

    ref: SourceRef
    abstract: str
    title: str | None = None
    authors_count: int | None = None
    date: PaperDate | None = None
    upvotes: int | None = None
    meta: Bibliographic | None = None


@dataclass(frozen=True)
class Name:
    """One person of a reference's name list, in BibTeX's parts (as written, LaTeX and all):
    `particle` is the "von" part, `suffix` the "Jr." part; `literal` a name that has no parts
    (an institution, `{OpenAI Team}`); `others` the "and others" of a truncated list."""

    family: str = ""
    given: str = ""
    particle: str = ""
    suffix: str = ""
    literal: str = ""
    others: bool = False


@dataclass(frozen=True)
class Reference:
    """A paper's reference as its source gave it: entry type, citation key, name lists (author,
    editor, ...) and every other field, each value as written in BibTeX (braces that protect
    capitals kept), in the source's order. `ris_type` keeps a RIS record's TY when the
    BibTeX type does not give it back."""

    type: str = "misc"
    key: str | None = None
    names: tuple[tuple[str, tuple[Name, ...]], ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    ris_type: str | None = None

    def field(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def people(self, role: str) -> tuple[Name, ...]:
        return next((names for key, names in self.names if key == role), ())


@dataclass(frozen=True)
class Bibliographic:
    """What reference managers and the arXiv API know about a paper, beyond its text."""

    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    pdf_url: str | None = None
    keywords: tuple[str, ...] = ()
    key: str | None = None  # the entry's key or id in its file, for messages
    reference: Reference | None = None  # the full reference, when the source had one

    def fields(self) -> dict[str, object]:
        """The non-empty fields, in record order, as a paper record stores them."""
        values: dict[str, object] = {
            "authors": list(self.authors),
            "year": self.year,
            "venue": self.venue,
            "doi": self.doi,
            "arxiv_id": self.arxiv_id,
            "url": self.url,
            "pdf_url": self.pdf_url,
            "keywords": list(self.keywords),
        }
        return {k: v for k, v in values.items() if v not in (None, [], "")}


@dataclass(frozen=True)
class Screening:
    """Where a record that is not included stands in a systematic review's flow: excluded (at
    `stage`, for `reason`) or awaiting a decision (records/exclusions.py has the YAML)."""

    status: str
    stage: str | None = None
    reason: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Paper:
    """A paper as curated in content/papers/<id>.yaml."""

    id: str
    title: str
    abstract: str
    tags: tuple[str, ...]
    fingerprint: str
    title_derived: bool = False
    date: PaperDate | None = None
    authors_count: int | None = None
    upvotes: int | None = None
    sources: tuple[SourceRef, ...] = ()
    notes: str = ""
    related_pin: tuple[str, ...] = ()  # ids a person wants listed as related, in this order
    related_hide: tuple[str, ...] = ()  # ids a person never wants listed as related
    meta: Bibliographic = field(default_factory=lambda: Bibliographic())
    added: str | None = None  # the day (YYYY-MM-DD) the paper entered the review
    path: str = ""  # the YAML file, relative to the project, for messages
    screening: Screening | None = None  # None: included (records without screening fields are)
    # The extracted values (`fields:` in the record), by field name in the record's order, as
    # YAML gave them (a list as a tuple); records/fields.py checks them against the declarations.
    fields: tuple[tuple[str, object], ...] = ()

    def value_of(self, name: str) -> object:
        """The value of the extraction field `name`, None when the record gives none."""
        for key, value in self.fields:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class TagGroup:
    id: str
    label: str
    description: str


@dataclass(frozen=True)
class Tag:
    id: str
    label: str
    description: str
    group: str
    match: tuple[str, ...] = ()
    min_hits: int = 1
    aliases: tuple[str, ...] = ()  # keywords of exports (BibTeX keywords, Zotero tags) that mean this tag


FIELD_TYPES = ("text", "number", "integer", "year", "choice", "choices", "boolean", "url")


@dataclass(frozen=True)
class FieldSpec:
    """An extraction field declared in content/fields.yaml: what every paper may record of it."""

    id: str
    label: str
    type: str  # one of FIELD_TYPES
    description: str = ""
    unit: str = ""  # of a number
    choices: tuple[str, ...] = ()  # of a choice or choices field, in the order pages list them
    shown: bool = True  # on paper pages (every field is in the tables, the CSV and the search)


@dataclass(frozen=True)
class MatrixAxis:
    """One dimension of an evidence-gap matrix: the tags of a group, or the values of a field."""

    kind: str  # "group" or "field"
    id: str


@dataclass(frozen=True)
class MatrixSpec:
    """A matrix the review declares (fields.yaml `matrices:`): papers counted per cell."""

    id: str
    label: str
    rows: MatrixAxis
    columns: MatrixAxis
    description: str = ""


@dataclass(frozen=True)
class Taxonomy:
    """How the review classifies papers: groups and tags (tags.yaml) and the extraction fields,
    the comparison table's columns and the matrices it declares (fields.yaml, beside it)."""

    groups: dict[str, TagGroup]
    tags: dict[str, Tag]
    fields: tuple[FieldSpec, ...] = ()
    table: tuple[str, ...] = ()  # the comparison tables' field columns, in order
    matrices: tuple[MatrixSpec, ...] = ()


@dataclass(frozen=True)
class RelatedPaper:
    id: str
    score: float
    shared_tags: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()  # the terms that contribute most to the similarity
    pinned: bool = False
    # Its tags that the paper's nearest papers carry, when they helped choose it (tag support).
    tags_used: tuple[str, ...] = ()


@dataclass(frozen=True)
class Review:
    """Everything the render, index and catalog stages need: papers plus what enrichment found."""

    papers: tuple[Paper, ...]
    taxonomy: Taxonomy
    related: Mapping[str, tuple[RelatedPaper, ...]] = field(default_factory=dict)
    key_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by tag id
    flow: Flow | None = None  # a systematic review's PRISMA 2020 flow (content/review.yaml)


@dataclass(frozen=True)
class FlowRecord:
    """A record as a box of the flow diagram lists it."""

    id: str
    title: str
    included: bool
    year: int | None = None
    reason: str | None = None  # the label of its exclusion reason
    sources: tuple[str, ...] = ()  # database names, one per source entry
    date: str | None = None  # the day of the decision
    source: str | None = None  # in an identification box: the source entry (file:line)
    stage: str = "included"  # the stage it left the flow at, or its status


@dataclass(frozen=True)
class FlowBox:
    """One box of the flow diagram: its PRISMA2020 data name, text, count and records.
    `parts`: the lines under its heading (a database's count, a reason's count)."""

    id: str
    label: str
    count: int
    records: tuple[FlowRecord, ...] = ()
    parts: tuple[FlowBox, ...] = ()


@dataclass(frozen=True)
class Flow:
    """The PRISMA 2020 flow of a systematic review, every count computed from the records."""

    boxes: Mapping[str, FlowBox]
    title: str = ""
    excluded: tuple[FlowRecord, ...] = ()  # every record not included, for the excluded page
