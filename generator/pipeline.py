"""The generator's stages wired together: content -> Review -> Markdown pages and data files."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from generator.cache import Cache, content_key
from generator.catalog import CATALOG_FILE, catalog_file
from generator.errors import ProblemLog
from generator.importer import ImportReport, remember_sync, sync_sources
from generator.maplayout import MAP_FILE, layout, map_data
from generator.model import Paper, Review, Taxonomy
from generator.project import Project
from generator.related import (
    CANDIDATES,
    HUB_CAP,
    SEMANTIC_DIMS,
    Neighbourhood,
    TextFeatures,
    key_terms,
    paper_text,
    related_papers,
    semantic_vectors,
)
from generator.render import PageSet, render_pages, write_pages
from generator.search_index import LUNR_JS_FILE, lunr_js_path, search_files
from generator.search_index import search_mode as configured_search_mode
from generator.site import pages_changing
from generator.store import PaperFile, load_papers
from generator.taxonomy import load_taxonomy

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


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


# The code that computes the cached enrichment: a change to it makes the old entries stale.
ENRICH_CODE = content_key(
    [(Path(__file__).parent / name).read_bytes() for name in ("related.py", "maplayout.py", "embeddings.py")]
)


def text_key(papers: tuple[Paper, ...], method: str) -> str:
    """What related papers, key-term features and the map depend on: ids and text, not tags."""
    return content_key(
        [ENRICH_CODE, method, str(SEMANTIC_DIMS), str(CANDIDATES), str(HUB_CAP)],
        [p.id for p in papers],
        [paper_text(p) for p in papers],
    )


def cached_vectors(papers: tuple[Paper, ...], cache: Cache, key: str, related_method: str) -> np.ndarray:
    """The related-papers vectors of the papers whose text hashes to `key`."""

    def compute() -> np.ndarray:
        if related_method == "embeddings":
            from generator.embeddings import embedding_vectors

            return embedding_vectors(papers, cache.directory)
        return semantic_vectors(papers)

    return cache.computed("vectors", key, compute)


@dataclass(frozen=True)
class LateFiles:
    """The data files made after the pages (search index, catalog.json, map.json). A plain,
    picklable object, so that build_site can have another process make them while MkDocs runs
    (a forked process could hang in OpenMP, which scikit-learn uses, once the parent has)."""

    review: Review
    cache_dir: Path
    text_key: str
    related_method: str
    search_mode: str

    def __call__(self) -> dict[str, bytes]:
        files = {**search_files(self.review, self.search_mode), **catalog_file(self.review)}
        papers = self.review.papers
        cache = Cache(self.cache_dir)
        coordinates = (
            cache.computed(
                "map-layout",
                self.text_key,
                lambda: layout(cached_vectors(papers, cache, self.text_key, self.related_method)),
            )
            if papers
            else np.zeros((0, 2))
        )
        files[MAP_FILE] = map_data(papers, self.review.taxonomy, coordinates)
        return {path: data for path, data in files.items() if is_late(path)}


def enrich(review: Review, cache: Cache, related_method: str) -> Review:
    """Related papers and key terms; the text-only parts come from the cache when the papers'
    text is unchanged (a tag edit recomputes only what tags change)."""
    papers = review.papers
    if not papers:
        return review
    key = text_key(papers, related_method)
    features = cache.computed("text-features", key, lambda: TextFeatures.of(papers))
    loaded: dict[str, np.ndarray] = {}

    def vectors() -> np.ndarray:
        if "vectors" not in loaded:
            loaded["vectors"] = cached_vectors(papers, cache, key, related_method)
        return loaded["vectors"]

    neighbours = cache.computed("neighbours", key, lambda: Neighbourhood.of(vectors(), features.id_rank()))
    memo = cache.get("pair-terms", key) or {}
    known_pairs = len(memo)
    pinned = any(p.related_pin for p in papers)
    related = related_papers(
        papers, features, vectors=vectors() if pinned else None, neighbours=neighbours, terms_memo=memo
    )
    if len(memo) != known_pairs:
        cache.put("pair-terms", key, memo)
    terms = dict(key_terms(papers, features, list(review.taxonomy.tags)))
    return Review(papers, review.taxonomy, related, terms)


@dataclass
class GenerateReport:
    imported: ImportReport | None
    taxonomy: Taxonomy
    papers: int
    pages: int
    written: int
    removed: int
    changed: list[str] = field(default_factory=list)  # docs paths written or removed
    # With defer_late: makes the data files (search index, catalog, map) for build_site to
    # compute while MkDocs runs.
    late: LateFiles | None = None
    # Call once the site is built: the next build of unchanged inputs then does nothing.
    built: Callable[[], None] = lambda: None


def is_late(path: str) -> bool:
    """The data files computed after the pages: search index parts, catalog and map."""
    return path in (MAP_FILE, CATALOG_FILE) or (path.startswith("search/") and path.endswith(".json"))


PAGE_STATE = "page-state"


class PageState:
    """The key each generated page was written from, with the file's size and mtime then, so a
    page whose inputs and file are both unchanged need not be rendered again."""

    def __init__(self, cache: Cache, docs_dir: Path) -> None:
        self.cache, self.docs_dir, self.docs = cache, docs_dir, str(docs_dir)
        self.key = content_key(str(docs_dir))
        self.entries: dict[str, tuple[str, int, int]] = cache.get(PAGE_STATE, self.key) or {}

    def is_current(self, path: str, key: str) -> bool:
        entry = self.entries.get(path)
        if entry is None or entry[0] != key:
            return False
        try:
            stat = os.stat(os.path.join(self.docs, path))
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == entry[1:]

    def save(self, pages: PageSet) -> None:
        entries = {}
        for path, key in pages.keys.items():
            stat = os.stat(os.path.join(self.docs, path))
            entries[path] = (key, stat.st_size, stat.st_mtime_ns)
        if entries != self.entries:
            self.cache.put(PAGE_STATE, self.key, entries)


GENERATED = "generated"
# BibTeX entries and summaries are made by this code: a change to it makes new ones.
FRAGMENTS_KEY = content_key(
    ["fragments", "1"], [(Path(__file__).parent / name).read_bytes() for name in ("cite.py", "abstracts.py")]
)
# Files in content/ that litreview writes itself (reports), so they are not inputs.
REPORTS = ("merge-report.yaml", "suggested-tags.yaml")


def inputs_key(project: Project, settings: list[str]) -> str:
    """A hash of everything generate reads: content/, the templates, mkdocs.yml, this code and
    the settings it was called with. Reading and hashing 20,000 records takes a few tenths of a
    second, so an unchanged review is recognised without doing any of the work."""
    paths: list[Path] = []
    for root in (project.content_dir, project.templates_dir):
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            paths.extend(Path(dirpath) / name for name in sorted(filenames))
    paths = [p for p in paths if p.parent != project.content_dir or p.name not in REPORTS]
    code = sorted(Path(__file__).parent.glob("*.py"))
    return content_key(
        settings,
        [p.as_posix() for p in paths],
        [p.read_bytes() for p in paths],
        [project.mkdocs_file.read_bytes() if project.mkdocs_file.is_file() else b""],
        [p.read_bytes() for p in code],
    )


def generate(
    project: Project,
    log: ProblemLog,
    *,
    site_title: str,
    sync: bool = True,
    progress: Progress = _quiet,
    related_method: str = "lsa",
    site_url: str = "",
    search_mode: str | None = None,
    defer_late: bool = False,
) -> GenerateReport:
    """Import new sources, validate, enrich and render into project.docs_dir.

    Raises ContentErrors (with every problem) before writing anything if the content is invalid.
    Expensive derived data is cached in .litreview/cache by the content it came from.
    `search_mode` is the search index's layout (auto, single or sharded); by default mkdocs.yml's.
    """
    cache = Cache(project.work_dir / "cache")
    search_mode = search_mode or configured_search_mode(project)
    progress("read records")
    settings = [site_title, site_url, related_method, search_mode, str(sync), str(project.docs_dir)]
    key = inputs_key(project, settings)
    done = cache.get(GENERATED, key)
    if done is not None and (project.docs_dir / "index.md").is_file():
        log.problems.extend(done["problems"])
        taxonomy = load_taxonomy(project.tags_file, ProblemLog(project.root))
        return GenerateReport(None, taxonomy, done["papers"], done["pages"], 0, 0, [])
    taxonomy = load_taxonomy(project.tags_file, log)
    mark = len(log.problems)
    records = load_papers(project.papers_dir, taxonomy if taxonomy.tags else None, log, cache)
    imported = None
    if sync:
        progress("import sources")
        # Records with errors stop the import (it could duplicate a paper whose record is broken).
        imported = sync_sources(project, log, taxonomy, lenient_sources=True, existing=records, cache=cache)
        if imported.created or imported.updated:
            warnings = log.problems[mark:]
            del log.problems[mark:]
            records = load_papers(project.papers_dir, taxonomy if taxonomy.tags else None, log, cache)
            log.problems.extend(w for w in warnings if w not in log.problems[mark:])
            remember_sync(project, records, imported, cache)
    progress("validate content")
    review = review_of(records, taxonomy, log)
    log.raise_if_errors()
    progress("related papers")
    review = enrich(review, cache, related_method)
    progress("render pages")
    state = PageState(cache, project.docs_dir)
    fragments = cache.get("fragments", FRAGMENTS_KEY) or {}
    known_fragments = set(fragments)
    pages = render_pages(review, project.templates_dir, site_title, site_url, state.is_current, fragments)
    if set(fragments) != known_fragments:
        current = {content_key(repr(p)) for p in review.papers}
        cache.put("fragments", FRAGMENTS_KEY, {k: v for k, v in fragments.items() if k in current})

    late_files = LateFiles(
        review, cache.directory, text_key(review.papers, related_method), related_method, search_mode
    )

    pages.add(LUNR_JS_FILE, lunr_js_path().read_bytes())
    if defer_late:
        # Left as they are until build_site replaces them with the new ones.
        for path in (p for p in _docs_files(project.docs_dir) if is_late(p)):
            pages.keep(path)
    else:
        progress("search index and map")
        for path, data in late_files().items():
            pages.add(path, data)
    progress("write pages")
    written = write_pages(
        pages, project.docs_dir, before_change=lambda removing: pages_changing(project, removing)
    )
    state.save(pages)
    if imported is not None and (imported.created or imported.updated):
        key = inputs_key(project, settings)  # the import changed content/
    done_now = {"problems": list(log.problems), "papers": len(review.papers), "pages": len(pages.paths())}
    return GenerateReport(
        imported,
        review.taxonomy,
        len(review.papers),
        len(pages.paths()),
        len(written.written),
        len(written.removed),
        written.written + written.removed,
        late_files if defer_late else None,
        lambda: cache.put(GENERATED, key, done_now),
    )


def _docs_files(docs_dir: Path) -> list[str]:
    found = []
    for dirpath, _, filenames in os.walk(docs_dir):
        found.extend((Path(dirpath) / name).relative_to(docs_dir).as_posix() for name in filenames)
    return found
