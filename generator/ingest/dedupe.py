"""Normalise abstract blocks and merge the copies of one paper.

Two blocks are the same paper when their abstracts are equal after normalisation, or when one is
a revision of the other (most of the shorter one's 5-word shingles appear in the longer one:
arXiv v1 and v2 abstracts of one paper share well over half, different papers almost none).

Strong identifiers win over text: blocks that carry different arXiv ids or different DOIs are
different papers, never merged, however alike their abstracts (the same abstract under two
arXiv ids is reported as a possible duplicate). Text alone merges two titled blocks whose titles
differ only when their abstracts are nearly the same (DIFFERENT_TITLE_OVERLAP); below that, and
above SAME_PAPER_OVERLAP, the pair is a possible duplicate for a person to check.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from generator.model import Bibliographic, Paper, PaperDate, Reference, SourceBlock, SourceRef
from generator.records.reference import merged

SHINGLE_WORDS = 5
SAME_PAPER_OVERLAP = 0.5
TITLE_MATCH_OVERLAP = 0.2  # the same title needs only this much abstract in common
NEAR_MISS_OVERLAP = 0.25
# Two titled blocks with different titles are one paper on text alone only above this.
DIFFERENT_TITLE_OVERLAP = 0.9
IDENTIFIERS = ("arxiv_id", "doi")
# A shingle found in more abstracts than this is boilerplate ("in this paper we propose a").
MAX_SHINGLE_POSTINGS = 50

_WORD = re.compile(r"[^\W_]+")


def normalise_text(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def fingerprint(abstract: str) -> str:
    """A short stable hash of an abstract, independent of whitespace, case and punctuation."""
    return hashlib.sha256(normalise_text(abstract).encode("utf-8")).hexdigest()[:16]


def _hash64(text: str) -> int:
    # Shingle hashes are only compared within one run, so Python's own (salted) string hash
    # will do, at a fraction of a cryptographic hash's cost.
    return hash(text)


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
    meta: Bibliographic = field(default_factory=Bibliographic)
    reasons: tuple[str, ...] = ()  # why the copies were taken for one paper
    # Reference fields that several copies gave with different values: which copy's was kept.
    reference_merge: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class NearMiss:
    """Two blocks that look alike but were kept apart, for a person to check; `possible` when
    the text alone would have merged them (a possible duplicate)."""

    first: SourceRef
    second: SourceRef
    why: str
    possible: bool = False


@dataclass(frozen=True)
class Identity:
    """What tells papers apart besides their abstract: the title and the strong identifiers."""

    title: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None

    @staticmethod
    def of(block: SourceBlock) -> Identity:
        meta = block.meta
        return Identity(block.title, meta.arxiv_id if meta else None, meta.doi if meta else None)

    def identifiers(self) -> dict[str, str]:
        return {k: v.lower() for k, v in (("arxiv_id", self.arxiv_id), ("doi", self.doi)) if v}


def conflicting(a: dict[str, str], b: dict[str, str]) -> str | None:
    """The kind of strong identifier ("arXiv id", "DOI") on which two papers differ, if any."""
    for kind, name in (("arxiv_id", "arXiv id"), ("doi", "DOI")):
        if kind in a and kind in b and a[kind] != b[kind]:
            return name
    return None


def text_verdict(score: float, a: Identity, b: Identity) -> str:
    """What an abstract overlap of `score` says about two blocks: "same" (one paper),
    "possible" (a possible duplicate, kept apart) or "apart"."""
    if score < SAME_PAPER_OVERLAP:
        return "apart"
    if conflicting(a.identifiers(), b.identifiers()):
        return "possible"
    ta, tb = title_key(a.title), title_key(b.title)
    titled_apart = bool(ta and tb and ta != tb)
    if titled_apart and score < DIFFERENT_TITLE_OVERLAP:
        return "possible"
    return "same"


class _UnionFind:
    """Union-find that refuses unions joining two refs a person has declared different."""

    def __init__(
        self,
        size: int,
        forbidden: set[tuple[int, int]] | None = None,
        identities: Sequence[Identity] | None = None,
    ):
        self.parent = list(range(size))
        self.members: dict[int, set[int]] = {i: {i} for i in range(size)}
        self.forbidden = forbidden or set()
        # The strong identifiers of each group (by root): groups that differ in one never join.
        self.identifiers: dict[int, dict[str, str]] = {
            i: identity.identifiers() for i, identity in enumerate(identities or ()) if identity.identifiers()
        }

    def conflict(self, a: int, b: int) -> str | None:
        """The identifier on which the groups of a and b differ, if any."""
        return conflicting(self.identifiers.get(self.find(a), {}), self.identifiers.get(self.find(b), {}))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.forbidden and any(
            (x, y) in self.forbidden or (y, x) in self.forbidden
            for x in self.members[ra]
            for y in self.members[rb]
        ):
            return False
        if conflicting(self.identifiers.get(ra, {}), self.identifiers.get(rb, {})):
            return False
        root, child = min(ra, rb), max(ra, rb)
        self.parent[child] = root
        self.members[root] |= self.members.pop(child)
        if child in self.identifiers:
            self.identifiers[root] = {**self.identifiers.pop(child), **self.identifiers.get(root, {})}
        return True

    def groups(self) -> list[list[int]]:
        by_root: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            by_root[self.find(i)].append(i)
        return sorted(by_root.values(), key=lambda members: members[0])


def _abstract_pairs(abstracts: Sequence[str]) -> tuple[list[tuple[int, int]], list[tuple[int, int, float]]]:
    """(identical pairs, candidate pairs with their shingle overlap) among non-empty abstracts."""
    sets = [shingles(a) if a.strip() else set() for a in abstracts]
    first_with_key: dict[str, int] = {}
    identical: list[tuple[int, int]] = []
    postings: dict[int, list[int]] = defaultdict(list)
    for i, abstract in enumerate(abstracts):
        if not abstract.strip():
            continue
        key = normalise_text(abstract)
        if key in first_with_key:
            identical.append((first_with_key[key], i))
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
    return identical, [(a, b, overlap(sets[a], sets[b])) for a, b in sorted(candidates)]


def group_same_papers(
    abstracts: Sequence[str], identities: Sequence[Identity] | None = None
) -> list[list[int]]:
    """Indices of `abstracts` grouped by paper, each group and the list in first-seen order.
    With `identities` (one per abstract), the rule of text_verdict applies: different arXiv
    ids or DOIs never join, different titles only on nearly the same abstract."""
    identical, candidates = _abstract_pairs(abstracts)
    groups = _UnionFind(len(abstracts), identities=identities)
    for a, b in identical:
        groups.union(a, b)
    blank = Identity()
    for a, b, score in candidates:
        ia, ib = (identities[a], identities[b]) if identities else (blank, blank)
        if text_verdict(score, ia, ib) == "same":
            groups.union(a, b)
    return groups.groups()


def title_key(title: str | None) -> str:
    return normalise_text(title or "")


def _richest_date(dates: list[PaperDate]) -> PaperDate | None:
    with_year = [d for d in dates if d.year is not None]
    return (with_year or dates or [None])[0]


def _merge_references(copies: Sequence[SourceBlock]) -> tuple[Reference | None, list[dict[str, str]]]:
    """The copies' references merged field by field (records.reference.merged): a copy with a
    citation key (a BibTeX entry) first, then in the order the copies were found."""
    references = [
        (f"{c.ref.file}:{c.ref.line}", c.meta.reference)
        for c in copies
        if c.meta is not None and c.meta.reference is not None
    ]
    references.sort(key=lambda item: item[1].key is None)
    return merged(references)


def _merge_meta(copies: Sequence[SourceBlock]) -> Bibliographic:
    metas = [c.meta for c in copies if c.meta is not None]
    if not metas:
        return Bibliographic()
    reference, _ = _merge_references(copies)

    def first(field: str) -> object:
        return next((getattr(m, field) for m in metas if getattr(m, field)), None)

    return Bibliographic(
        authors=max((m.authors for m in metas), key=len),
        year=first("year"),  # type: ignore[arg-type]
        venue=first("venue"),  # type: ignore[arg-type]
        doi=first("doi"),  # type: ignore[arg-type]
        arxiv_id=first("arxiv_id"),  # type: ignore[arg-type]
        url=first("url"),  # type: ignore[arg-type]
        pdf_url=first("pdf_url"),  # type: ignore[arg-type]
        keywords=tuple(dict.fromkeys(k for m in metas for k in m.keywords)),
        key=first("key"),  # type: ignore[arg-type]
        reference=reference,
    )


def block_fingerprint(block: SourceBlock) -> str:
    return (
        fingerprint(block.abstract) if block.abstract.strip() else fingerprint("title " + (block.title or ""))
    )


def paper_fingerprint(paper: Paper) -> str:
    """The fingerprint a block of this paper's current text would have."""
    return fingerprint(paper.abstract) if paper.abstract.strip() else fingerprint("title " + paper.title)


