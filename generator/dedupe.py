"""Normalise abstract blocks and merge the copies of one paper.

Two blocks are the same paper when their abstracts are equal after normalisation, or when one is
a revision of the other (most of the shorter one's 5-word shingles appear in the longer one:
arXiv v1 and v2 abstracts of one paper share about 60%, different papers almost none).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from generator.model import PaperDate, SourceBlock, SourceRef

SHINGLE_WORDS = 5
SAME_PAPER_OVERLAP = 0.5
# A shingle found in more abstracts than this is boilerplate ("in this paper we propose a").
MAX_SHINGLE_POSTINGS = 50

_WORD = re.compile(r"[^\W_]+")


def normalise_text(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def fingerprint(abstract: str) -> str:
    """A short stable hash of an abstract, independent of whitespace, case and punctuation."""
    return hashlib.sha256(normalise_text(abstract).encode("utf-8")).hexdigest()[:16]


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest())


def shingles(text: str) -> set[int]:
    words = normalise_text(text).split()
    if len(words) < SHINGLE_WORDS:
        return {_hash64(" ".join(words))}
    return {_hash64(" ".join(words[i : i + SHINGLE_WORDS])) for i in range(len(words) - SHINGLE_WORDS + 1)}


def overlap(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True)
class MergedRecord:
    """One paper's data merged from all the blocks that carry it."""

    fingerprints: tuple[str, ...]  # of every block, first block first
    abstract: str
    title: str | None
    authors_count: int | None
    date: PaperDate | None
    upvotes: int | None
    sources: tuple[SourceRef, ...]


class _UnionFind:
    def __init__(self, size: int):
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group_same_papers(abstracts: Sequence[str]) -> list[list[int]]:
    """Indices of `abstracts` grouped by paper, each group and the list in first-seen order."""
    sets = [shingles(a) for a in abstracts]
    keys = [normalise_text(a) for a in abstracts]
    groups = _UnionFind(len(abstracts))
    first_with_key: dict[str, int] = {}
    postings: dict[int, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        if key in first_with_key:
            groups.union(first_with_key[key], i)
            continue
        first_with_key[key] = i
        for s in sets[i]:
            postings[s].append(i)
    candidates: set[tuple[int, int]] = set()
    for members in postings.values():
        if 1 < len(members) <= MAX_SHINGLE_POSTINGS:
            for a_pos, a in enumerate(members):
                for b in members[a_pos + 1 :]:
                    candidates.add((a, b))
    for a, b in sorted(candidates):
        if overlap(sets[a], sets[b]) >= SAME_PAPER_OVERLAP:
            groups.union(a, b)
    by_root: dict[int, list[int]] = defaultdict(list)
    for i in range(len(abstracts)):
        by_root[groups.find(i)].append(i)
    return sorted(by_root.values(), key=lambda members: members[0])


def _richest_date(dates: list[PaperDate]) -> PaperDate | None:
    with_year = [d for d in dates if d.year is not None]
    return (with_year or dates or [None])[0]


def merge_blocks(blocks: Sequence[SourceBlock]) -> list[MergedRecord]:
    """De-duplicate blocks into papers, keeping the richest metadata of the copies."""
    records = []
    for members in group_same_papers([b.abstract for b in blocks]):
        copies = [blocks[i] for i in members]
        titles = [c.title for c in copies if c.title]
        counts = [c.authors_count for c in copies if c.authors_count is not None]
        upvotes = [c.upvotes for c in copies if c.upvotes is not None]
        # The longest abstract is the most complete revision; ties go to the first seen.
        abstract = max(copies, key=lambda c: len(c.abstract)).abstract
        records.append(
            MergedRecord(
                fingerprints=tuple(dict.fromkeys(fingerprint(c.abstract) for c in copies)),
                abstract=abstract,
                title=titles[0] if titles else None,
                authors_count=max(counts) if counts else None,
                date=_richest_date([c.date for c in copies if c.date is not None]),
                upvotes=max(upvotes) if upvotes else None,
                sources=tuple(sorted({c.ref for c in copies})),
            )
        )
    return records
