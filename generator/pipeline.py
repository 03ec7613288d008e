"""The generator's stages wired together: content -> Review -> Markdown pages and data files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from generator.catalog import catalog_file
from generator.errors import ProblemLog
from generator.importer import ImportReport, sync_sources
from generator.maplayout import MAP_FILE, map_data
from generator.model import Review, Taxonomy
from generator.project import Project
from generator.related import TextFeatures, key_terms, related_papers, semantic_vectors
from generator.render import PageSet, render_pages, write_pages
from generator.search_index import search_files
from generator.store import load_papers
from generator.taxonomy import load_taxonomy

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def load_review(project: Project, log: ProblemLog) -> Review:
    """Validated taxonomy and papers, without enrichment; problems go to `log`."""
    taxonomy = load_taxonomy(project.tags_file, log)
    records = load_papers(project.papers_dir, taxonomy if taxonomy.tags else None, log)
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


@dataclass
class GenerateReport:
    imported: ImportReport | None
    taxonomy: Taxonomy
    papers: int
    pages: int
    written: int
    removed: int


def generate(
    project: Project,
    log: ProblemLog,
    *,
    site_title: str,
    sync: bool = True,
    progress: Progress = _quiet,
    related_method: str = "lsa",
    site_url: str = "",
) -> GenerateReport:
    """Import new sources, validate, enrich and render into project.docs_dir.

    Raises ContentErrors (with every problem) before writing anything if the content is invalid.
    """
    imported = None
    if sync:
        progress("import sources")
        imported = sync_sources(project, log, lenient_sources=True)
    progress("validate content")
    review = load_review(project, log)
    log.raise_if_errors()
    progress("related papers")
    features = TextFeatures.of(review.papers) if review.papers else None
    vectors = semantic_vectors(review.papers) if review.papers else None
    if related_method == "embeddings" and review.papers:
        from generator.embeddings import embedding_vectors

        vectors = embedding_vectors(review.papers, project.work_dir / "cache")
    review = Review(
        review.papers,
        review.taxonomy,
        related_papers(review.papers, features, vectors=vectors),
        dict(key_terms(review.papers, features, list(review.taxonomy.tags))) if features else {},
    )
    progress("render pages")
    pages: PageSet = render_pages(review, project.templates_dir, site_title, site_url)
    progress("search index")
    for path, data in {**search_files(review), **catalog_file(review)}.items():
        pages.add(path, data)
    progress("map")
    pages.add(
        MAP_FILE,
        map_data(review.papers, review.taxonomy, vectors if vectors is not None else np.zeros((0, 2))),
    )
    written, removed = write_pages(pages, project.docs_dir)
    return GenerateReport(imported, review.taxonomy, len(review.papers), len(pages.files), written, removed)
