"""Paper records in content/papers/<id>.yaml: the only module that reads or writes them.

A record is created once, by import. After that a person owns it: import only refreshes the
fields that come from sources (`sources`, and metadata the record lacks), in place, keeping
their comments, and never touches `title` (unless still the derived one), `tags` or `notes`.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import pickle
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from generator.cache.digests import FileDigests, file_digest
from generator.cache.keys import PARSED_RECORDS
from generator.cache.store import Cache
from generator.errors import Problem, ProblemLog
from generator.files import atomic_write_bytes
from generator.model import Bibliographic, Paper, PaperDate, SourceRef, Taxonomy
from generator.records.slugs import PAPER_ID_PATTERN
from generator.records.yamlio import YamlSyntaxError, dump_new, load_with_lines, update_in_place

PAPER_KEYS = (
    "id",
    "title",
    "title_derived",
    "tags",
    "notes",
    "related",
    "date",
    "authors_count",
    "upvotes",
    "authors",
    "year",
    "venue",
    "doi",
    "arxiv_id",
    "url",
    "pdf_url",
    "keywords",
    "added",
    "abstract",
    "sources",
    "split",
    "fingerprint",
)
TEXT_FIELDS = ("venue", "doi", "arxiv_id", "url", "pdf_url")
LIST_FIELDS = ("authors", "keywords")
# Limits that keep a mistaken or hostile record from costing minutes or gigabytes.
MAX_RECORD_BYTES = 1024 * 1024
MAX_TAGS_PER_PAPER = 50
MAX_TITLE_CHARS = 1000

PARSED_CACHE = PARSED_RECORDS.name

HEADER = (
    "# One paper of the review. Edit title, tags and notes freely: litreview keeps your edits.\n"
    "# The id is permanent (it is the page URL). sources and fingerprint are kept by `import`.\n"
)


@dataclass(frozen=True)
class PaperFile:
    paper: Paper
    # The record's path as a string; `path` makes the Path when asked for (making 20,000 of them
    # takes a rebuild a tenth of a second, and few are asked for).
    place: str
    lines: Mapping[tuple[str | int, ...], int]
    split: tuple[str, ...] = ()
    imported_digest: bytes = b""  # of imported_fields(), when load_papers has it from its cache
    digest: bytes = b""  # of the file's name and bytes: the record's key in load_papers' cache

    @cached_property
    def path(self) -> Path:
        return Path(self.place)


def imported_fields(record: PaperFile) -> bytes:
    """A digest of what a record says about its sources (not tags or notes): import's input."""
    if record.imported_digest:
        return record.imported_digest
    paper = record.paper
    fields = (
        paper.id,
        paper.fingerprint,
        paper.sources,
        record.split,
        paper.title,
        paper.title_derived,
        paper.abstract,
        paper.date,
        paper.authors_count,
        paper.upvotes,
        paper.meta,
    )
    return hashlib.blake2b(repr(fields).encode("utf-8"), digest_size=16).digest()


class _PickledLines(Mapping[tuple[str | int, ...], int]):
    """A record's line numbers, kept pickled until a message needs one: a cached review of
    20,000 records loads a third of a second faster (their half-million entries are rarely read)."""

    __slots__ = ("_blob", "_lines")

    def __init__(self, blob: bytes) -> None:
        self._blob = blob
        self._lines: dict[tuple[str | int, ...], int] | None = None

    def _loaded(self) -> dict[tuple[str | int, ...], int]:
        if self._lines is None:
            self._lines = pickle.loads(self._blob)
        return self._lines

    def __getitem__(self, key: tuple[str | int, ...]) -> int:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[tuple[str | int, ...]]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


# How load_papers caches a record: the paper, its pickled line numbers and split list (no Path:
# unpickling 20,000 of them costs a third of a second), the problems found in it, and its
# imported_fields digest.
_Parsed = tuple[Paper | None, bytes, tuple[str, ...], list[Problem], bytes]


