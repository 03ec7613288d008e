"""Read raw abstract dumps (arXiv `Abstract:` lines, Hugging Face Papers listings) into blocks.

All three pasted layouts are read by one line classifier: page chrome is skipped, a short line is
a title, a long line (or one starting `Abstract:`) is an abstract, and the `• N authors` / `·` /
date lines that follow a listing entry are its metadata.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import ProblemLog
from generator.files import files_inside
from generator.ingest.formats import READERS, detect_format
from generator.model import PaperDate, SourceBlock, SourceRef

# Pasted dumps and exports (the format is recognised by content); .gz files are read unpacked.
SOURCE_SUFFIXES = (".txt", ".bib", ".ris", ".csv", ".xml", ".atom", ".json", ".jsonl", ".gz")
# A .gz source may unpack past MAX_SOURCE_BYTES (an arXiv corpus slice is shipped gzipped), up to
# this; it is unpacked a chunk at a time, so a bomb costs no more than this before it is refused.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024

# Page chrome of Hugging Face Papers listings, as pasted from a browser.
CHROME_LINES = frozenset(
    {
        "new",
        "get trending papers in your email inbox!",
        "get trending papers in your email inbox once a day!",
        "subscribe",
        "daily papers",
        "byak and the research community",
    }
)
# Chrome that a paste sometimes glues to the next line ("SubscribeTRP: ...").
GLUED_CHROME = re.compile(r"^(?:Subscribe|Daily Papers|new)(?=[A-Z0-9])")

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ABSTRACT_PREFIX = re.compile(r"^\s*Abstract\s*:\s*", re.IGNORECASE)
AUTHORS_LINE = re.compile(r"^•\s*(\d+)\s+authors?$")
DOT_LINE = re.compile(r"^[·•]$")
DATE_LINE = re.compile(
    r"^(?P<date>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?)"
    r"(?: (?P<upvotes>\d+))?$"
)
# Titles in the corpus are far shorter than MIN_ABSTRACT_CHARS and abstracts far longer, so a
# paragraph at least that long is an abstract.
MIN_ABSTRACT_CHARS = 300
MAX_TITLE_CHARS = 300
MIN_ABSTRACT_WORDS = 25
# Limits: arXiv caps abstracts at 1,920 characters, so anything far beyond these is not a dump of
# abstracts (a log, a binary, a book) and is refused before it costs time or memory.
MAX_SOURCE_BYTES = 50 * 1024 * 1024
MAX_LINE_CHARS = 20_000


@dataclass
class _Entry:
    line: int
    title: str | None
    title_line: int | None
    abstract: str | None = None
    authors_count: int | None = None
    date: PaperDate | None = None
    upvotes: int | None = None


def _utf16_without_bom(data: bytes) -> str | None:
    """'le' or 'be' when the bytes look like UTF-16 text without a byte-order mark."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "be"
    return None


