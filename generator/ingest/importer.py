"""Import: bring the papers found in content/sources/ into content/papers/.

New papers get a record (id, title, starter tags); papers already in the review only have their
source-owned fields refreshed. Running it twice on the same sources changes nothing.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.cache.store import Cache, content_key
from generator.enrich.tagging import rule_tags, vote_tags
from generator.errors import LitreviewError, Problem, ProblemLog
from generator.files import atomic_write_bytes
from generator.ingest.dedupe import (
    MergedRecord,
    NearMiss,
    group_same_papers,
    merge_with_report,
    paper_fingerprint,
)
from generator.ingest.formats import ARXIV_ID, normalise_arxiv_id
from generator.ingest.sources import find_source_files, read_source, read_sources
from generator.model import Paper, SourceBlock, SourceRef, Taxonomy
from generator.project import Project
from generator.records.slugs import id_of_identifier, unique_slug
from generator.records.store import (
    PaperFile,
    imported_fields,
    load_papers,
    paper_path,
    refresh_from_sources,
    split_refs,
    write_new_paper,
)
from generator.records.taxonomy import alias_index, load_taxonomy
from generator.records.titles import derive_title


@dataclass
class ImportReport:
    blocks: int = 0
    papers_in_sources: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    copied: list[str] = field(default_factory=list)
    merges: list[tuple[str, MergedRecord]] = field(default_factory=list)  # (paper id, record)
    near_misses: list[NearMiss] = field(default_factory=list)
    unmapped_keywords: dict[str, int] = field(default_factory=dict)
    source_warnings: list[Problem] = field(default_factory=list)  # sources read leniently


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
    matches: list[PaperFile | None] = []
    for record in records:
        found = next((by_fingerprint[f] for f in record.fingerprints if f in by_fingerprint), None)
        for value in (record.meta.arxiv_id, record.meta.doi):
            if found is None and value and value.lower() in by_identifier:
                found = by_identifier[value.lower()]
        matches.append(found)
    unmatched = [i for i, m in enumerate(matches) if m is None]
    if unmatched and existing:
        # A source revised after import (or an abstract edited by hand) still finds its paper.
        abstracts = [pf.paper.abstract for pf in existing] + [records[i].abstract for i in unmatched]
        # (empty abstracts never match anything)
        for group in group_same_papers(abstracts):
            olds = [g for g in group if g < len(existing)]
            if olds:
                for g in group:
                    if g >= len(existing):
                        matches[unmatched[g - len(existing)]] = existing[olds[0]]
    return _respect_splits(records, matches)


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


def sync_key(project: Project, records: list[PaperFile]) -> str:
    """A hash of everything import reads: the sources' bytes and what records say about them."""
    sources = find_source_files(project.sources_dir)
    return content_key(
        [path.relative_to(project.sources_dir).as_posix() for path in sources],
        [path.read_bytes() for path in sources],
        [imported_fields(record) for record in records],
    )


