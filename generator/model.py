"""The data that flows through the pipeline: frozen records, no behaviour beyond formatting."""

from __future__ import annotations

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
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            raise ValueError(f"no such day: {month}/{day}")
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


@dataclass(frozen=True)
class Taxonomy:
    groups: dict[str, TagGroup]
    tags: dict[str, Tag]


@dataclass(frozen=True)
class RelatedPaper:
    id: str
    score: float
    shared_tags: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()  # the terms that contribute most to the similarity
    pinned: bool = False


@dataclass(frozen=True)
class Review:
    """Everything the render, index and catalog stages need: papers plus what enrichment found."""

    papers: tuple[Paper, ...]
    taxonomy: Taxonomy
    related: Mapping[str, tuple[RelatedPaper, ...]] = field(default_factory=dict)
    key_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by tag id