def decode_source(data: bytes) -> tuple[str, str]:
    """Decode a pasted dump; returns (text, encoding). UTF-8 (BOM or not), UTF-16, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    order = _utf16_without_bom(data)
    if order:
        return data.decode(f"utf-16-{order}", errors="replace"), f"utf-16-{order}"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _looks_binary(data: bytes, encoding: str) -> bool:
    if encoding.startswith("utf-16"):
        return False
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return b"\x00" in sample or controls > 0.01 * len(sample)


def read_source(path: Path, rel: str, log: ProblemLog) -> list[SourceBlock]:
    """Read one dump file; problems go to `log` with the file and line, good blocks are returned."""
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        log.error(
            path,
            None,
            f"the file is {size / 2**20:.0f} MB, over the {MAX_SOURCE_BYTES // 2**20} MB limit for a "
            "source; split it into smaller dumps",
        )
        return []
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.error(path, None, f"the file cannot be read: {exc.strerror or exc}")
        return []
    if data[:2] == b"\x1f\x8b":
        try:
            data = _gunzip(data)
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            log.error(path, None, f"the gzip file cannot be unpacked: {exc}")
            return []
    if not data.strip():
        log.error(path, 1, "the file is empty; expected pasted paper abstracts")
        return []
    text, encoding = decode_source(data)
    if _looks_binary(data, encoding):
        log.error(path, 1, "this is a binary file, not pasted text; expected paper abstracts")
        return []
    if encoding == "latin-1":
        log.warning(path, None, "the file is not UTF-8; it was read as Latin-1 (save it as UTF-8 to be sure)")
    kind = detect_format(text)
    if kind is not None:
        try:
            return READERS[kind](text.lstrip("\ufeff"), rel, log, path)
        except (ValueError, TypeError, RecursionError) as exc:  # a case the reader does not foresee
            log.error(path, None, f"the {kind} file cannot be read: {str(exc)[:200] or type(exc).__name__}")
            return []
    if path.suffix.lower() == ".csv" or (path.suffix.lower() == ".gz" and path.stem.lower().endswith(".csv")):
        log.error(
            path,
            1,
            "a CSV file that is not a Zotero export; expected the columns Item Type, Title and Abstract Note",
        )
        return []
    return parse_source_text(text, rel, log, path)


def _gunzip(data: bytes) -> bytes:
    """Unpack, refusing archives that unpack to more than MAX_UNPACKED_BYTES."""
    chunks: list[bytes] = []
    size = 0
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > MAX_UNPACKED_BYTES:
                raise ValueError(f"it unpacks to over {MAX_UNPACKED_BYTES // 2**20} MB")
            chunks.append(chunk)
    return b"".join(chunks)


def _is_abstract(text: str) -> bool:
    return len(text) >= MIN_ABSTRACT_CHARS and len(text.split()) >= MIN_ABSTRACT_WORDS


def _clean_line(raw: str) -> str | None:
    """The line's text, without control characters and glued page chrome; None if nothing is left
    or the line is page chrome."""
    # Control characters (a stray bell or form feed in a paste) cannot go into XML feeds.
    line = CONTROL_CHARACTERS.sub(" ", raw).strip().replace("\u00a0", " ")
    if not line:
        return None
    glued = GLUED_CHROME.match(line)
    if glued:
        line = line[glued.end() :]
    if line.lower() in CHROME_LINES:
        return None
    return line


@dataclass
class _Dump:
    """What reading a dump line by line has found so far."""

    where: Path | str
    log: ProblemLog
    entries: list[_Entry] = field(default_factory=list)
    pending_title: tuple[int, str] | None = None  # a title line waiting for its abstract
    orphan_titles: list[tuple[int, str]] = field(default_factory=list)

    def flush_title_without_abstract(self) -> None:
        if self.pending_title is not None:
            self.orphan_titles.append(self.pending_title)
            self.pending_title = None

    def read_line(self, line_no: int, raw: str) -> None:
        if len(raw) > MAX_LINE_CHARS:
            self.log.error(
                self.where,
                line_no,
                f"a line of {len(raw):,} characters, longer than any abstract "
                f"(the limit is {MAX_LINE_CHARS:,}); skipped",
            )
            self.flush_title_without_abstract()
            return
        line = _clean_line(raw)
        if line is None or self._metadata(line_no, line) or self._abstract(line_no, line):
            return
        if len(line) > MAX_TITLE_CHARS:
            self.log.warning(self.where, line_no, "a long line that is neither a title nor an abstract")
            return
        self.flush_title_without_abstract()
        self.pending_title = (line_no, line)

    def _metadata(self, line_no: int, line: str) -> bool:
        """Whether the line is one of the `• N authors` / `·` / date lines after a listing entry
        (and if so, note what it says about the last entry)."""
        authors = AUTHORS_LINE.match(line)
        date = DATE_LINE.match(line)
        if not (authors or DOT_LINE.match(line) or date):
            return False
        if not self.entries:
            return True  # the page's own date, above the first paper
        self.flush_title_without_abstract()
        last = self.entries[-1]
        if authors:
            last.authors_count = int(authors.group(1))
        elif date:
            try:
                last.date = PaperDate.parse(date.group("date"))
            except ValueError:
                self.log.warning(self.where, line_no, f"{line!r} is not a valid date; ignored")
            if date.group("upvotes"):
                last.upvotes = int(date.group("upvotes"))
        return True

    def _abstract(self, line_no: int, line: str) -> bool:
        """Whether the line is an abstract (and if so, start an entry with it and its title)."""
        prefixed = ABSTRACT_PREFIX.match(line)
        if not (prefixed or _is_abstract(line)):
            return False
        abstract = line[prefixed.end() :] if prefixed else line
        if not abstract.strip():
            self.log.warning(self.where, line_no, "'Abstract:' with no text after it; skipped")
            return True
        if self.pending_title is not None:
            self.entries.append(_Entry(self.pending_title[0], self.pending_title[1], self.pending_title[0]))
            self.pending_title = None
        else:
            self.entries.append(_Entry(line_no, None, None))
        self.entries[-1].abstract = abstract.strip()
        return True

    def blocks(self, rel: str) -> list[SourceBlock]:
        """The entries read, as blocks of the file `rel`; warnings for what was left out."""
        self.flush_title_without_abstract()
        where, entries = self.where, self.entries
        if entries:  # in a file with no papers at all, one error says it better than a warning a line
            for line_no, title in self.orphan_titles:
                self.log.warning(where, line_no, f"title {title[:60]!r} has no abstract after it; skipped")
        if any(entry.title for entry in entries):
            # In a listing of titled papers, an abstract without one is probably a paste slip.
            for entry in entries:
                if entry.title is None:
                    self.log.warning(
                        where,
                        entry.line,
                        "an abstract without a title line before it; a title will be derived",
                    )
        if not entries:
            self.log.error(
                where,
                1,
                "no paper abstracts found; expected lines starting 'Abstract:' or a Hugging Face "
                "Papers listing (a title line, then an abstract line)",
            )
            return []
        return [
            SourceBlock(
                ref=SourceRef(rel, entry.line),
                abstract=entry.abstract or "",
                title=entry.title,
                authors_count=entry.authors_count,
                date=entry.date,
                upvotes=entry.upvotes,
            )
            for entry in entries
        ]


def parse_source_text(
    text: str, rel: str, log: ProblemLog, path: Path | str | None = None
) -> list[SourceBlock]:
    """Parse dump text; `rel` is the file name recorded in each block's SourceRef."""
    dump = _Dump(path if path is not None else rel, log)
    for index, raw in enumerate(text.splitlines()):
        dump.read_line(index + 1, raw)
    return dump.blocks(rel)


def find_source_files(sources_dir: Path, root: Path | None = None) -> list[Path]:
    """Every source file under `sources_dir`, sorted. Symbolic links are followed only while they
    stay inside `root` (the review: the folder above content/ by default); a link that leads out
    of it is refused with an error naming it, so no file outside the review becomes a paper."""
    if not sources_dir.is_dir():
        return []
    inside = (root if root is not None else sources_dir.absolute().parent.parent).resolve()
    found = files_inside(sources_dir, inside)
    return sorted(p for p in found if p.suffix.lower() in SOURCE_SUFFIXES)


def read_sources(sources_dir: Path, content_dir: Path, log: ProblemLog) -> list[SourceBlock]:
    """Every block of every dump under `sources_dir`, in file then line order."""
    blocks: list[SourceBlock] = []
    for path in find_source_files(sources_dir):
        rel = path.relative_to(content_dir).as_posix()
        blocks.extend(read_source(path, rel, log))
    return blocks
