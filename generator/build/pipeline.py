"""The driver: content -> records -> review -> enriched review -> Markdown pages and data files
-> site, one stage after another (`generate` reads as that list).

Each stage is a package: ingest (sources into records), records (validated papers and taxonomy),
enrich (related papers, key terms), render (pages), search (the index); build runs them, makes
the data files in a worker process, and has MkDocs build the site.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from generator.build.data_files import CachedReview, DataFiles, SearchIndexTask, is_data_file
from generator.build.page_state import PageState
from generator.build.processes import long_lived
from generator.build.site import BuiltSite, SiteBuild, build_site, pages_changing
from generator.build.worker import DataFilesWorker
from generator.cache import keys
from generator.cache.digests import FileDigests
from generator.cache.store import Cache
from generator.config import Settings
from generator.enrich.stage import choices_key, enrich, record_text_digests, text_key
from generator.errors import ProblemLog
from generator.files import files_under
from generator.ingest.importer import ImportReport, remember_sync, sync_sources
from generator.model import Review, Taxonomy
from generator.project import Project
from generator.records.review import review_of
from generator.records.store import PaperFile, load_papers, paper_key, parsed_key
from generator.records.taxonomy import load_taxonomy
from generator.render.environment import bytecode_dir
from generator.render.inputs import RenderInputs
from generator.render.page_set import PageSet, write_pages
from generator.render.pages import render_pages
from generator.search.files import LUNR_JS_FILE, lunr_js_path

Progress = Callable[[str], None]

# Files in content/ that litreview writes itself (reports), so they are not inputs.
REPORTS = ("merge-report.yaml", "suggested-tags.yaml")


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class Options:
    """How generate runs: `sync` imports new sources first; `worker` has another process make
    the data files while MkDocs builds (build_site collects them)."""

    sync: bool = True
    progress: Progress = _quiet
    worker: bool = False


@dataclass
class GenerateReport:
    imported: ImportReport | None
    taxonomy: Taxonomy
    papers: int
    pages: int
    written: int
    removed: int
    changed: list[str] = field(default_factory=list)  # docs paths written or removed
    # With Options.worker: the process making the data files, for build_site to collect.
    worker: DataFilesWorker | None = None
    # Call once the site is built: the next build of unchanged inputs then does nothing.
    built: Callable[[], None] = lambda: None


def inputs_key(project: Project, settings: Settings, sync: bool, digests: FileDigests | None = None) -> str:
    """A hash of everything generate reads: content/, the templates, mkdocs.yml, this code and
    the settings. With `digests`, only the files whose status changed since the last build are
    read (cache/digests.py), so an unchanged review is recognised quickly."""
    paths: list[str] = []
    content = str(project.content_dir)
    for root in (content, str(project.templates_dir)):
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            if dirpath == content:
                filenames = [name for name in filenames if name not in REPORTS]
            paths.extend(os.path.join(dirpath, name).replace(os.sep, "/") for name in sorted(filenames))
    digests = digests or FileDigests(None, "")
    return keys.GENERATED.key(
        [repr(settings), str(sync), str(project.docs_dir)],
        paths,
        [digests.digest(path) for path in paths],
    )


@dataclass
class _Run:
    """One generate: what every stage after the first needs."""

    project: Project
    settings: Settings
    options: Options
    log: ProblemLog
    cache: Cache
    key: str
    worker: DataFilesWorker | None = None


def generate(
    project: Project, log: ProblemLog, settings: Settings, options: Options = Options()
) -> GenerateReport:
    """Import new sources, validate, enrich and render into project.docs_dir.

    Raises ContentErrors (with every problem) before writing anything if the content is invalid.
    Expensive derived data is cached in .litreview/cache by the content it came from.
    """
    cache = Cache(project.work_dir / "cache")
    options.progress("read records")
    digests = FileDigests(cache, str(project.root))
    key = inputs_key(project, settings, options.sync, digests)
    done = cache.get(keys.GENERATED.name, key)
    if done is not None and (project.docs_dir / "index.md").is_file():
        log.problems.extend(done["problems"])
        taxonomy = load_taxonomy(project.tags_file, ProblemLog(project.root))
        return GenerateReport(None, taxonomy, done["papers"], done["pages"], 0, 0, [])
    # The docs folder is about to change: until a build of these inputs succeeds (report.built),
    # no build may take it for that of the inputs last built (a person may undo an edit whose
    # build failed: the pages of the edit would stay).
    cache.forget(keys.GENERATED.name)
    # The worker starts now (Python and litreview's imports take it a while) and gets the
    # review once it is enriched.
    run = _Run(project, settings, options, log, cache, key, DataFilesWorker() if options.worker else None)
    try:
        return _stages(run, digests)
    except BaseException:
        if run.worker is not None:
            run.worker.cancel()
        raise
    finally:
        gc.unfreeze()  # see long_lived


def _stages(run: _Run, digests: FileDigests) -> GenerateReport:
    project, log = run.project, run.log
    taxonomy = load_taxonomy(project.tags_file, log)
    records = _read_records(run, taxonomy, digests)
    records, imported = _import_sources(run, taxonomy, records)
    run.options.progress("validate content")
    review = review_of(records, taxonomy, log)
    log.raise_if_errors()
    papers_key = parsed_key(project.papers_dir, taxonomy if taxonomy.tags else None)
    if run.worker is not None and review.papers:
        digests_in_order = tuple(record.digest for record in records)
        mode = run.settings.search_mode
        search = SearchIndexTask(run.cache.directory, papers_key, digests_in_order, taxonomy, mode)
        run.worker.start(search)
    run.options.progress("related papers")
    flow = review.flow
    review, data_files = _enrich(run, review, records, papers_key)
    review = replace(review, flow=flow)  # a systematic review's PRISMA flow (records/screening.py)
    if run.worker is not None:
        # From here on, while this process renders and writes the pages and MkDocs builds them.
        run.worker.submit(data_files, [project.docs_dir, project.site_dir])
    # A paper is what its record's bytes make of it (with the code and tags in papers_key).
    paper_keys = {r.paper.id: paper_key(papers_key, r.digest) for r in records if r.digest}
    pages, state = _render(run, review, data_files, paper_keys)
    return _write(run, review, pages, state, imported)


def _read_records(run: _Run, taxonomy: Taxonomy, digests: FileDigests) -> list[PaperFile]:
    with long_lived():
        known = taxonomy if taxonomy.tags else None
        records = load_papers(run.project.papers_dir, known, run.log, run.cache, digests)
    digests.read.clear()
    digests.save()
    return records


def _import_sources(
    run: _Run, taxonomy: Taxonomy, records: list[PaperFile]
) -> tuple[list[PaperFile], ImportReport | None]:
    """New sources imported into records (records with errors stop the import: it could
    duplicate a paper whose record is broken); the records read again if it wrote any."""
    if not run.options.sync:
        return records, None
    project, log = run.project, run.log
    mark = len(log.problems)
    run.options.progress("import sources")
    imported = sync_sources(project, log, taxonomy, lenient_sources=True, existing=records, cache=run.cache)
    if imported.created or imported.updated:
        warnings = log.problems[mark:]
        del log.problems[mark:]
        records = load_papers(project.papers_dir, taxonomy if taxonomy.tags else None, log, run.cache)
        log.problems.extend(w for w in warnings if w not in log.problems[mark:])
        remember_sync(project, records, imported, run.cache)
    return records, imported


def _enrich(run: _Run, review: Review, records: list[PaperFile], papers_key: str) -> tuple[Review, DataFiles]:
    """The review enriched, and what makes its data files."""
    method = run.settings.related_method
    key_of_text = text_key(review.papers, method, record_text_digests(records, run.cache))
    related_key = choices_key(review.papers, key_of_text)
    review = enrich(review, run.cache, method, key_of_text, related_key)
    cached = None
    if review.papers:
        digests = tuple(record.digest for record in records)
        cached = CachedReview(papers_key, digests, related_key, review.taxonomy, dict(review.key_terms))
    cache_dir = run.cache.directory
    return review, DataFiles(review, cache_dir, key_of_text, method, run.settings.search_mode, cached)


def _render(
    run: _Run, review: Review, data_files: DataFiles, paper_keys: dict[str, str]
) -> tuple[PageSet, PageState]:
    """Every page, and the data files unless the worker makes them."""
    run.options.progress("render pages")
    state = PageState(run.cache, run.project.docs_dir)
    inputs = RenderInputs(
        templates_dir=run.project.templates_dir,
        site_title=run.settings.site_title,
        site_url=run.settings.site_url,
        paper_keys=paper_keys,
        related_key=data_files.cached.choices_key if data_files.cached else None,
        compiled_dir=bytecode_dir(run.cache.directory),
        screening_lists=run.settings.screening_lists == "show",
    )
    pages = render_pages(review, inputs, state, run.cache)
    pages.add(LUNR_JS_FILE, lunr_js_path().read_bytes())
    if run.worker is not None:
        # Left as they are until build_site replaces them with the new ones.
        for path in (p for p in files_under(run.project.docs_dir) if is_data_file(p)):
            pages.keep(path)
    else:
        run.options.progress("search index and map")
        for path, data in data_files().items():
            pages.add(path, data)
    return pages, state


def _write(
    run: _Run, review: Review, pages: PageSet, state: PageState, imported: ImportReport | None
) -> GenerateReport:
    project = run.project
    run.options.progress("write pages")
    written = write_pages(
        pages, project.docs_dir, before_change=lambda removing: pages_changing(project, removing)
    )
    state.save(pages)
    key = run.key
    if imported is not None and (imported.created or imported.updated):
        key = inputs_key(project, run.settings, run.options.sync)  # the import changed content/
    done_now = {"problems": list(run.log.problems), "papers": len(review.papers), "pages": len(pages.paths())}
    return GenerateReport(
        imported,
        review.taxonomy,
        len(review.papers),
        len(pages.paths()),
        len(written.written),
        len(written.removed),
        written.written + written.removed,
        run.worker,
        lambda: run.cache.put(keys.GENERATED.name, key, done_now),
    )


def build_review(
    project: Project, log: ProblemLog, options: Options = Options(worker=True), strict: bool = True
) -> tuple[GenerateReport, BuiltSite]:
    """`litreview build`: generate the pages, then have MkDocs build the site."""
    settings = Settings.of(project)
    report = generate(project, log, settings, options)
    options.progress("mkdocs build (search index and map alongside)")
    site = SiteBuild(settings, report.taxonomy, strict, report.worker, is_data_file)
    built = build_site(project, site)
    report.built()
    return report, built

