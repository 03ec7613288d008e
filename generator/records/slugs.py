"""Stable, safe, unique ids for papers: they are file names and URLs, so they never change."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

MAX_SLUG_CHARS = 60
# Names Windows refuses as files, whatever the extension.
WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
# Ids no record or tag may have: `index` is the page of its folder (papers/index.md would be
# written as papers/index.html while links to it point to papers/index/; topics/index.md is the
# topics page), and a Windows device name cannot be a file there.
RESERVED_IDS = frozenset({"index"} | WINDOWS_DEVICES)
# Names new slugs also avoid: the site's own top-level folders.
RESERVED = RESERVED_IDS | {"search", "topics", "papers", "assets"}
_NOT_RESERVED = r"(?!index$)(?!(?:con|prn|aux|nul|com[0-9]|lpt[0-9])(?:[.]|$))"
SLUG_PATTERN = re.compile(rf"^{_NOT_RESERVED}[a-z0-9]+(?:-[a-z0-9]+)*$")
# Paper ids may also hold dots, so arXiv ids ("2501.01234") can be ids as they are.
PAPER_ID_PATTERN = re.compile(rf"^{_NOT_RESERVED}[a-z0-9]+(?:[-.][a-z0-9]+)*$")


def is_reserved_id(candidate: str) -> bool:
    """Whether `candidate` is a name no paper or tag id may be (see RESERVED_IDS)."""
    return candidate == "index" or candidate.split(".", 1)[0] in WINDOWS_DEVICES


def reserved_id_message(kind: str, candidate: str) -> str:
    """The one sentence that refuses a reserved id, for `check` and the commands that make ids."""
    return (
        f"{kind} id {candidate!r} is reserved: it would collide with a page the site makes "
        f"(index) or a file name Windows refuses; choose another, e.g. {candidate + '-1'!r}"
    )


def slugify(text: str, max_chars: int = MAX_SLUG_CHARS) -> str:
    """Lowercase ASCII words joined by hyphens, cut at a word boundary; '' if nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_chars:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:max_chars]
    return slug


def id_of_identifier(identifier: str, taken: Container[str]) -> str | None:
    """A source's own id (an arXiv id such as "2501.01234" or "hep-th/9901001") as a paper id,
    if it makes a safe one that is free."""
    candidate = identifier.strip().lower().replace("/", "-")
    if not PAPER_ID_PATTERN.match(candidate) or candidate in RESERVED or candidate in taken:
        return None
    if len(candidate) > MAX_SLUG_CHARS:
        return None
    return candidate


def unique_slug(text: str, taken: Container[str], fallback: str) -> str:
    """A slug for `text` that is not in `taken` (compared case-insensitively by the caller)."""
    base = slugify(text) or fallback
    if base in RESERVED:
        base = f"{base}-paper"
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug
