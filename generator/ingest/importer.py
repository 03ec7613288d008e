"""Import: bring the papers found in content/sources/ into content/papers/.

New papers get a record (id, title, starter tags); papers already in the review only have their
source-owned fields refreshed. Running it twice on the same sources changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from generator.cache.store import Cache, content_key
from generator.enrich.tagging import rule_tags, vote_tags
from generator.errors import LitreviewError, Problem, ProblemLog
from generator.files import atomic_write_bytes
from generator.ingest.dedupe import (
    Identity,
    MergedRecord,
    NearMiss,
    conflicting,
    group_same_papers,
    merge_with_report,
    paper_fingerprint,
    title_key,
)
from generator.ingest.formats import ARXIV_ID, normalise_arxiv_id
from generator.ingest.sources import SOURCE_SUFFIXES, find_source_files, read_source
from generator.model import Bibliographic, Paper, PaperDate, Reference, SourceBlock, SourceRef, Taxonomy
from generator.project import Project
from generator.records.reference import KeyClash, citation_keys
from generator.records.reference import to_yaml as reference_to_yaml
from generator.records.slugs import id_of_identifier, unique_slug
from generator.records.store import (
    PaperFile,
    excluded_records,
    fitted_to_limits,
    imported_fields,
    load_papers,
    paper_path,
    refresh_from_sources,
    split_refs,
    write_new_paper,
)
from generator.records.taxonomy import alias_index, load_taxonomy
from generator.records.titles import derive_title


@dataclass(frozen=True)
class SourcesRead:
    """The source files an import read: their paths and a digest of the bytes it read."""

    paths: tuple[Path, ...] = ()
    names: tuple[str, ...] = ()
    digests: tuple[bytes, ...] = ()

    @staticmethod
    def now(project: Project) -> SourcesRead:
        paths = tuple(find_source_files(project.sources_dir))
        digests = []
        for path in paths:
            try:
                digests.append(hashlib.blake2b(path.read_bytes(), digest_size=20).digest())
            except OSError:
                digests.append(b"")  # gone meanwhile: it will not match the next time
        names = tuple(path.relative_to(project.sources_dir).as_posix() for path in paths)
        return SourcesRead(paths, names, tuple(digests))


@dataclass
class ImportReport:
    blocks: int = 0
    papers_in_sources: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    excluded: list[str] = field(default_factory=list)  # excluded papers found in the sources
    vanished: list[str] = field(default_factory=list)  # papers no longer in a replaced source
    copied: list[str] = field(default_factory=list)
    merges: list[tuple[str, MergedRecord]] = field(default_factory=list)  # (paper id, record)
    near_misses: list[NearMiss] = field(default_factory=list)
    unmapped_keywords: dict[str, int] = field(default_factory=dict)
    source_warnings: list[Problem] = field(default_factory=list)  # sources read leniently
    # The sources this import read, as they were when it read them (see remember_sync).
    read: SourcesRead | None = None
    # Papers that want the same citation key, and the keys the site gives them.
    key_clashes: tuple[KeyClash, ...] = ()


def today() -> str:
    """The import day, recorded in new papers; LITREVIEW_TODAY fixes it (tests, rebuilding history)."""
    return os.environ.get("LITREVIEW_TODAY") or datetime.date.today().isoformat()


def _match_existing(records: list[MergedRecord], existing: list[PaperFile]) -> list[PaperFile | None]:
    """The existing record of each merged record, by fingerprint or by near-identical abstract."""
    by_fingerprint: dict[str, PaperFile] = {}
    by_identifier: dict[str, PaperFile] = {}
    for pf in existing:
        by_fingerprint.setdefault(pf.paper.fingerprint, pf)
        by_fingerprint.setdefault(paper_fingerprint(pf.paper), pf)
        for value in (pf.paper.meta.arxiv_id, pf.paper.meta.doi):
            if value:
                by_identifier.setdefault(value.lower(), pf)
    matches = [_found_directly(record, by_fingerprint, by_identifier) for record in records]
    unmatched = [i for i, m in enumerate(matches) if m is None]
    if unmatched and existing:
        # A source revised after import (or an abstract edited by hand) still finds its paper.
        abstracts = [pf.paper.abstract for pf in existing] + [records[i].abstract for i in unmatched]
        # (a derived title is no evidence: the source had none)
        identities = [
            _identity(None if pf.paper.title_derived else pf.paper.title, pf.paper.meta) for pf in existing
        ] + [_identity(records[i].title, records[i].meta) for i in unmatched]
        # (empty abstracts never match anything)
        for group in group_same_papers(abstracts, identities):
            olds = [g for g in group if g < len(existing)]
            if olds:
                for g in group:
                    if g >= len(existing):
                        matches[unmatched[g - len(existing)]] = existing[olds[0]]
    return _respect_splits(records, matches)


def _found_directly(
    record: MergedRecord, by_fingerprint: dict[str, PaperFile], by_identifier: dict[str, PaperFile]
) -> PaperFile | None:
    """The existing record with the arXiv id or DOI of `record`, else with one of its
    fingerprints, unless that record has another arXiv id or DOI and another title: then it is
    another paper with the same abstract. (With the same title it is the paper, its identifier
    edited by hand or changed by a newer export.)"""
    for value in (record.meta.arxiv_id, record.meta.doi):
        if value and value.lower() in by_identifier:
            return by_identifier[value.lower()]
    own = _ids(record.meta)
    for f in record.fingerprints:
        found = by_fingerprint.get(f)
        if found is None:
            continue
        if not conflicting(own, _ids(found.paper.meta)) or title_key(record.title) == title_key(
            found.paper.title
        ):
            return found
    return None


def _ids(meta: Bibliographic) -> dict[str, str]:
    return _identity(None, meta).identifiers()


def _identity(title: str | None, meta: Bibliographic) -> Identity:
    return Identity(title, meta.arxiv_id, meta.doi)


def _respect_splits(records: list[MergedRecord], matches: list[PaperFile | None]) -> list[PaperFile | None]:
    """A record whose sources a person split off a paper is not that paper; and a paper takes
    one record only (the one that carries its own first source, else the first)."""
    matches = list(matches)
    for i, (record, found) in enumerate(zip(records, matches, strict=True)):
        if found is not None and set(record.sources) <= set(split_refs(found)):
            matches[i] = None
    claimed: dict[str, int] = {}
    for i, found in enumerate(matches):
        if found is None:
            continue
        own = found.paper.fingerprint in records[i].fingerprints
        if found.paper.id not in claimed or (
            own and found.paper.fingerprint not in records[claimed[found.paper.id]].fingerprints
        ):
            if found.paper.id in claimed:
                matches[claimed[found.paper.id]] = None
            claimed[found.paper.id] = i
        else:
            matches[i] = None
    return matches


def _own_arxiv_id(record: MergedRecord, taken: set[str]) -> str | None:
    """The arXiv id of a record whose source names the paper by it (JSON records' `id`), kept
    as the paper id; other papers get an id made from their title."""
    key, arxiv = record.meta.key, record.meta.arxiv_id
    if not key or not arxiv or not ARXIV_ID.fullmatch(key) or normalise_arxiv_id(key) != arxiv:
        return None
    return id_of_identifier(arxiv, taken)


SYNC_CACHE = "import-done"


def sync_key(project: Project, records: list[PaperFile], sources: SourcesRead | None = None) -> str:
    """A hash of everything import reads: the sources' bytes (as `sources` read them, else as
    they are now) and what records say about them."""
    read = sources if sources is not None else SourcesRead.now(project)
    return content_key(
        read.names,
        read.digests,
        [imported_fields(record) for record in [*records, *excluded_records(records)]],
    )


def remember_sync(project: Project, records: list[PaperFile], report: ImportReport, cache: Cache) -> None:
    """Note that the sources are fully imported into `records`, so the next build can skip import.
    The note covers exactly the files the import read, as it read them: a source added or
    changed while it ran does not match it, and the next build imports it."""
    if report.read is None:
        return  # the import found nothing to read (it replayed an earlier one)
    cache.put(
        SYNC_CACHE,
        sync_key(project, records, report.read),
        {"blocks": report.blocks, "papers": report.papers_in_sources, "warnings": report.source_warnings},
    )


def _replay_sync(
    project: Project, existing: list[PaperFile], cache: Cache, log: ProblemLog, report: ImportReport
) -> bool:
    """Whether the sources and records are as the last import left them; if so, `report` and
    `log` get what that import found (its warnings again), and there is nothing to import."""
    done = cache.get(SYNC_CACHE, sync_key(project, existing))
    if done is None:
        return False
    report.blocks, report.papers_in_sources = done["blocks"], done["papers"]
    report.unchanged = len(existing)
    report.excluded = [pf.paper.id for pf in excluded_records(existing)]
    report.source_warnings = done["warnings"]
    for problem in done["warnings"]:
        log.warning(problem.path, problem.line, problem.message)
    return True


def _read_blocks(
    project: Project, log: ProblemLog, report: ImportReport, lenient: bool
) -> tuple[list[SourceBlock], bool]:
    """Every block of the sources, and whether reading them found errors that stop an import.
    Leniently (as `build` reads them), every problem is a warning; otherwise only a file with
    no readable entry is an error: the bad entries of a file with good ones are skipped with a
    warning, and the rest imports."""
    blocks: list[SourceBlock] = []
    stopped = False
    report.read = SourcesRead.now(project)
    for path in report.read.paths:
        file_log = ProblemLog(project.root)
        found = read_source(path, path.relative_to(project.content_dir).as_posix(), file_log)
        blocks.extend(found)
        for problem in file_log.problems:
            if problem.severity == "error" and not lenient and not found:
                log.problems.append(problem)
                stopped = True
                continue
            warning = Problem(problem.path, problem.line, problem.message, "warning")
            report.source_warnings.append(warning)
            log.problems.append(warning)
    return blocks, stopped


def _kept_apart(existing: list[PaperFile]) -> list[tuple[SourceRef, SourceRef]]:
    """The pairs of sources a person has said are different papers (by splitting one off)."""
    return [
        (split, own)
        for pf in existing
        for split in split_refs(pf)
        for own in pf.paper.sources
        if own != split
    ]


@dataclass(frozen=True)
class Replaced:
    """Sources that an import replaced with a newer export of the same name: the files
    ('sources/refs.bib') and the blocks they had before."""

    files: frozenset[str] = frozenset()
    blocks: dict[SourceRef, SourceBlock] = field(default_factory=dict)


@dataclass(frozen=True)
class _Renewal:
    """What refreshing records from replaced sources needs: the old blocks and the new."""

    replaced: Replaced
    blocks: dict[SourceRef, SourceBlock]

    def pair(self, record: MergedRecord, match: PaperFile) -> tuple[SourceBlock, SourceBlock] | None:
        """The paper's entry in a replaced file, before and now; None if it has none."""
        for old_ref in match.paper.sources:
            if old_ref.file not in self.replaced.files or old_ref not in self.replaced.blocks:
                continue
            new_ref = next((r for r in record.sources if r.file == old_ref.file and r in self.blocks), None)
            if new_ref is not None:
                return self.replaced.blocks[old_ref], self.blocks[new_ref]
        return None


def _source_values(
    abstract: str, date: PaperDate | None, authors_count: int | None, meta: Bibliographic | None
) -> dict[str, object]:
    """The fields of a record that come from its source (not the title, which is the person's,
    nor keywords, which only tag a paper when it enters the review)."""
    values: dict[str, object] = {
        "abstract": abstract.strip(),
        "date": date.to_text() if date is not None else None,
        "authors_count": authors_count,
    }
    values.update({k: v for k, v in (meta or Bibliographic()).fields().items() if k != "keywords"})
    if meta is not None and meta.reference is not None:
        values["reference"] = reference_to_yaml(meta.reference)
    return values


def _overwrites(record: MergedRecord, match: PaperFile, renewal: _Renewal | None) -> dict[str, object]:
    """The fields to update from a replaced source: those whose value the entry changed and that
    still have the value the old entry gave (a value edited by hand stays)."""
    pair = renewal.pair(record, match) if renewal is not None else None
    if pair is None:
        return {}
    old_block, new_block = pair
    paper = match.paper
    now = _source_values(paper.abstract, paper.date, paper.authors_count, paper.meta)
    old = _source_values(old_block.abstract, old_block.date, old_block.authors_count, old_block.meta)
    new = _source_values(new_block.abstract, new_block.date, new_block.authors_count, new_block.meta)
    return {
        key: value
        for key, value in new.items()
        if value not in (None, "", []) and value != old.get(key) and now.get(key) == old.get(key)
    }


def _refresh(record: MergedRecord, match: PaperFile, renewal: _Renewal | None = None) -> bool:
    """Bring the source-owned fields of an existing record up to date; True if it changed."""
    replace_title = None
    old = match.paper
    if old.title_derived and record.title and old.title == derive_title(old.abstract):
        replace_title = record.title  # a real title arrived and nobody had renamed it
    metadata = {
        "date": record.date.to_text() if record.date and old.date is None else None,
        "authors_count": record.authors_count if old.authors_count is None else None,
        "upvotes": record.upvotes if old.upvotes is None else None,
    }
    have = old.meta.fields()
    metadata.update({k: v for k, v in record.meta.fields().items() if k not in have and k != "keywords"})
    if old.meta.reference is None and record.meta.reference is not None:
        # A record made before references were kept, or from a source without one, gets it.
        metadata["reference"] = reference_to_yaml(record.meta.reference)
    overwrite = _overwrites(record, match, renewal)
    additions = _reference_additions(old.meta.reference, record.meta.reference)
    needed = (
        old.sources != record.sources
        or replace_title is not None
        or any(v is not None for v in metadata.values())
        or bool(overwrite)
        or bool(additions)
    )
    # Only a record that needs a change is opened for a round-trip edit (slow, and it must
    # leave every other record byte for byte as the person left it).
    return needed and refresh_from_sources(
        match.path, record.sources, metadata, replace_title, overwrite, additions
    )