class _Joins:
    """The groups of blocks taken for one paper so far, and why each pair was joined."""

    def __init__(self, groups: _UnionFind, blocks: Sequence[SourceBlock]) -> None:
        self.groups = groups
        self.blocks = blocks
        self.reasons: dict[tuple[int, int], str] = {}
        self.possible: list[NearMiss] = []  # pairs the evidence would join, kept apart by identifiers

    def apart(self, a: int, b: int) -> bool:
        return self.groups.find(a) != self.groups.find(b)

    def join(self, a: int, b: int, why: str) -> None:
        if not self.apart(a, b):
            return
        conflict = self.groups.conflict(a, b)
        if conflict:
            self.doubt(a, b, f"{why}, but different {conflict}s")
        elif self.groups.union(a, b):
            self.reasons[(a, b)] = why

    def doubt(self, a: int, b: int, why: str) -> None:
        """Report a and b as a possible duplicate (kept apart)."""
        self.possible.append(NearMiss(self.blocks[a].ref, self.blocks[b].ref, why, possible=True))


def _same_identifier(blocks: Sequence[SourceBlock]) -> Iterator[tuple[int, int, str]]:
    """Pairs of blocks with the same arXiv id or DOI (each with the first that has it), and why."""
    for identifier, why in (("arxiv_id", "same arXiv id"), ("doi", "same DOI")):
        seen: dict[str, int] = {}
        for i, block in enumerate(blocks):
            value = getattr(block.meta, identifier) if block.meta else None
            if value:
                if value in seen:
                    yield seen[value], i, why
                else:
                    seen[value] = i


