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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from generator.cache.digests import FileDigests, file_digest
from generator.cache.keys import PARSED_RECORDS
from generator.cache.store import Cache
from generator.errors import Problem, ProblemLog
from generator.files import atomic_write_bytes, is_temporary, remove_stale_temporaries
from generator.model import Bibliographic, Paper, PaperDate, SourceRef, Taxonomy
from generator.records.exclusions import is_excluded, screening_of, valid_exclusion
from generator.records.reference import arxiv_id_of
from generator.records.reference import from_yaml as reference_from_yaml
from generator.records.reference import to_yaml as reference_to_yaml
from generator.records.slugs import PAPER_ID_PATTERN, is_reserved_id, reserved_id_message
from generator.records.yamlio import YamlSyntaxError, dump_new, load_with_lines, update_in_place

PAPER_KEYS = (
    "id",
    "title",
    "title_derived",
    "tags",
    "notes",
    "fields",
    "status",
    "excluded",
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
    "reference",
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
    # The record's path as a string; `path` makes the Path when asked for (making one for every
    # record would cost a large review's rebuild time, and few are asked for).
    place: str
    lines: Mapping[tuple[str | int, ...], int]
    split: tuple[str, ...] = ()
    imported_digest: bytes = b""  # of imported_fields(), when load_papers has it from its cache
    digest: bytes = b""  # of the file's name and bytes: the record's key in load_papers' cache
    excluded: bool = False  # `status: excluded`: kept for import, never on the site

    @cached_property
    def path(self) -> Path:
        return Path(self.place)


class Records(list[PaperFile]):
    """What load_papers returns: the records of the review's papers, in id order, and in
    `excluded` the records a person excluded (`status: excluded`). Those are on no page, but
    import still needs them, so that their sources never bring the papers back."""

    excluded: tuple[PaperFile, ...] = ()
    papers_dir: Path | None = None  # the folder they were read from


def excluded_records(records: Sequence[PaperFile]) -> tuple[PaperFile, ...]:
    """The excluded records that came with `records` (none unless load_papers made them)."""
    return tuple(getattr(records, "excluded", ()))


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
    """A record's line numbers, kept pickled until a message needs one: a cached review loads
    faster without unpickling them all, and they are rarely read."""

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
# unpickling one for every record is slow in a large review), the problems found in it, and its
# imported_fields digest.
_Parsed = tuple[Paper | None, bytes, tuple[str, ...], list[Problem], bytes, bool]


def _packed(record: PaperFile | None, problems: list[Problem]) -> _Parsed:
    if record is None:
        return None, b"", (), problems, b"", False
    lines = pickle.dumps(dict(record.lines), pickle.HIGHEST_PROTOCOL)
    return record.paper, lines, record.split, problems, imported_fields(record), record.excluded


def _unpacked(parsed: _Parsed, place: str, digest: bytes) -> PaperFile | None:
    paper, lines, split, _, imported, excluded = parsed
    if paper is None:
        return None
    return PaperFile(paper, place, _PickledLines(lines), split, imported, digest, excluded)


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


_Lines = Mapping[tuple[str | int, ...], int]


@dataclass(frozen=True)
class _Record:
    """A record being validated: its fields as read, and where its problems go."""

    path: Path
    data: dict[str, Any]
    lines: _Lines
    log: ProblemLog
    known_tags: set[str] | None

    def error(self, key: tuple[str | int, ...], message: str, default: int | None = None) -> None:
        self.log.error(self.path, self.lines.get(key, default), message)

    def warning(self, key: tuple[str | int, ...], message: str) -> None:
        self.log.warning(self.path, self.lines.get(key), message)


# What a validator returns for a field that makes the whole record unusable.
_UNUSABLE: Any = object()


def _check_int(record: _Record, key: str) -> int | None:
    value = record.data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        record.error((key,), f"{key} must be a whole number, got {value!r}")
        return None
    return value


def _load_mapping(path: Path, text: str, log: ProblemLog) -> tuple[dict[str, Any], _Lines] | None:
    """The record's mapping and its key lines; None (with the problem logged) if it has none."""
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
    return data, lines


def _check_keys(record: _Record) -> None:
    for key in record.data:
        if key not in PAPER_KEYS:
            record.error((key,), f"unknown key {key!r} (expected one of: {', '.join(PAPER_KEYS)})")


def _valid_id(record: _Record) -> str:
    paper_id = record.data.get("id")
    if isinstance(paper_id, str) and is_reserved_id(paper_id):
        record.error(("id",), reserved_id_message("paper", paper_id), 1)
        return _UNUSABLE
    if not isinstance(paper_id, str) or not PAPER_ID_PATTERN.match(paper_id):
        record.error(("id",), f"id must be lowercase letters, digits, hyphens and dots, got {paper_id!r}", 1)
        return _UNUSABLE
    if paper_id != record.path.stem:
        record.error(
            ("id",),
            f"id {paper_id!r} differs from the file name {record.path.name!r}; "
            "ids are permanent URLs, so make them agree",
        )
        return _UNUSABLE
    return paper_id


def _valid_title(record: _Record) -> str:
    title = record.data.get("title")
    if not isinstance(title, str) or not title.strip():
        record.error(("title",), f"title must be non-empty text, got {title!r}", 1)
        return _UNUSABLE
    return " ".join(title.split())


def _valid_abstract(record: _Record) -> str:
    # Reference-manager entries may come without an abstract: it is optional, the title is not.
    abstract = record.data.get("abstract")
    if abstract is not None and not isinstance(abstract, str):
        record.error(("abstract",), f"abstract must be text, got {abstract!r}", 1)
        return _UNUSABLE
    return (abstract or "").strip()


def _valid_split(record: _Record) -> tuple[str, ...]:
    split = record.data.get("split") or []
    if not isinstance(split, list) or not all(
        isinstance(s, str) and re.fullmatch(r".+:\d+", s) for s in split
    ):
        record.error(("split",), "split must be a list of sources as 'file:line' (from the merge report)")
    return tuple(s for s in split if isinstance(s, str)) if isinstance(split, list) else ()


def _valid_title_length(record: _Record) -> None:
    title = record.data.get("title")
    if isinstance(title, str) and len(title) > MAX_TITLE_CHARS:
        record.error(("title",), f"the title has {len(title):,} characters; at most {MAX_TITLE_CHARS:,}")
        return _UNUSABLE
    return None


def _list_field(record: _Record, key: str, message: str) -> list[Any] | None:
    """The list under `key` (empty when absent); None, with `message` reported, when not a list."""
    value = record.data.get(key) or []
    if not isinstance(value, list):
        record.error((key,), message)
        return None
    return value


def _valid_tags(record: _Record) -> tuple[str, ...]:
    from generator.records.taxonomy import closest_name

    tags_value = _list_field(record, "tags", "tags must be a list (one '- tag-id' per line)")
    if tags_value is None:
        return ()
    if len(tags_value) > MAX_TAGS_PER_PAPER:
        record.error(("tags",), f"{len(tags_value):,} tags; a paper may have at most {MAX_TAGS_PER_PAPER}")
        return ()
    tags: list[str] = []
    for i, tag in enumerate(tags_value):
        if not isinstance(tag, str):
            record.error(("tags", i), f"a tag must be a tag id, got {tag!r}")
        elif " - " in tag or tag.startswith("- "):  # list items run together: a mis-indented "- b"
            parts = " and ".join(repr(t.strip()) for t in tag.removeprefix("- ").split(" - ") if t.strip())
            record.error(
                ("tags", i),
                f"unknown tag {tag!r}: the tags {parts} run together into one item; put each tag on "
                'its own line starting with "- ", indented like the first',
            )
        elif record.known_tags is not None and tag not in record.known_tags:
            closest = closest_name(tag, record.known_tags)
            fix = f"did you mean `{closest}`? If not, add" if closest else "add"
            record.error(
                ("tags", i), f"unknown tag {tag!r}: {fix} it to content/tags.yaml or fix the spelling"
            )
        elif tag in tags:
            record.warning(("tags", i), f"tag {tag!r} is listed twice")
        else:
            tags.append(tag)
    return tuple(tags)


def _valid_date(record: _Record) -> PaperDate | None:
    value = record.data.get("date")
    if value is None:
        return None
    try:
        return PaperDate.parse(str(value))
    except ValueError:
        record.error(("date",), f"date must look like 2024-05-07 or 'May 7', got {value!r}")
        return None


def _valid_sources(record: _Record) -> tuple[SourceRef, ...]:
    raw_sources = _list_field(record, "sources", "sources must be a list of {file, line}")
    if raw_sources is None:
        return ()
    sources: list[SourceRef] = []
    for i, ref in enumerate(raw_sources):
        if not (
            isinstance(ref, dict) and isinstance(ref.get("file"), str) and isinstance(ref.get("line"), int)
        ):
            record.error(("sources", i), "each source needs file (text) and line (number)")
            continue
        sources.append(SourceRef(ref["file"], ref["line"]))
    return tuple(sources)


def _valid_title_derived(record: _Record) -> bool:
    title_derived = record.data.get("title_derived", False)
    if not isinstance(title_derived, bool):
        record.error(("title_derived",), "title_derived must be true or false")
        return False
    return title_derived


def _valid_notes(record: _Record) -> str:
    notes = record.data.get("notes")
    if notes is not None and not isinstance(notes, str):
        record.error(("notes",), "notes must be text")
    return notes.strip() if isinstance(notes, str) else ""


def _bibliographic(record: _Record) -> Bibliographic:
    data = record.data
    for key in TEXT_FIELDS:
        if data.get(key) is not None and not isinstance(data[key], str):
            record.error((key,), f"{key} must be text, got {data[key]!r}")
    for key in LIST_FIELDS:
        value = data.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            record.error((key,), f"{key} must be a list of text")
    year = data.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1000 <= year <= 2999):
        record.error(("year",), f"year must be a year such as 2024, got {year!r}")
        year = None

    def text(key: str) -> str | None:
        value = data.get(key)
        return value.strip() or None if isinstance(value, str) else None

    def texts(key: str) -> tuple[str, ...]:
        value = data.get(key)
        return tuple(v for v in value if isinstance(v, str) and v.strip()) if isinstance(value, list) else ()

    reference = reference_from_yaml(data.get("reference"), record.error)
    doi, url = text("doi"), text("url")
    return Bibliographic(
        authors=texts("authors"),
        year=year,
        venue=text("venue"),
        doi=doi,
        # An arXiv DOI (10.48550/arXiv.X) or URL names the arXiv id the record may not have.
        arxiv_id=text("arxiv_id") or arxiv_id_of({"doi": doi or "", "url": url or ""}),
        url=url,
        pdf_url=text("pdf_url"),
        keywords=texts("keywords"),
        reference=reference,
    )