def _reference_additions(have: Reference | None, found: Reference | None) -> dict[str, dict[str, Any]]:
    """The fields and name lists of a source's reference that the record's reference lacks
    (merged field by field: the record's values stay)."""
    if have is None or found is None:
        return {}
    known_fields = {k for k, _ in have.fields}
    known_names = {role for role, _ in have.names}
    wanted = reference_to_yaml(found)
    additions: dict[str, dict[str, Any]] = {}
    fields = {k: v for k, v in (wanted.get("fields") or {}).items() if k not in known_fields}
    names = {k: v for k, v in (wanted.get("names") or {}).items() if k not in known_names}
    if fields:
        additions["fields"] = fields
    if names:
        additions["names"] = names
    return additions


def _update_existing(
    records: list[MergedRecord],
    matches: list[PaperFile | None],
    report: ImportReport,
    renewal: _Renewal | None = None,
) -> None:
    for record, match in zip(records, matches, strict=True):
        if match is None:
            continue
        changed = _refresh(record, match, renewal)
        if match.excluded:
            report.excluded.append(match.paper.id)
        elif changed:
            report.updated.append(match.paper.id)
        else:
            report.unchanged += 1


def _report_vanished(
    records: list[MergedRecord],
    matches: list[PaperFile | None],
    everyone: list[PaperFile],
    renewal: _Renewal,
    log: ProblemLog,
) -> list[str]:
    """Warn of each paper that a replaced source no longer has (its record stays); their ids."""
    files_now: dict[str, set[str]] = {}
    for record, match in zip(records, matches, strict=True):
        if match is not None:
            files_now.setdefault(match.paper.id, set()).update(s.file for s in record.sources)
    vanished = []
    for pf in everyone:
        for ref in pf.paper.sources:
            if ref.file in renewal.replaced.files and ref.file not in files_now.get(pf.paper.id, set()):
                old = renewal.replaced.blocks.get(ref)
                key = f", entry {old.meta.key!r}" if old is not None and old.meta and old.meta.key else ""
                log.warning(
                    pf.path,
                    None,
                    f"{ref.file} no longer has this paper (it was line {ref.line}{key}); the record is kept",
                )
                vanished.append(pf.paper.id)
                break
    return vanished