def _packed(record: PaperFile | None, problems: list[Problem]) -> _Parsed:
    if record is None:
        return None, b"", (), problems, b""
    lines = pickle.dumps(dict(record.lines), pickle.HIGHEST_PROTOCOL)
    return record.paper, lines, record.split, problems, imported_fields(record)


def _unpacked(parsed: _Parsed, place: str, digest: bytes) -> PaperFile | None:
    paper, lines, split, _, imported = parsed
    return None if paper is None else PaperFile(paper, place, _PickledLines(lines), split, imported, digest)


def parsed_key(papers_dir: Path, taxonomy: Taxonomy | None) -> str:
    """The key of load_papers' cache of the records in papers_dir, validated against taxonomy."""
    known = set(taxonomy.tags) if taxonomy is not None else None
    return PARSED_RECORDS.key(str(papers_dir.resolve()), sorted(known) if known is not None else ["(any)"])


def paper_key(papers_key: str, digest: bytes) -> str:
    """What a paper is: its record's bytes (`digest`), parsed by this code with these tags
    (`papers_key`, parsed_key)."""
    return papers_key + digest.hex()


def cached_papers(cache: Cache, key: str, digests: Sequence[bytes]) -> list[Paper] | None:
    """The papers of the records with these digests, as load_papers cached them under `key`;
    None if any of them is not there."""
    parsed = cache.get_dict(PARSED_CACHE, key)
    papers = []
    for digest in digests:
        entry = parsed.get(digest)
        if entry is None or entry[0] is None:
            return None
        papers.append(entry[0])
    return papers


def paper_path(papers_dir: Path, paper_id: str) -> Path:
    return papers_dir / f"{paper_id}.yaml"


def _check_int(data: dict[str, Any], key: str, path: Path, lines: dict, log: ProblemLog) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        log.error(path, lines.get((key,)), f"{key} must be a whole number, got {value!r}")
        return None
    return value


