"""The review of validated records: the checks that span records, and loading it whole."""

from __future__ import annotations

from collections.abc import Sequence

from generator.cache.store import Cache
from generator.errors import ProblemLog
from generator.model import Flow, Review, Taxonomy
from generator.project import Project
from generator.records.fields import check_records
from generator.records.reference import report_key_clashes
from generator.records.store import PaperFile, excluded_records, load_papers
from generator.records.taxonomy import load_taxonomy


def _related_problem(
    record: PaperFile, key: str, other: str, known: set[str], excluded: set[str]
) -> str | None:
    """What is wrong with `other` in the record's related.<key> list, if anything."""
    if other == record.paper.id:
        return "the paper itself"
    if other in known or (key == "hide" and other in excluded):
        return None
    if other in excluded:
        return "excluded from the review (status: excluded); take it off the list"
    return "no paper with that id"


def review_of(records: list[PaperFile], taxonomy: Taxonomy, log: ProblemLog) -> Review:
    """The review of validated records: checks what spans records (related pins and hides).
    Excluded records are not in `records` (load_papers keeps them apart): a pin of one is an
    error, a hide of one is fine."""
    papers = tuple(record.paper for record in records)
    known = {paper.id for paper in papers}
    excluded = {record.paper.id for record in excluded_records(records)}
    for record in records:
        for key, ids in (("pin", record.paper.related_pin), ("hide", record.paper.related_hide)):
            for i, other in enumerate(ids):
                what = _related_problem(record, key, other, known, excluded)
                if what is not None:
                    line = record.lines.get(("related", key, i))
                    log.error(record.path, line, f"related.{key}: {other!r} is {what}")
    if taxonomy.tags or taxonomy.fields:  # as tags: not against a taxonomy that could not be read
        check_records(records, taxonomy.fields, log)  # the extracted values, against fields.yaml
    for record in records:
        if not record.paper.tags:
            log.warning(
                record.path,
                record.lines.get(("tags",)),
                "this paper has no tags; it appears on no topic page",
            )
    report_key_clashes(records, log)  # citation keys that papers share, and what they become
    return Review(papers=papers, taxonomy=taxonomy, flow=screening_flow(records, log))


def screening_flow(records: Sequence[PaperFile], log: ProblemLog) -> Flow | None:
    """A systematic review's PRISMA flow (content/review.yaml next to the papers' folder), with
    the decisions checked against it; None for a review that is not systematic."""
    from generator.records.screening import check_decisions, flow_of, load_protocol

    papers_dir = getattr(records, "papers_dir", None)
    if papers_dir is None:
        return None
    protocol = load_protocol(papers_dir.parent, log)
    if protocol is None:
        return None
    everyone = [*records, *excluded_records(records)]
    check_decisions(everyone, protocol, log)
    return flow_of([record.paper for record in everyone], protocol, log)


def load_review(project: Project, log: ProblemLog, cache: Cache | None = None) -> Review:
    """Validated taxonomy and papers, without enrichment; problems go to `log`."""
    taxonomy = load_taxonomy(project.tags_file, log)
    records = load_papers(project.papers_dir, taxonomy if taxonomy.tags else None, log, cache)
    return review_of(records, taxonomy, log)