def _new_papers(
    records: list[MergedRecord], matches: list[PaperFile | None], existing: list[PaperFile]
) -> list[Paper]:
    """The papers of the records that match no existing record, with their new ids (no tags yet)."""
    taken = {pf.paper.id.casefold() for pf in existing}
    new_papers: list[Paper] = []
    for record, match in zip(records, matches, strict=True):
        if match is not None:
            continue
        title = record.title or derive_title(record.abstract)
        paper_id = _own_arxiv_id(record, taken) or unique_slug(
            title, taken, fallback=f"paper-{record.fingerprints[0][:8]}"
        )
        taken.add(paper_id.casefold())
        new_papers.append(
            Paper(
                id=paper_id,
                title=title,
                abstract=record.abstract,
                tags=(),
                fingerprint=record.fingerprints[0],
                title_derived=record.title is None,
                date=record.date,
                authors_count=record.authors_count,
                upvotes=record.upvotes,
                sources=record.sources,
                meta=record.meta,
                added=today(),
            )
        )
    return new_papers


def _starter_tags(
    new_papers: list[Paper], existing: list[PaperFile], taxonomy: Taxonomy, report: ImportReport
) -> list[Paper]:
    """The new papers with the tags their match rules and keywords give them, else the tag that
    similar papers vote for; keywords that name no tag are counted in `report`.

    Only tags a person gave vote: the papers already in the review (their records are the
    person's) and the keywords of an export. A match rule's tags do not: the papers left to the
    vote are those the rules passed over, so rule-tagged neighbours would spread a rule to the
    papers it rightly missed (in a review made by `init`, general segmentation papers voted
    *Healthcare* by medical-imaging neighbours)."""
    known = set(taxonomy.tags)
    aliases = alias_index(taxonomy)
    tagged, voters = [], [pf.paper for pf in existing]
    for paper, tags in zip(new_papers, rule_tags(new_papers, taxonomy), strict=True):
        mapped = {aliases[k.casefold()] for k in paper.meta.keywords if k.casefold() in aliases}
        for keyword in paper.meta.keywords:
            if keyword.casefold() not in aliases:
                report.unmapped_keywords[keyword] = report.unmapped_keywords.get(keyword, 0) + 1
        tagged.append(replace(paper, tags=tuple(sorted({t for t in tags if t in known} | mapped))))
        voters.append(replace(paper, tags=tuple(sorted(mapped))))
    votes = vote_tags(voters, {p.id for p in tagged if not p.tags})
    return [
        replace(paper, tags=(votes[paper.id],)) if not paper.tags and paper.id in votes else paper
        for paper in tagged
    ]


def _fitted(project: Project, paper: Paper, log: ProblemLog) -> Paper | None:
    """The paper cut to the limits of a record (fitted_to_limits), with a warning naming its
    source file and entry; None (and the warning says it is skipped) if it cannot fit."""
    fitted, notes = fitted_to_limits(paper)
    if not notes:
        return fitted
    source = paper.sources[0] if paper.sources else None
    entry = f"the entry {paper.meta.key!r}" if paper.meta.key else f"the paper {paper.title[:60]!r}"
    outcome = "skipped" if fitted is None else f"imported as content/papers/{paper.id}.yaml"
    path = project.content_dir / source.file if source else paper_path(project.papers_dir, paper.id)
    log.warning(path, source.line if source else None, f"{entry}: {'; '.join(notes)}; {outcome}")
    return fitted