def parse_paper(path: Path, text: str, known_tags: set[str] | None, log: ProblemLog) -> PaperFile | None:
    """Validate one record; problems go to `log` with line numbers; None if it is unusable."""
    try:
        data, lines, duplicates = load_with_lines(text)
    except YamlSyntaxError as exc:
        log.error(path, exc.line, exc.message)
        return None
    for key, line in duplicates:
        log.error(path, line, f"the key {key!r} appears twice; keep one")
    if not isinstance(data, dict):
        log.error(path, 1, "expected a mapping of paper fields (id, title, abstract, tags, ...)")
        return None
    ok = True
    for key in data:
        if key not in PAPER_KEYS:
            log.error(
                path,
                lines.get((key,)),
                f"unknown key {key!r} (expected one of: {', '.join(PAPER_KEYS)})",
            )
    paper_id = data.get("id")
    if not isinstance(paper_id, str) or not PAPER_ID_PATTERN.match(paper_id):
        log.error(
            path,
            lines.get(("id",), 1),
            f"id must be lowercase letters, digits, hyphens and dots, got {paper_id!r}",
        )
        ok = False
    elif paper_id != path.stem:
        log.error(
            path,
            lines.get(("id",)),
            f"id {paper_id!r} differs from the file name {path.name!r}; "
            "ids are permanent URLs, so make them agree",
        )
        ok = False
    if not isinstance(data.get("title"), str) or not data["title"].strip():
        log.error(path, lines.get(("title",), 1), f"title must be non-empty text, got {data.get('title')!r}")
        ok = False
    # Reference-manager entries may come without an abstract: it is optional, the title is not.
    if data.get("abstract") is not None and not isinstance(data.get("abstract"), str):
        log.error(path, lines.get(("abstract",), 1), f"abstract must be text, got {data.get('abstract')!r}")
        ok = False
    meta = _bibliographic(data, path, lines, log)
    split = data.get("split") or []
    if not isinstance(split, list) or not all(
        isinstance(s, str) and re.fullmatch(r".+:\d+", s) for s in split
    ):
        log.error(
            path,
            lines.get(("split",)),
            "split must be a list of sources as 'file:line' (from the merge report)",
        )
    if isinstance(data.get("title"), str) and len(data["title"]) > MAX_TITLE_CHARS:
        log.error(
            path,
            lines.get(("title",)),
            f"the title has {len(data['title']):,} characters; at most {MAX_TITLE_CHARS:,}",
        )
        ok = False
    tags_value = data.get("tags") or []
    tags: list[str] = []
    if not isinstance(tags_value, list):
        log.error(path, lines.get(("tags",)), "tags must be a list (one '- tag-id' per line)")
    elif len(tags_value) > MAX_TAGS_PER_PAPER:
        log.error(
            path,
            lines.get(("tags",)),
            f"{len(tags_value):,} tags; a paper may have at most {MAX_TAGS_PER_PAPER}",
        )
    else:
        for i, tag in enumerate(tags_value):
            if not isinstance(tag, str):
                log.error(path, lines.get(("tags", i)), f"a tag must be a tag id, got {tag!r}")
            elif known_tags is not None and tag not in known_tags:
                log.error(
                    path,
                    lines.get(("tags", i)),
                    f"unknown tag {tag!r}: add it to content/tags.yaml or fix the spelling",
                )
            elif tag in tags:
                log.warning(path, lines.get(("tags", i)), f"tag {tag!r} is listed twice")
            else:
                tags.append(tag)
    date = None
    if data.get("date") is not None:
        try:
            date = PaperDate.parse(str(data["date"]))
        except ValueError:
            log.error(
                path,
                lines.get(("date",)),
                f"date must look like 2024-05-07 or 'May 7', got {data['date']!r}",
            )
    sources: list[SourceRef] = []
    raw_sources = data.get("sources") or []
    if not isinstance(raw_sources, list):
        log.error(path, lines.get(("sources",)), "sources must be a list of {file, line}")
        raw_sources = []
    for i, ref in enumerate(raw_sources):
        if not (
            isinstance(ref, dict) and isinstance(ref.get("file"), str) and isinstance(ref.get("line"), int)
        ):
            log.error(path, lines.get(("sources", i)), "each source needs file (text) and line (number)")
            continue
        sources.append(SourceRef(ref["file"], ref["line"]))
    title_derived = data.get("title_derived", False)
    if not isinstance(title_derived, bool):
        log.error(path, lines.get(("title_derived",)), "title_derived must be true or false")
        title_derived = False
    notes = data.get("notes")
    if notes is not None and not isinstance(notes, str):
        log.error(path, lines.get(("notes",)), "notes must be text")
    pins, hides = _related_choices(data.get("related"), path, lines, log)
    fp = data.get("fingerprint")
    if not ok:
        return None
    paper = Paper(
        id=paper_id,
        title=" ".join(data["title"].split()),
        abstract=(data.get("abstract") or "").strip(),
        tags=tuple(tags),
        fingerprint=fp if isinstance(fp, str) else "",
        title_derived=title_derived,
        date=date,
        authors_count=_check_int(data, "authors_count", path, lines, log),
        upvotes=_check_int(data, "upvotes", path, lines, log),
        sources=tuple(sources),
        notes=notes.strip() if isinstance(notes, str) else "",
        related_pin=pins,
        related_hide=hides,
        meta=meta,
        added=_added(data.get("added"), path, lines, log),
        path=path.name,
    )
    return PaperFile(
        paper,
        str(path),
        lines,
        tuple(s for s in split if isinstance(s, str)) if isinstance(split, list) else (),
    )