def remember_sync(project: Project, records: list[PaperFile], report: ImportReport, cache: Cache) -> None:
    """Note that the sources are fully imported into `records`, so the next build can skip import."""
    cache.put(
        SYNC_CACHE,
        sync_key(project, records),
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
    report.source_warnings = done["warnings"]
    for problem in done["warnings"]:
        log.warning(problem.path, problem.line, problem.message)
    return True


def _read_blocks(
    project: Project, log: ProblemLog, report: ImportReport, lenient: bool
) -> tuple[list[SourceBlock], bool]:
    """Every block of the sources, and whether reading them found errors that stop an import.
    Leniently (as `build` reads them), every problem is a warning."""
    source_log = ProblemLog(project.root)
    blocks = read_sources(project.sources_dir, project.content_dir, source_log)
    for problem in source_log.problems:
        if lenient or problem.severity == "warning":
            report.source_warnings.append(Problem(problem.path, problem.line, problem.message, "warning"))
    log.problems.extend(report.source_warnings if lenient else source_log.problems)
    return blocks, not lenient and bool(source_log.errors)


def _kept_apart(existing: list[PaperFile]) -> list[tuple[SourceRef, SourceRef]]:
    """The pairs of sources a person has said are different papers (by splitting one off)."""
    return [
        (split, own)
        for pf in existing
        for split in split_refs(pf)
        for own in pf.paper.sources
        if own != split
    ]


def _refresh(record: MergedRecord, match: PaperFile) -> bool:
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
    needed = (
        old.sources != record.sources
        or replace_title is not None
        or any(v is not None for v in metadata.values())
    )
    # Only a record that needs a change is opened for a round-trip edit (slow, and it must
    # leave every other record byte for byte as the person left it).
    return needed and refresh_from_sources(match.path, record.sources, metadata, replace_title)


def _update_existing(
    records: list[MergedRecord], matches: list[PaperFile | None], report: ImportReport
) -> None:
    for record, match in zip(records, matches, strict=True):
        if match is None:
            continue
        if _refresh(record, match):
            report.updated.append(match.paper.id)
        else:
            report.unchanged += 1


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
    similar papers vote for; keywords that name no tag are counted in `report`."""
    known = set(taxonomy.tags)
    aliases = alias_index(taxonomy)
    tagged = []
    for paper, tags in zip(new_papers, rule_tags(new_papers, taxonomy), strict=True):
        mapped = {aliases[k.casefold()] for k in paper.meta.keywords if k.casefold() in aliases}
        for keyword in paper.meta.keywords:
            if keyword.casefold() not in aliases:
                report.unmapped_keywords[keyword] = report.unmapped_keywords.get(keyword, 0) + 1
        tagged.append(replace(paper, tags=tuple(sorted({t for t in tags if t in known} | mapped))))
    everyone = [pf.paper for pf in existing] + tagged
    votes = vote_tags(everyone, {p.id for p in tagged if not p.tags})
    return [
        replace(paper, tags=(votes[paper.id],)) if not paper.tags and paper.id in votes else paper
        for paper in tagged
    ]


def _write_new_papers(project: Project, papers: list[Paper], report: ImportReport, log: ProblemLog) -> None:
    for paper in papers:
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

    With `lenient_sources` (as `build` runs it), an entry of a source that cannot be read is a
    warning: it is skipped and the rest builds; `import` and `check` report it as an error.
    `existing` are the records if the caller has loaded them already. With a `cache`, a build
    whose sources and records are as the last import left them skips the import (it would
    change nothing) and repeats its warnings."""
    report = ImportReport()
    if taxonomy is None:
        taxonomy = load_taxonomy(project.tags_file, log)
    if existing is None:
        existing = load_papers(project.papers_dir, None, log, cache)
    # A record that cannot be read might be the home of a paper in the sources; importing now
    # could create a duplicate of it, so stop until it is fixed.
    log.raise_if_errors()
    if cache is not None and _replay_sync(project, existing, cache, log, report):
        return report
    blocks, source_errors = _read_blocks(project, log, report, lenient_sources)
    records, report.near_misses = merge_with_report(blocks, _kept_apart(existing))
    report.blocks, report.papers_in_sources = len(blocks), len(records)
    matches = _match_existing(records, existing)
    _update_existing(records, matches, report)
    new_papers = _new_papers(records, matches, existing)
    if new_papers:
        _write_new_papers(project, _starter_tags(new_papers, existing, taxonomy, report), report, log)
    if cache is not None and not source_errors and not report.created and not report.updated:
        remember_sync(project, existing, report, cache)
    report.merges = _merges(records, matches, new_papers)
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
            {"first": ref(n.first), "second": ref(n.second), "why": n.why} for n in report.near_misses
        ],
        "unmapped_keywords": dict(sorted(report.unmapped_keywords.items())),
    }


def add_source_files(project: Project, files: list[Path], log: ProblemLog) -> list[str]:
    """Copy files into content/sources/ (after checking they parse); returns the names copied."""
    copied: list[str] = []
    project.sources_dir.mkdir(parents=True, exist_ok=True)
    for file in files:
        if not file.is_file():
            raise LitreviewError(f"{file}: no such file")
        target = project.sources_dir / file.name
        if target.exists():
            if target.read_bytes() == file.read_bytes():
                continue
            raise LitreviewError(
                f"{file}: content/sources/{file.name} exists with different text; rename the new file"
            )
        probe = ProblemLog(project.root)
        blocks = read_source(file, file.name, probe)
        log.problems.extend(probe.problems)
        if not blocks:
            continue
        atomic_write_bytes(target, file.read_bytes())
        copied.append(file.name)
    return copied