def _write_new_papers(project: Project, papers: list[Paper], report: ImportReport, log: ProblemLog) -> None:
    for original in papers:
        paper = _fitted(project, original, log)
        if paper is None:
            continue
        if not paper.tags:
            log.warning(
                paper_path(project.papers_dir, paper.id), None, "no tag matched this paper; add one by hand"
            )
        write_new_paper(project.papers_dir, paper, durable=False)
        report.created.append(paper.id)
    os.sync()  # once for every new record, instead of once per file


def _merges(
    records: list[MergedRecord], matches: list[PaperFile | None], new_papers: list[Paper]
) -> list[tuple[str, MergedRecord]]:
    """The records merged from several sources, each with the id of its paper."""
    ids = {r.fingerprints[0]: (m.paper.id if m else None) for r, m in zip(records, matches, strict=True)}
    ids.update({p.fingerprint: p.id for p in new_papers})
    return [(ids[r.fingerprints[0]] or "?", r) for r in records if len(r.sources) > 1]


@dataclass(frozen=True)
class SyncJob:
    """How sync_sources runs (see there); `replaced` are the sources that an import has just
    replaced with a newer export of the same name."""

    taxonomy: Taxonomy | None = None
    lenient_sources: bool = False
    existing: list[PaperFile] | None = None
    cache: Cache | None = None
    replaced: Replaced | None = None


def sync_sources(
    project: Project,
    log: ProblemLog,
    taxonomy: Taxonomy | None = None,
    *,
    lenient_sources: bool = False,
    existing: list[PaperFile] | None = None,
    cache: Cache | None = None,
) -> ImportReport:
    """Bring every paper in content/sources/ into content/papers/ (see the module docstring).

    With `lenient_sources` (as `build` runs it), a file that cannot be read is a warning: it is
    skipped and the rest builds; `import` reports it as an error (and an entry that cannot be
    read, in a file with good ones, as a warning). `existing` are the records if the caller has
    loaded them already. With a `cache`, a build whose sources and records are as the last
    import left them skips the import (it would change nothing) and repeats its warnings.
    Excluded records (`status: excluded`) are matched like the others, so their papers are
    recognised and never come back."""
    return run_sync(project, log, SyncJob(taxonomy, lenient_sources, existing, cache))


def run_sync(project: Project, log: ProblemLog, job: SyncJob) -> ImportReport:
    """sync_sources, as `job` says."""
    report = ImportReport()
    taxonomy = job.taxonomy if job.taxonomy is not None else load_taxonomy(project.tags_file, log)
    existing = job.existing
    if existing is None:
        existing = load_papers(project.papers_dir, None, log, job.cache)
    # A record that cannot be read might be the home of a paper in the sources; importing now
    # could create a duplicate of it, so stop until it is fixed.
    log.raise_if_errors()
    if job.cache is not None and _replay_sync(project, existing, job.cache, log, report):
        return report
    everyone = [*existing, *excluded_records(existing)]
    blocks, source_errors = _read_blocks(project, log, report, job.lenient_sources)
    records, report.near_misses = merge_with_report(blocks, _kept_apart(everyone))
    report.blocks, report.papers_in_sources = len(blocks), len(records)
    matches = _match_existing(records, everyone)
    renewal = _Renewal(job.replaced, {b.ref: b for b in blocks}) if job.replaced else None
    _update_existing(records, matches, report, renewal)
    if renewal is not None:
        report.vanished = _report_vanished(records, matches, everyone, renewal, log)
    new_papers = _new_papers(records, matches, everyone)
    if new_papers:
        _write_new_papers(project, _starter_tags(new_papers, existing, taxonomy, report), report, log)
    if job.cache is not None and not source_errors and not report.created and not report.updated:
        remember_sync(project, existing, report, job.cache)
    report.merges = _merges(records, matches, new_papers)
    report.key_clashes = citation_keys([*(pf.paper for pf in existing), *new_papers]).clashes
    return report