def _bibliographic(data: dict[str, Any], path: Path, lines: dict, log: ProblemLog) -> Bibliographic:
    for key in TEXT_FIELDS:
        if data.get(key) is not None and not isinstance(data[key], str):
            log.error(path, lines.get((key,)), f"{key} must be text, got {data[key]!r}")
    for key in LIST_FIELDS:
        value = data.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            log.error(path, lines.get((key,)), f"{key} must be a list of text")
    year = data.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1000 <= year <= 2999):
        log.error(path, lines.get(("year",)), f"year must be a year such as 2024, got {year!r}")
        year = None

    def text(key: str) -> str | None:
        value = data.get(key)
        return value.strip() or None if isinstance(value, str) else None

    def texts(key: str) -> tuple[str, ...]:
        value = data.get(key)
        return tuple(v for v in value if isinstance(v, str) and v.strip()) if isinstance(value, list) else ()

    return Bibliographic(
        authors=texts("authors"),
        year=year,
        venue=text("venue"),
        doi=text("doi"),
        arxiv_id=text("arxiv_id"),
        url=text("url"),
        pdf_url=text("pdf_url"),
        keywords=texts("keywords"),
    )


def _added(value: Any, path: Path, lines: dict, log: ProblemLog) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        log.error(path, lines.get(("added",)), f"added must be a day such as 2024-05-07, got {value!r}")
        return None
    return text


def split_refs(paper_file: PaperFile) -> list[SourceRef]:
    """The sources a person has split off this paper (`split: ["file:line", ...]`)."""
    refs = []
    data_split = paper_file.split
    for item in data_split:
        file, _, line = item.rpartition(":")
        refs.append(SourceRef(file, int(line)))
    return refs