def _related_choices(record: _Record) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`related: {pin: [ids], hide: [ids]}`: a person's corrections to the related papers."""
    value = record.data.get("related")
    if value is None:
        return (), ()
    if not isinstance(value, dict):
        record.error(("related",), "related must be a mapping with 'pin' and/or 'hide' lists of ids")
        return (), ()
    chosen: dict[str, tuple[str, ...]] = {}
    for key in value:
        if key not in ("pin", "hide"):
            record.error(("related", key), f"unknown key {key!r} under related (expected pin, hide)")
    for key in ("pin", "hide"):
        ids = value.get(key) or []
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            record.error(("related", key), f"related.{key} must be a list of paper ids")
            ids = []
        chosen[key] = tuple(dict.fromkeys(ids))
    return chosen["pin"], chosen["hide"]


def _field_value(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _valid_fields(record: _Record) -> tuple[tuple[str, object], ...]:
    """`fields: {name: value}`: the paper's extracted values, checked here for their shape only (a
    value, or a list of values); records/fields.py checks them against content/fields.yaml."""
    value = record.data.get("fields")
    if value is None:
        return ()
    if not isinstance(value, dict):
        record.error(("fields",), "fields must be a mapping of field ids to values (see content/fields.yaml)")
        return ()
    found: list[tuple[str, object]] = []
    for name, item in value.items():
        if item is None or item == []:
            continue  # `name:` with nothing after it: no value yet
        if isinstance(item, list) and all(_field_value(v) for v in item):
            found.append((str(name), tuple(item)))
        elif _field_value(item):
            found.append((str(name), item))
        else:
            message = f"fields: {name!r} must be a value or a list of values, got {item!r}"
            record.error(("fields", name), message)
    return tuple(found)


def _fingerprint(record: _Record) -> str:
    fp = record.data.get("fingerprint")
    return fp if isinstance(fp, str) else ""


def _added(record: _Record) -> str | None:
    value = record.data.get("added")
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        record.error(("added",), f"added must be a day such as 2024-05-07, got {value!r}")
        return None
    return text


# Each field's validator, in the order their problems are reported: a validator logs what is
# wrong with its field and returns the value to keep, or _UNUSABLE when the record cannot be used.
_VALIDATORS: tuple[tuple[str, Callable[[_Record], Any]], ...] = (
    ("id", _valid_id),
    ("title", _valid_title),
    ("abstract", _valid_abstract),
    ("meta", _bibliographic),
    ("split", _valid_split),
    ("title_length", _valid_title_length),
    ("tags", _valid_tags),
    ("date", _valid_date),
    ("sources", _valid_sources),
    ("title_derived", _valid_title_derived),
    ("notes", _valid_notes),
    ("related", _related_choices),
    ("fingerprint", _fingerprint),
    ("fields", _valid_fields),
)
# Validated only in a usable record, after the others.
_USABLE_VALIDATORS: tuple[tuple[str, Callable[[_Record], Any]], ...] = (
    ("authors_count", lambda record: _check_int(record, "authors_count")),
    ("upvotes", lambda record: _check_int(record, "upvotes")),
    ("added", _added),
)


def parse_paper(path: Path, text: str, known_tags: set[str] | None, log: ProblemLog) -> PaperFile | None:
    """Validate one record; problems go to `log` with line numbers; None if it is unusable."""
    loaded = _load_mapping(path, text, log)
    if loaded is None:
        return None
    data, lines = loaded
    excluded = is_excluded(data)
    # An excluded paper is on no page: its tags need not be in the taxonomy any more.
    record = _Record(path, data, lines, log, None if excluded else known_tags)
    _check_keys(record)
    valid_exclusion(data, lambda key, message: record.error(key, message))
    fields = {name: validate(record) for name, validate in _VALIDATORS}
    if any(value is _UNUSABLE for value in fields.values()):
        return None
    fields.update({name: validate(record) for name, validate in _USABLE_VALIDATORS})
    pins, hides = fields["related"]
    paper = Paper(
        id=fields["id"],
        title=fields["title"],
        abstract=fields["abstract"],
        tags=fields["tags"],
        fingerprint=fields["fingerprint"],
        title_derived=fields["title_derived"],
        date=fields["date"],
        authors_count=fields["authors_count"],
        upvotes=fields["upvotes"],
        sources=fields["sources"],
        notes=fields["notes"],
        related_pin=pins,
        related_hide=hides,
        meta=fields["meta"],
        added=fields["added"],
        path=path.name,
        fields=fields["fields"],
        screening=screening_of(data) if excluded else None,
    )
    return PaperFile(paper, str(path), record.lines, fields["split"], excluded=excluded)


def split_refs(paper_file: PaperFile) -> list[SourceRef]:
    """The sources a person has split off this paper (`split: ["file:line", ...]`)."""
    refs = []
    data_split = paper_file.split
    for item in data_split:
        file, _, line = item.rpartition(":")
        refs.append(SourceRef(file, int(line)))
    return refs


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


@dataclass(frozen=True)
class _Loading:
    """What load_papers reads the records of one folder with."""

    papers_dir: Path
    known: set[str] | None
    log: ProblemLog
    digests: FileDigests | None
    before: dict[bytes, _Parsed]  # the cached parses, by record digest


def _record_bytes(entry: os.DirEntry[str], loading: _Loading) -> tuple[bytes, bytes | None] | None:
    """The record's digest, and its bytes unless the cache has its parse (then they may be None);
    None if the file is too big to be a record."""
    place = entry.path.replace(os.sep, "/")
    digests = loading.digests
    content = digests.digest(place) if digests is not None else None
    size = digests.size(place) if digests is not None else entry.stat().st_size
    if size > MAX_RECORD_BYTES:
        loading.log.error(
            loading.papers_dir / entry.name,
            None,
            f"the record is over {MAX_RECORD_BYTES // 1024} KB; a paper record is a few KB",
        )
        return None
    if digests is not None and content is not None:
        digest = record_digest(entry.name, content)
        raw = digests.read.get(place)
        if digest in loading.before or raw is not None:
            return digest, raw
    with open(entry.path, "rb") as handle:
        raw = handle.read()
    return record_digest(entry.name, file_digest(raw)), raw


def _load_record(entry: os.DirEntry[str], loading: _Loading, now: dict[bytes, _Parsed]) -> PaperFile | None:
    """One record, parsed or from the cache (noted in `now`), with its problems logged."""
    read = _record_bytes(entry, loading)
    if read is None:
        return None
    digest, raw = read
    found = loading.before.get(digest)
    if found is None:
        assert raw is not None
        own = ProblemLog(loading.log.root)
        found = _packed(_read_record(loading.papers_dir / entry.name, raw, loading.known, own), own.problems)
    now[digest] = found
    loading.log.problems.extend(found[3])
    return _unpacked(found, entry.path, digest)


def _id_is_free(record: PaperFile, name: str, seen: dict[str, str], log: ProblemLog) -> bool:
    """Whether no earlier record (file names in `seen`, by folded id) has this record's id,
    ignoring case; if one has, that is an error. Notes the id as taken."""
    folded = record.paper.id.casefold()
    if folded in seen:
        log.error(
            record.path,
            record.lines.get(("id",)),
            f"id {record.paper.id!r} is already used by {seen[folded]}",
        )
        return False
    seen[folded] = name
    return True


IGNORED_IN_PAPERS = {".gitkeep", ".DS_Store"}


def _report_other_files(papers_dir: Path, log: ProblemLog) -> None:
    """Warn of every file in papers_dir that is not a paper record (a temporary file being
    written right now aside): litreview ignores it, and it may be a record under a wrong name."""
    for entry in sorted(os.scandir(papers_dir), key=lambda e: e.name):
        name = entry.name
        if name.endswith(".yaml") or name in IGNORED_IN_PAPERS or is_temporary(name):
            continue
        if name.endswith((".yml", ".json")) and entry.is_file():
            log.warning(papers_dir / name, None, "paper records must end in .yaml; this file is ignored")
        else:
            kind = "folder" if entry.is_dir() else "file"
            log.warning(
                papers_dir / name,
                None,
                f"an unexpected {kind} in content/papers/ (only <id>.yaml records belong here); "
                "it is ignored",
            )


def load_papers(
    papers_dir: Path,
    taxonomy: Taxonomy | None,
    log: ProblemLog,
    cache: Cache | None = None,
    digests: FileDigests | None = None,
) -> Records:
    """Every record under papers_dir, sorted by id; ids must be unique ignoring case.
    Excluded records (`status: excluded`) are not in the list but in its `excluded`.

    With a cache, a record whose name and bytes were validated before (against the same tags)
    is taken with the problems found then, instead of being parsed and validated again.
    `digests` gives the digest of each file's bytes (digests.py): a record validated before is
    then not read at all."""
    if not papers_dir.is_dir():
        empty = Records()
        empty.papers_dir = papers_dir
        return empty
    for name in remove_stale_temporaries(papers_dir):
        log.warning(papers_dir / name, None, "removed this temporary file, left by an interrupted write")
    known = set(taxonomy.tags) if taxonomy is not None else None
    cache_key = parsed_key(papers_dir, taxonomy)
    before: dict[bytes, _Parsed] = cache.get_dict(PARSED_CACHE, cache_key) if cache else {}
    loading = _Loading(papers_dir, known, log, digests, before)
    now: dict[bytes, _Parsed] = {}
    entries = sorted((e for e in os.scandir(papers_dir) if e.name.endswith(".yaml")), key=lambda e: e.name)
    seen: dict[str, str] = {}
    records, excluded = Records(), []
    for entry in entries:
        record = _load_record(entry, loading, now) if entry.is_file() else None
        if record is not None and _id_is_free(record, entry.name, seen, log):
            (excluded if record.excluded else records).append(record)
    records.excluded = tuple(excluded)
    records.papers_dir = papers_dir
    _report_other_files(papers_dir, log)
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
    atomic_write_bytes(path, new_record_bytes(paper), durable=durable)
    return path


# Kept free below MAX_RECORD_BYTES when a record is cut to fit: YAML quoting and escapes.
_RECORD_MARGIN = 4096
_MAX_LIST_ITEMS = 500  # authors or keywords kept when a record is still too big without its abstract


def fitted_to_limits(paper: Paper) -> tuple[Paper | None, list[str]]:
    """The paper cut to fit the limits that `check` enforces on records (MAX_TITLE_CHARS,
    MAX_TAGS_PER_PAPER, MAX_RECORD_BYTES), and what was cut; None if it cannot fit at all.
    Import writes only records that fit, so it never writes one that check refuses."""
    notes: list[str] = []
    if len(paper.title) > MAX_TITLE_CHARS:
        notes.append(f"the title has {len(paper.title):,} characters: cut to {MAX_TITLE_CHARS:,}")
        paper = replace(paper, title=paper.title[: MAX_TITLE_CHARS - 1].rstrip() + "…")
    if len(paper.tags) > MAX_TAGS_PER_PAPER:
        notes.append(f"{len(paper.tags)} tags matched: kept the first {MAX_TAGS_PER_PAPER}")
        paper = replace(paper, tags=paper.tags[:MAX_TAGS_PER_PAPER])
    size = len(new_record_bytes(paper))
    if size <= MAX_RECORD_BYTES:
        return paper, notes
    meta = paper.meta
    if len(meta.authors) > _MAX_LIST_ITEMS or len(meta.keywords) > _MAX_LIST_ITEMS:
        notes.append(f"kept the first {_MAX_LIST_ITEMS} authors and keywords")
        meta = replace(meta, authors=meta.authors[:_MAX_LIST_ITEMS], keywords=meta.keywords[:_MAX_LIST_ITEMS])
        paper = replace(paper, meta=meta)
        size = len(new_record_bytes(paper))
    if size > MAX_RECORD_BYTES:
        excess = size - MAX_RECORD_BYTES + _RECORD_MARGIN
        keep = max(0, len(paper.abstract) - excess)
        notes.append(f"the abstract has {len(paper.abstract):,} characters: cut to {keep:,}")
        paper = replace(paper, abstract=paper.abstract[:keep].rstrip() + " …")
        size = len(new_record_bytes(paper))
    if size > MAX_RECORD_BYTES:
        return None, [*notes, f"the record would still be over {MAX_RECORD_BYTES // 1024} KB"]
    return paper, notes


def new_record_bytes(paper: Paper) -> bytes:
    """The YAML of a new record of `paper`, as write_new_paper writes it."""
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
    if paper.meta.reference is not None:
        data["reference"] = reference_to_yaml(paper.meta.reference)
    if paper.added:
        data["added"] = paper.added
    data["abstract"] = paper.abstract
    data["sources"] = _source_list(paper.sources)
    data["fingerprint"] = paper.fingerprint
    return dump_new(data, HEADER).encode("utf-8")


def _add_to_reference(data: Any, additions: Mapping[str, Mapping[str, Any]]) -> bool:
    """Add the reference parts (fields, name lists) the record's reference lacks; True if any."""
    reference = data.get("reference")
    if not isinstance(reference, dict):
        return False
    changed = False
    for part, values in additions.items():
        if reference.get(part) is None:
            reference[part] = {}
        section = reference[part]
        if not isinstance(section, dict):
            continue
        for key, value in values.items():
            if key not in section:
                section[key] = value
                changed = True
    return changed


def refresh_from_sources(
    path: Path,
    sources: tuple[SourceRef, ...],
    metadata: dict[str, Any],
    replace_title: str | None = None,
    overwrite: Mapping[str, Any] | None = None,
    reference_additions: Mapping[str, Mapping[str, Any]] | None = None,
) -> bool:
    """Update the source-owned fields of an existing record in place; True if it changed.

    `metadata` fills fields the record lacks; `overwrite` replaces fields whose value is still
    the one their source gave (a source that was replaced by a newer export of itself);
    `reference_additions` ({"fields": {...}, "names": {...}}) adds to the record's reference the
    fields and name lists it lacks, keeping every value it has."""

    def change(data: Any) -> bool:
        changed = False
        for key, value in (overwrite or {}).items():
            if key in data and data[key] != value:
                data[key] = value
                changed = True
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
        changed = _add_to_reference(data, reference_additions or {}) or changed
        if replace_title is not None and data.get("title") != replace_title:
            data["title"] = replace_title
            if "title_derived" in data:
                # Set, not deleted: ruamel keeps a comment that follows a key with that key.
                data["title_derived"] = False
            changed = True
        return changed

    return update_in_place(path, change)