def merge_report(report: ImportReport) -> dict[str, object]:
    """What import took for one paper, and what it nearly did: for a person to confirm or split."""

    def ref(source: SourceRef) -> str:
        return f"{source.file}:{source.line}"

    return {
        "merged": [
            {"paper": paper_id, "sources": [ref(s) for s in record.sources], "why": list(record.reasons)}
            for paper_id, record in sorted(report.merges, key=lambda item: item[0])
        ],
        "near_misses": [
            {"first": ref(n.first), "second": ref(n.second), "why": n.why}
            for n in report.near_misses
            if not n.possible
        ],
        "possible_duplicates": [
            {"first": ref(n.first), "second": ref(n.second), "why": n.why}
            for n in report.near_misses
            if n.possible
        ],
        "unmapped_keywords": dict(sorted(report.unmapped_keywords.items())),
        # Reference fields that the merged copies gave differently: the value kept is the one of
        # the copy in `kept` (a BibTeX entry's first, then the first copy found).
        "reference_fields": [
            {"paper": paper_id, **choice}
            for paper_id, record in sorted(report.merges, key=lambda item: item[0])
            for choice in record.reference_merge
        ],
        "citation_keys": [
            {"key": clash.key, "papers": list(clash.papers), "keys": list(clash.given)}
            for clash in report.key_clashes
        ],
    }


@dataclass
class Added:
    """What add_sources did: the files copied into content/sources/ (new names), those that
    replaced an older export of the same name, and what the older ones held."""

    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    replaced: Replaced = field(default_factory=Replaced)


def source_files_in(directory: Path) -> tuple[list[Path], list[Path]]:
    """The files in `directory` (not its subfolders) that may be sources, by their name, and
    the others; hidden files are neither."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    sources = [p for p in files if p.suffix.lower() in SOURCE_SUFFIXES]
    return sources, [p for p in files if p not in sources]


def add_sources(project: Project, files: list[Path], log: ProblemLog) -> Added:
    """Copy files into content/sources/ if they have papers; a file of the name of a source
    that is there already replaces it (a newer export of it), and the blocks it had are kept
    in the result, for import to refresh the records (run_sync with SyncJob.replaced).
    A file with no readable entry is not copied (its problems go to `log`); the problems of a
    copied file are left for import to report, as content/sources/<name>."""
    added = Added()
    old_blocks: dict[SourceRef, SourceBlock] = {}
    project.sources_dir.mkdir(parents=True, exist_ok=True)
    for file in files:
        if not file.is_file():
            raise LitreviewError(f"{file}: no such file")
        target = project.sources_dir / file.name
        exists = target.exists()
        if exists and target.read_bytes() == file.read_bytes():
            continue
        probe = ProblemLog(project.root)
        if not read_source(file, file.name, probe):
            log.problems.extend(probe.problems)
            continue
        if exists:
            rel = target.relative_to(project.content_dir).as_posix()
            old_blocks.update((b.ref, b) for b in read_source(target, rel, ProblemLog(project.root)))
            added.updated.append(file.name)
        else:
            added.copied.append(file.name)
        atomic_write_bytes(target, file.read_bytes())
    files_replaced = frozenset(f"sources/{name}" for name in added.updated)
    added.replaced = Replaced(files_replaced, old_blocks)
    return added


def add_source_files(project: Project, files: list[Path], log: ProblemLog) -> list[str]:
    """Copy files into content/sources/ (see add_sources); returns the names copied or replaced."""
    added = add_sources(project, files, log)
    return added.copied + added.updated


def report_possible_duplicates(project: Project, log: ProblemLog) -> int:
    """Warn (for `check`) of each possible duplicate that the last import listed in
    content/merge-report.yaml: pairs kept apart that a person may want to look at. How many."""
    import yaml

    path = project.content_dir / "merge-report.yaml"
    try:
        report = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError, yaml.YAMLError):
        return 0
    pairs = report.get("possible_duplicates") if isinstance(report, dict) else None
    count = 0
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, dict) and {"first", "second", "why"} <= pair.keys():
            log.warning(
                path,
                None,
                f"possible duplicate, kept apart: {pair['first']} and {pair['second']} ({pair['why']}); "
                "merge them by hand if they are one paper",
            )
            count += 1
    return count
