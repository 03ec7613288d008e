"""Read raw abstract dumps (arXiv `Abstract:` lines, Hugging Face Papers listings) into blocks.

All three pasted layouts are read by one line classifier: page chrome is skipped, a short line is
a title, a long line (or one starting `Abstract:`) is an abstract, and the `• N authors` / `·` /
date lines that follow a listing entry are its metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from generator.errors import ProblemLog
from generator.model import PaperDate, SourceBlock, SourceRef

SOURCE_SUFFIXES = (".txt",)

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

ABSTRACT_PREFIX = re.compile(r"^\s*Abstract\s*:\s*", re.IGNORECASE)
AUTHORS_LINE = re.compile(r"^•\s*(\d+)\s+authors?$")
DOT_LINE = re.compile(r"^[·•]$")
DATE_LINE = re.compile(
    r"^(?P<date>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?)"
    r"(?: (?P<upvotes>\d+))?$"
)
# Titles in the corpus are under 160 characters and abstracts over 700; a paragraph of 300 or more
# characters is an abstract.
MIN_ABSTRACT_CHARS = 300
MAX_TITLE_CHARS = 300
MIN_ABSTRACT_WORDS = 25


@dataclass
class _Entry:
    line: int
    title: str | None
    title_line: int | None
    abstract: str | None = None
    authors_count: int | None = None
    date: PaperDate | None = None
    upvotes: int | None = None


def decode_source(data: bytes) -> str:
    """Decode a pasted dump: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_source(path: Path, rel: str, log: ProblemLog) -> list[SourceBlock]:
    """Read one dump file; problems go to `log` with the file and line, good blocks are returned."""
    data = path.read_bytes()
    if not data.strip():
        log.error(path, None, "the file is empty; expected pasted paper abstracts")
        return []
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        log.error(path, None, "this is a binary file, not pasted text; expected paper abstracts")
        return []
    return parse_source_text(decode_source(data), rel, log, path)


def _is_abstract(text: str) -> bool:
    return len(text) >= MIN_ABSTRACT_CHARS and len(text.split()) >= MIN_ABSTRACT_WORDS


def parse_source_text(
    text: str, rel: str, log: ProblemLog, path: Path | str | None = None
) -> list[SourceBlock]:
    """Parse dump text; `rel` is the file name recorded in each block's SourceRef."""
    where = path if path is not None else rel
    entries: list[_Entry] = []
    pending_title: tuple[int, str] | None = None
    seen_paper = False

    def flush_title_without_abstract() -> None:
        nonlocal pending_title
        if pending_title is not None:
            line_no, title = pending_title
            log.warning(where, line_no, f"title {title[:60]!r} has no abstract after it; skipped")
            pending_title = None

    for index, raw in enumerate(text.splitlines()):
        line_no = index + 1
        line = raw.strip().replace("\u00a0", " ")
        if not line:
            continue
        glued = GLUED_CHROME.match(line)
        if glued:
            line = line[glued.end() :]
        if line.lower() in CHROME_LINES:
            continue
        authors = AUTHORS_LINE.match(line)
        date = DATE_LINE.match(line)
        if authors or DOT_LINE.match(line) or date:
            if not seen_paper or not entries:
                continue  # the page's own date, above the first paper
            flush_title_without_abstract()
            last = entries[-1]
            if authors:
                last.authors_count = int(authors.group(1))
            elif date:
                try:
                    last.date = PaperDate.parse(date.group("date"))
                except ValueError:
                    log.warning(where, line_no, f"{line!r} is not a valid date; ignored")
                if date.group("upvotes"):
                    last.upvotes = int(date.group("upvotes"))
            continue
        prefixed = ABSTRACT_PREFIX.match(line)
        if prefixed or _is_abstract(line):
            abstract = line[prefixed.end() :] if prefixed else line
            if not abstract.strip():
                log.warning(where, line_no, "'Abstract:' with no text after it; skipped")
                continue
            if pending_title is not None:
                entries.append(_Entry(pending_title[0], pending_title[1], pending_title[0]))
                pending_title = None
            else:
                entries.append(_Entry(line_no, None, None))
            entries[-1].abstract = abstract.strip()
            seen_paper = True
            continue
        if len(line) > MAX_TITLE_CHARS:
            log.warning(where, line_no, "a long line that is neither a title nor an abstract")
            continue
        flush_title_without_abstract()
        pending_title = (line_no, line)
    flush_title_without_abstract()

    if not entries:
        log.error(
            where,
            None,
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


def find_source_files(sources_dir: Path) -> list[Path]:
    if not sources_dir.is_dir():
        return []
    return sorted(p for p in sources_dir.rglob("*") if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES)


def read_sources(sources_dir: Path, content_dir: Path, log: ProblemLog) -> list[SourceBlock]:
    """Every block of every dump under `sources_dir`, in file then line order."""
    blocks: list[SourceBlock] = []
    for path in find_source_files(sources_dir):
        rel = path.relative_to(content_dir).as_posix()
        blocks.extend(read_source(path, rel, log))
    return blocks
