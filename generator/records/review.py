"""The review of validated records: the checks that span records, and loading it whole."""

from __future__ import annotations

from generator.cache.store import Cache
from generator.errors import ProblemLog
from generator.model import Review, Taxonomy
from generator.project import Project
from generator.records.store import PaperFile, load_papers
from generator.records.taxonomy import load_taxonomy


def review_of(records: list[PaperFile], taxonomy: Taxonomy, log: ProblemLog) -> Review:
    """The review of validated records: checks what spans records (related pins and hides)."""
    papers = tuple(record.paper for record in records)
    known = {paper.id for paper in papers}
    for record in records:
        for key, ids in (("pin", record.paper.related_pin), ("hide", record.paper.related_hide)):
            for i, other in enumerate(ids):
                if other == record.paper.id or other not in known:
                    what = "the paper itself" if other == record.paper.id else "no paper with that id"
                    log.error(
                        record.path,
                        record.lines.get(("related", key, i)),
                        f"related.{key}: {other!r} is {what}",
                    )
    for record in records:
        if not record.paper.tags:
            log.warning(
                record.path,
                record.lines.get(("tags",)),
                "this paper has no tags; it appears on no topic page",
            )
    return Review(papers=papers, taxonomy=taxonomy)


def load_review(project: Project, log: ProblemLog, cache: Cache | None = None) -> Review:
    """Validated taxonomy and papers, without enrichment; problems go to `log`."""
    taxonomy = load_taxonomy(project.tags_file, log)
    records = load_papers(project.papers_dir, taxonomy if taxonomy.tags else None, log, cache)
    return review_of(records, taxonomy, log)