def _join_same_titles(
    blocks: Sequence[SourceBlock], overlaps: dict[tuple[int, int], float], joins: _Joins
) -> list[NearMiss]:
    """Join blocks with the same title and a similar abstract (or none); the pairs with the same
    title left apart are near misses."""
    near: list[NearMiss] = []
    by_title: dict[str, list[int]] = defaultdict(list)
    for i, block in enumerate(blocks):
        if title_key(block.title):
            by_title[title_key(block.title)].append(i)
    for members in by_title.values():
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1 :]:
                if not joins.apart(a, b):
                    continue
                missing = not blocks[a].abstract.strip() or not blocks[b].abstract.strip()
                score = overlaps.get((a, b), 0.0)
                if missing or score >= TITLE_MATCH_OVERLAP:
                    joins.join(a, b, "same title" + ("" if missing else f", abstracts {score:.0%} alike"))
                if joins.apart(a, b):
                    near.append(NearMiss(blocks[a].ref, blocks[b].ref, "same title, different abstracts"))
    return near


def _merged_record(
    blocks: Sequence[SourceBlock], members: list[int], reasons: dict[tuple[int, int], str]
) -> MergedRecord:
    """One paper from the blocks `members`, with the richest metadata of the copies."""
    copies = [blocks[i] for i in members]
    titles = [c.title for c in copies if c.title]
    counts = [c.authors_count for c in copies if c.authors_count is not None]
    upvotes = [c.upvotes for c in copies if c.upvotes is not None]
    # The longest abstract is the most complete revision; ties go to the first seen.
    abstract = max(copies, key=lambda c: len(c.abstract)).abstract
    member_set = set(members)
    return MergedRecord(
        fingerprints=tuple(dict.fromkeys(block_fingerprint(c) for c in copies)),
        abstract=abstract,
        title=titles[0] if titles else None,
        authors_count=max(counts) if counts else None,
        date=_richest_date([c.date for c in copies if c.date is not None]),
        upvotes=max(upvotes) if upvotes else None,
        sources=tuple(sorted({c.ref for c in copies})),
        meta=_merge_meta(copies),
        reasons=tuple(sorted({why for (a, b), why in reasons.items() if a in member_set})),
        reference_merge=tuple(_merge_references(copies)[1]) if len(copies) > 1 else (),
    )


def merge_with_report(
    blocks: Sequence[SourceBlock], keep_apart: Sequence[tuple[SourceRef, SourceRef]] = ()
) -> tuple[list[MergedRecord], list[NearMiss]]:
    """Papers from blocks, matched by arXiv id, DOI, the same abstract (or a revision of it), or
    the same title with a similar abstract; and the pairs that nearly matched.

    `keep_apart` lists pairs of blocks a person has said are different papers."""
    position = {b.ref: i for i, b in enumerate(blocks)}
    forbidden = {(position[a], position[b]) for a, b in keep_apart if a in position and b in position}
    identities = [Identity.of(b) for b in blocks]
    joins = _Joins(_UnionFind(len(blocks), forbidden, identities), blocks)
    for a, b, why in _same_identifier(blocks):
        joins.join(a, b, why)
    identical, candidates = _abstract_pairs([b.abstract for b in blocks])
    for a, b in identical:
        joins.join(a, b, "same abstract")
    overlaps = {(a, b): score for a, b, score in candidates}
    for (a, b), score in overlaps.items():
        verdict = text_verdict(score, identities[a], identities[b])
        if verdict == "same":
            joins.join(a, b, f"abstracts {score:.0%} alike")
        elif verdict == "possible" and joins.apart(a, b):
            joins.doubt(a, b, _doubt_reason(score, identities[a], identities[b]))
    near = joins.possible + _join_same_titles(blocks, overlaps, joins)
    for (a, b), score in overlaps.items():
        if NEAR_MISS_OVERLAP <= score < SAME_PAPER_OVERLAP and joins.apart(a, b):
            near.append(NearMiss(blocks[a].ref, blocks[b].ref, f"abstracts {score:.0%} alike"))
    records = [_merged_record(blocks, members, joins.reasons) for members in joins.groups.groups()]
    unique = {(n.first, n.second): n for n in reversed(near)}  # one entry a pair, its first reason
    return records, sorted(unique.values(), key=lambda n: (n.first, n.second))


def _doubt_reason(score: float, a: Identity, b: Identity) -> str:
    conflict = conflicting(a.identifiers(), b.identifiers())
    if conflict:
        return f"abstracts {score:.0%} alike, but different {conflict}s"
    return f"abstracts {score:.0%} alike, but different titles"