def _related_choices(
    value: Any, path: Path, lines: dict[tuple[str | int, ...], int], log: ProblemLog
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`related: {pin: [ids], hide: [ids]}`: a person's corrections to the related papers."""
    if value is None:
        return (), ()
    if not isinstance(value, dict):
        log.error(
            path, lines.get(("related",)), "related must be a mapping with 'pin' and/or 'hide' lists of ids"
        )
        return (), ()
    chosen: dict[str, tuple[str, ...]] = {}
    for key in value:
        if key not in ("pin", "hide"):
            log.error(
                path, lines.get(("related", key)), f"unknown key {key!r} under related (expected pin, hide)"
            )
    for key in ("pin", "hide"):
        ids = value.get(key) or []
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            log.error(path, lines.get(("related", key)), f"related.{key} must be a list of paper ids")
            ids = []
        chosen[key] = tuple(dict.fromkeys(ids))
    return chosen["pin"], chosen["hide"]


def _read_record(path: Path, raw: bytes, known: set[str] | None, log: ProblemLog) -> PaperFile | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        log.error(path, None, "the file is not UTF-8 text")
        return None
    return parse_paper(path, text, known, log)


def record_digest(name: str, content: bytes) -> bytes:
    """What a record is: its file name and (the digest of) its bytes."""
    return hashlib.blake2b(name.encode("utf-8") + b"\0" + content, digest_size=16).digest()


def load_papers(
    papers_dir: Path,
    taxonomy: Taxonomy | None,
    log: ProblemLog,
    cache: Cache | None = None,
    digests: FileDigests | None = None,
) -> list[PaperFile]:
    """Every record under papers_dir, sorted by id; ids must be unique ignoring case.

    With a cache, a record whose name and bytes were validated before (against the same tags)
    is taken with the problems found then, instead of being parsed and validated again.
    `digests` gives the digest of each file's bytes (digests.py): a record validated before is
    then not read at all."""
    known = set(taxonomy.tags) if taxonomy is not None else None
    records: list[PaperFile] = []
    if not papers_dir.is_dir():
        return records
    seen: dict[str, str] = {}  # file names by folded id
    cache_key = parsed_key(papers_dir, taxonomy)
    before: dict[bytes, _Parsed] = cache.get_dict(PARSED_CACHE, cache_key) if cache else {}
    now: dict[bytes, _Parsed] = {}
    entries = sorted((e for e in os.scandir(papers_dir) if e.name.endswith(".yaml")), key=lambda e: e.name)
    for entry in entries:
        if not entry.is_file():
            continue
        place = entry.path.replace(os.sep, "/")
        content = digests.digest(place) if digests is not None else None
        size = digests.size(place) if digests is not None else entry.stat().st_size
        if size > MAX_RECORD_BYTES:
            log.error(
                papers_dir / entry.name,
                None,
                f"the record is over {MAX_RECORD_BYTES // 1024} KB; a paper record is a few KB",
            )
            continue
        raw = None
        if digests is not None and content is not None:
            digest = record_digest(entry.name, content)
            raw = digests.read.get(place)
        if digests is None or (digest not in before and raw is None):
            with open(entry.path, "rb") as handle:
                raw = handle.read()
            digest = record_digest(entry.name, file_digest(raw))
        found = before.get(digest)
        if found is None:
            assert raw is not None
            own = ProblemLog(log.root)
            found = _packed(_read_record(papers_dir / entry.name, raw, known, own), own.problems)
        now[digest] = found
        record = _unpacked(found, entry.path, digest)
        log.problems.extend(found[3])
        if record is None:
            continue
        folded = record.paper.id.casefold()
        if folded in seen:
            log.error(
                record.path,
                record.lines.get(("id",)),
                f"id {record.paper.id!r} is already used by {seen[folded]}",
            )
            continue
        seen[folded] = entry.name
        records.append(record)
    for name in sorted(
        e.name for e in os.scandir(papers_dir) if e.name.endswith((".yml", ".json")) and e.is_file()
    ):
        log.warning(papers_dir / name, None, "paper records must end in .yaml; this file is ignored")
    if cache is not None and now.keys() != before.keys():
        cache.put_dict(PARSED_CACHE, cache_key, now, before)
    return records


def _source_list(sources: tuple[SourceRef, ...]) -> list[dict[str, Any]]:
    return [{"file": s.file, "line": s.line} for s in sources]


def write_new_paper(papers_dir: Path, paper: Paper, *, durable: bool = True) -> Path:
    """Create the record of a paper that import found for the first time.

    An import of thousands of papers passes durable=False and syncs once at the end."""
    path = paper_path(papers_dir, paper.id)
    if path.exists():
        raise FileExistsError(f"{path} exists already; import never overwrites a paper record")
    data: dict[str, Any] = {"id": paper.id, "title": paper.title}
    if paper.title_derived:
        data["title_derived"] = True
    data["tags"] = list(paper.tags)
    if paper.date is not None:
        data["date"] = paper.date.to_text()
    if paper.authors_count is not None:
        data["authors_count"] = paper.authors_count
    if paper.upvotes is not None:
        data["upvotes"] = paper.upvotes
    data.update(paper.meta.fields())
    if paper.added:
        data["added"] = paper.added
    data["abstract"] = paper.abstract
    data["sources"] = _source_list(paper.sources)
    data["fingerprint"] = paper.fingerprint
    atomic_write_bytes(path, dump_new(data, HEADER).encode("utf-8"), durable=durable)
    return path


def refresh_from_sources(
    path: Path,
    sources: tuple[SourceRef, ...],
    metadata: dict[str, Any],
    replace_title: str | None = None,
) -> bool:
    """Update the source-owned fields of an existing record in place; True if it changed."""

    def change(data: Any) -> bool:
        changed = False
        current = [{"file": s.get("file"), "line": s.get("line")} for s in data.get("sources") or []]
        if current != _source_list(sources):
            data["sources"] = _source_list(sources)
            changed = True
        for key, value in metadata.items():
            if value is not None and data.get(key) is None:
                # Insert before the abstract so the record keeps its usual order.
                position = list(data).index("abstract") if "abstract" in data else len(data)
                data.insert(position, key, value)
                changed = True
        if replace_title is not None and data.get("title") != replace_title:
            data["title"] = replace_title
            if "title_derived" in data:
                # Set, not deleted: ruamel keeps a comment that follows a key with that key.
                data["title_derived"] = False
            changed = True
        return changed

    return update_in_place(path, change)
