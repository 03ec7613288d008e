"""The generator's stages wired together: content -> Review -> Markdown pages and data files."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from generator.cache import Cache, content_key
from generator.catalog import CATALOG_FILE, CatalogIndex, catalog_file
from generator.digests import FileDigests, file_digest
from generator.errors import LitreviewError, ProblemLog
from generator.importer import ImportReport, remember_sync, sync_sources
from generator.maplayout import MAP_FILE, layout, map_data
from generator.model import Paper, Review, Taxonomy
from generator.project import Project
from generator.related import (
    CANDIDATES,
    HUB_CAP,
    KEY_TERMS,
    SEMANTIC_DIMS,
    Choice,
    Neighbourhood,
    TextFeatures,
    key_terms,
    paper_text,
    related_choices,
    related_papers,
    semantic_vectors,
    term_means,
)
from generator.render import PageSet, PaperPageInputs, bytecode_dir, render_pages, write_pages
from generator.search_index import LUNR_JS_FILE, lunr_js_path, search_files
from generator.search_index import search_mode as configured_search_mode
from generator.site import LateJob, pages_changing
from generator.store import PARSED_BY, PaperFile, cached_papers, load_papers, parsed_key
from generator.taxonomy import load_taxonomy
from generator.yamlio import files_under

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """For loading what lives as long as the build and holds no reference cycles (the papers
    and related lists of a review, unpickled): the cyclic garbage collector is paused meanwhile,
    and then stops looking at them (gc.freeze; freed objects are still freed). At 20,000 papers
    it walked the growing heap again and again, 0.4 s of a rebuild after a tag edit. The caller
    lets the collector see everything again (gc.unfreeze) when the build is done with it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


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


def text_key(papers: tuple[Paper, ...], method: str, text_digests: list[bytes] | None = None) -> str:
    """What related papers, key-term features and the map depend on: ids and text, not tags.
    `text_digests`: each paper's text_digest, if known."""
    return content_key(
        [ENRICH_CODE, method, str(SEMANTIC_DIMS), str(CANDIDATES), str(HUB_CAP)],
        [p.id for p in papers],
        text_digests if text_digests is not None else [text_digest(p) for p in papers],
    )


def text_digest(paper: Paper) -> bytes:
    return file_digest(paper_text(paper).encode("utf-8"))


# The text_digest of each record, by record digest: working out the text of 20,000 papers
# (LaTeX cleaned) takes a few tenths of a second. By the code that parses records and makes text.
TEXTS_CACHE = "text-digests"
TEXTS_KEY = content_key(
    ["text-digests", "1"],
    [(Path(__file__).parent / name).read_bytes() for name in ("related.py", "titles.py", *PARSED_BY)],
)


def record_text_digests(records: list[PaperFile], cache: Cache) -> list[bytes]:
    """The text_digest of each record's paper, from the cache where the record is unchanged."""
    before = cache.get_dict(TEXTS_CACHE, TEXTS_KEY)
    known = dict(before)
    digests = []
    for record in records:
        found = known.get(record.digest) if record.digest else None
        if found is None:
            found = text_digest(record.paper)
            if record.digest:
                known[record.digest] = found
        digests.append(found)
    current = {r.digest: d for r, d in zip(records, digests, strict=True) if r.digest}
    if current.keys() != before.keys():
        cache.put_dict(TEXTS_CACHE, TEXTS_KEY, current, before)
    return digests


def cached_vectors(papers: tuple[Paper, ...], cache: Cache, key: str, related_method: str) -> np.ndarray:
    """The related-papers vectors of the papers whose text hashes to `key`."""

    def compute() -> np.ndarray:
        if related_method == "embeddings":
            from generator.embeddings import embedding_vectors

            return embedding_vectors(papers, cache.directory)
        return semantic_vectors(papers)

    return cache.computed("vectors", key, compute)


# The lunr term of each token seen (search_shards.Vocabulary), by lunr.py's version and our code.
TERMS_CACHE = "lunr-terms"
TERMS_KEY = content_key(
    ["lunr-terms", "1", metadata.version("lunr")], (Path(__file__).parent / "search_shards.py").read_bytes()
)


# catalog.json's line of each paper, by what it shows (catalog.catalog_file), and the code;
# and what each paper's line was made from (catalog.CatalogIndex).
CATALOG_CACHE = "catalog-lines"
CATALOG_INDEX = "catalog-index"
CATALOG_KEY = content_key(
    ["catalog-lines", "1"],
    [(Path(__file__).parent / name).read_bytes() for name in ("catalog.py", "model.py", "render.py")],
)


def paper_key(papers_key: str, digest: bytes) -> str:
    """What a paper is: its record's bytes (`digest`), parsed by this code with these tags
    (`papers_key`, store.parsed_key)."""
    return papers_key + digest.hex()


@dataclass(frozen=True)
class CachedReview:
    """Where another process finds an enriched review in the cache: the papers as load_papers
    cached them (by record digest, in order) and the related choices, with the taxonomy and key
    terms. Sending it costs nothing; pickling the review itself takes the sender most of a
    second at 20,000 papers and the receiver more."""

    papers_key: str
    digests: tuple[bytes, ...]
    choices_key: str
    taxonomy: Taxonomy
    key_terms: dict[str, tuple[str, ...]]

    def load(self, cache: Cache, early: EarlyLateFiles | None = None) -> Review | None:
        """The review; with the papers `early` loaded, if it loaded these."""
        papers = early.papers if early is not None and early.papers_key == self.papers_key else None
        if papers is None or early is None or early.digests != self.digests:
            papers = cached_papers(cache, self.papers_key, self.digests)
        choices = cache.get(CHOICES_CACHE, self.choices_key)
        if papers is None or choices is None or len(choices) != len(papers):
            return None
        return Review(tuple(papers), self.taxonomy, related_papers(papers, choices=choices), self.key_terms)


@dataclass
class EarlyLateFiles:
    """The part of the late files' work that needs only the papers and the taxonomy: loading the
    papers from the cache and making the search index. The worker is given it as soon as the
    records are read, and does it while the build relates the papers (half a second at 20,000
    papers), so that the late files are ready sooner. Picklable until called."""

    cache_dir: Path
    papers_key: str
    digests: tuple[bytes, ...]
    taxonomy: Taxonomy
    search_mode: str
    papers: list[Paper] | None = None
    search: dict[str, bytes] | None = None

    def __call__(self) -> EarlyLateFiles:
        cache = Cache(self.cache_dir)
        with long_lived():
            self.papers = cached_papers(cache, self.papers_key, self.digests)
        if self.papers is not None:
            self.search = _search_files(
                Review(tuple(self.papers), self.taxonomy, {}, {}), self.search_mode, cache
            )
        return self

    def serves(self, cached: CachedReview, search_mode: str) -> bool:
        """Whether this work is that of the review `cached` describes."""
        return self.papers is not None and (
            self.papers_key,
            self.digests,
            self.taxonomy,
            self.search_mode,
        ) == (cached.papers_key, cached.digests, cached.taxonomy, search_mode)


def _search_files(review: Review, search_mode: str, cache: Cache) -> dict[str, bytes]:
    known_terms = cache.get(TERMS_CACHE, TERMS_KEY) or {}
    count = len(known_terms)
    files = search_files(review, search_mode, known_terms, cache)
    if len(known_terms) != count:
        cache.put(TERMS_CACHE, TERMS_KEY, known_terms)
    return files


@dataclass(frozen=True)
class LateFiles:
    """The data files made after the pages (search index, catalog.json, map.json). A picklable
    object, so that build_site can have another process make them while MkDocs runs (a forked
    process could hang in OpenMP, which scikit-learn uses, once the parent has). With `cached`,
    the review is not pickled: the other process loads it from the cache."""

    review: Review | None
    cache_dir: Path
    text_key: str
    related_method: str
    search_mode: str
    cached: CachedReview | None = None

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        if self.cached is not None:
            state["review"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    def __call__(self, early: EarlyLateFiles | None = None) -> dict[str, bytes]:
        """The late files; with what `early` made, when it made it for this review."""
        cache = Cache(self.cache_dir)
        if self.review is not None:
            return self._files(self.review, cache)
        if early is not None and (self.cached is None or not early.serves(self.cached, self.search_mode)):
            early = None
        try:
            with long_lived():
                review = self.cached.load(cache, early) if self.cached is not None else None
            if review is None:
                raise LitreviewError("the review is not in the cache")
            return self._files(review, cache, early.search if early is not None else None)
        finally:
            gc.unfreeze()  # see long_lived

    def _files(
        self, review: Review, cache: Cache, search: dict[str, bytes] | None = None
    ) -> dict[str, bytes]:
        files = dict(search) if search is not None else _search_files(review, self.search_mode, cache)
        before = cache.get_dict(CATALOG_CACHE, CATALOG_KEY)
        lines = dict(before)
        cached, paper_keys = self.cached, None
        if cached is not None and len(cached.digests) == len(review.papers):
            digests = zip(review.papers, cached.digests, strict=True)
            paper_keys = {p.id: paper_key(cached.papers_key, d) for p, d in digests}
        index = cache.get(CATALOG_INDEX, CATALOG_KEY)
        if not isinstance(index, CatalogIndex):
            index = CatalogIndex()
        earlier = (index.related_key, index.papers)
        files.update(catalog_file(review, lines, paper_keys, cached.choices_key if cached else "", index))
        if lines.keys() != before.keys():
            cache.put_dict(CATALOG_CACHE, CATALOG_KEY, lines, before)
        if (index.related_key, index.papers) != earlier:
            cache.put(CATALOG_INDEX, CATALOG_KEY, index)
        papers = review.papers
        coordinates = (
            cache.computed(
                "map-layout",
                self.text_key,
                lambda: layout(cached_vectors(papers, cache, self.text_key, self.related_method)),
            )
            if papers
            else np.zeros((0, 2))
        )
        files[MAP_FILE] = map_data(papers, review.taxonomy, coordinates)
        return {path: data for path, data in files.items() if is_late(path)}


CHOICES_CACHE = "related-choices"


def choices_key(papers: tuple[Paper, ...], key: str) -> str:
    """What the related choices depend on: the text (`key`, its text_key, which covers the ids
    in order), pins and hides (few papers have any)."""
    return content_key(
        key, [repr((p.id, p.related_pin, p.related_hide)) for p in papers if p.related_pin or p.related_hide]
    )


def enrich(
    review: Review, cache: Cache, related_method: str, key: str | None = None, related_key: str | None = None
) -> Review:
    """Related papers and key terms. What depends on the text alone comes from the cache when the
    papers' text is unchanged (`key`: their text_key); so do each paper's related choices (text,
    pins and hides) and each topic's key terms (text and the topic's papers): a tag edit
    recomputes only the tags each related paper shares and the key terms of the topics edited.
    `related_key`: choices_key of the papers and `key`, if known."""
    papers = review.papers
    if not papers:
        return review
    key = key or text_key(papers, related_method)
    loaded: dict[str, object] = {}

    def features() -> TextFeatures:
        if "features" not in loaded:
            loaded["features"] = cache.computed("text-features", key, lambda: TextFeatures.of(papers))
        return loaded["features"]  # type: ignore[return-value]

    def vectors() -> np.ndarray:
        if "vectors" not in loaded:
            loaded["vectors"] = cached_vectors(papers, cache, key, related_method)
        return loaded["vectors"]  # type: ignore[return-value]

    def choose() -> list[tuple[Choice, ...]]:
        neighbours = cache.computed(
            "neighbours", key, lambda: Neighbourhood.of(vectors(), features().id_rank())
        )
        memo = cache.get("pair-terms", key) or {}
        known_pairs = len(memo)
        pinned = any(p.related_pin for p in papers)
        choices = related_choices(
            papers, features(), vectors=vectors() if pinned else None, neighbours=neighbours, terms_memo=memo
        )
        if len(memo) != known_pairs:
            cache.put("pair-terms", key, memo)
        return choices

    related_key = related_key or choices_key(papers, key)
    related = related_papers(papers, choices=cache.computed(CHOICES_CACHE, related_key, choose))

    tag_ids = list(review.taxonomy.tags)
    members: dict[str, list[int]] = {tag: [] for tag in tag_ids}
    for i, paper in enumerate(papers):
        for tag in dict.fromkeys(paper.tags):
            if tag in members:
                members[tag].append(i)
    member_keys = {
        tag: content_key(tag, str(KEY_TERMS), np.array(members[tag], dtype=np.int64).tobytes())
        for tag in tag_ids
    }
    memo_terms: dict[str, tuple[str, ...]] = cache.get("key-terms", key) or {}
    missing = [tag for tag in tag_ids if member_keys[tag] not in memo_terms]
    if missing:
        # The terms' average weights depend on the text alone: a tag edit reuses them.
        overall = cache.computed("term-means", key, lambda: term_means(features()))
        for tag, found in key_terms(papers, features(), missing, overall=overall).items():
            memo_terms[member_keys[tag]] = found
        cache.put("key-terms", key, {k: memo_terms[k] for k in member_keys.values()})
    terms = {tag: memo_terms[member_keys[tag]] for tag in tag_ids}
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
    # With defer_late: the process making the data files (search index, catalog, map), for
    # build_site to collect once MkDocs has built the pages.
    late: LateJob | None = None
    # Call once the site is built: the next build of unchanged inputs then does nothing.
    built: Callable[[], None] = lambda: None


def is_late(path: str) -> bool:
    """The data files computed after the pages: search index parts, catalog and map."""
    return path in (MAP_FILE, CATALOG_FILE) or (path.startswith("search/") and path.endswith(".json"))


PAGE_STATE = "page-state"


class PageState:
    """The key each generated page was written from, with the file's size and mtime then, so a
    page whose inputs and file are both unchanged need not be rendered again; and what the paper
    pages were made from (render.PaperPageInputs), saved with them so the two always agree.
    Paths, keys and stats are stored as columns, which load in milliseconds for 20,000 pages."""

    def __init__(self, cache: Cache, docs_dir: Path) -> None:
        self.cache, self.docs_dir, self.docs = cache, docs_dir, str(docs_dir)
        self.key = content_key(str(docs_dir))
        stored = cache.get(PAGE_STATE, self.key)
        if not (isinstance(stored, tuple) and len(stored) == 4):
            stored = ((), (), np.zeros((0, 2), dtype=np.int64), None)
        self.stored: tuple[tuple[str, ...], tuple[str, ...], np.ndarray, PaperPageInputs | None] = stored
        self.inputs = stored[3]
        self.place = {path: n for n, path in enumerate(stored[0])}
        self.stats = stored[2].tolist()
        self.unchanged: set[str] = set()  # files found as they were written, in this build

    def current_key(self, path: str) -> str | None:
        """The key the file at `path` was written from, if it is still as it was written."""
        n = self.place.get(path)
        if n is None:
            return None
        try:
            stat = os.stat(f"{self.docs}/{path}")
        except OSError:
            return None
        if [stat.st_size, stat.st_mtime_ns] != self.stats[n]:
            return None
        self.unchanged.add(path)
        return self.stored[1][n]

    def is_current(self, path: str, key: str) -> bool:
        n = self.place.get(path)
        return n is not None and self.stored[1][n] == key and self.current_key(path) == key

    def save(self, pages: PageSet) -> None:
        paths = tuple(sorted(pages.keys))
        stats = []
        for path in paths:
            if path in pages.kept and path in self.unchanged:  # not written since it was checked
                stats.append(self.stats[self.place[path]])
                continue
            stat = os.stat(f"{self.docs}/{path}")
            stats.append((stat.st_size, stat.st_mtime_ns))
        keys = tuple(pages.keys[path] for path in paths)
        table = np.array(stats, dtype=np.int64).reshape(-1, 2)
        if (
            (paths, keys) != self.stored[:2]
            or not np.array_equal(table, self.stored[2])
            or pages.inputs != self.inputs
        ):
            self.cache.put(PAGE_STATE, self.key, (paths, keys, table, pages.inputs))


GENERATED = "generated"
# BibTeX entries, summaries and CSL lines are made by this code: a change to it makes new ones.
FRAGMENTS_KEY = content_key(
    ["fragments", "3"], [(Path(__file__).parent / name).read_bytes() for name in ("cite.py", "abstracts.py")]
)
# Files in content/ that litreview writes itself (reports), so they are not inputs.
REPORTS = ("merge-report.yaml", "suggested-tags.yaml")


def inputs_key(project: Project, settings: list[str], digests: FileDigests | None = None) -> str:
    """A hash of everything generate reads: content/, the templates, mkdocs.yml, this code and
    the settings it was called with. With `digests`, only the files whose status changed since
    the last build are read (digests.py), so an unchanged review of 20,000 records is recognised
    in a few hundredths of a second."""
    paths: list[str] = []
    content = str(project.content_dir)
    for root in (content, str(project.templates_dir)):
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            if dirpath == content:
                filenames = [name for name in filenames if name not in REPORTS]
            paths.extend(os.path.join(dirpath, name).replace(os.sep, "/") for name in sorted(filenames))
    code = sorted(Path(__file__).parent.glob("*.py"))
    if digests is None:
        digests = FileDigests(None, "")
    return content_key(
        settings,
        paths,
        [digests.digest(path) for path in paths],
        [project.mkdocs_file.read_bytes() if project.mkdocs_file.is_file() else b""],
        [p.read_bytes() for p in code],
    )


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


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
    digests = FileDigests(cache, str(project.root))
    key = inputs_key(project, settings, digests)
    done = cache.get(GENERATED, key)
    if done is not None and (project.docs_dir / "index.md").is_file():
        log.problems.extend(done["problems"])
        taxonomy = load_taxonomy(project.tags_file, ProblemLog(project.root))
        return GenerateReport(None, taxonomy, done["papers"], done["pages"], 0, 0, [])
    # The docs folder is about to change: until a build of these inputs succeeds (report.built),
    # no build may take it for that of the inputs last built (a person may undo an edit whose
    # build failed: the pages of the edit would stay).
    cache.forget(GENERATED)
    # With defer_late, another process makes the search index, catalog and map: it starts now
    # (Python and litreview's imports take it a second) and gets the review once it is enriched.
    late_job = LateJob() if defer_late else None
    try:
        return _generate(
            project,
            log,
            cache,
            digests,
            settings,
            key,
            late_job,
            site_title,
            site_url,
            sync,
            progress,
            related_method,
            search_mode,
        )
    except BaseException:
        if late_job is not None:
            late_job.cancel()
        raise
    finally:
        gc.unfreeze()  # see long_lived


def _generate(
    project: Project,
    log: ProblemLog,
    cache: Cache,
    digests: FileDigests,
    settings: list[str],
    key: str,
    late_job: LateJob | None,
    site_title: str,
    site_url: str,
    sync: bool,
    progress: Progress,
    related_method: str,
    search_mode: str,
) -> GenerateReport:
    taxonomy = load_taxonomy(project.tags_file, log)
    mark = len(log.problems)
    with long_lived():
        records = load_papers(project.papers_dir, taxonomy if taxonomy.tags else None, log, cache, digests)
    digests.read.clear()
    digests.save()
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
    papers_key = parsed_key(project.papers_dir, taxonomy if taxonomy.tags else None)
    if late_job is not None and review.papers:
        digests_in_order = tuple(record.digest for record in records)
        late_job.start(
            EarlyLateFiles(cache.directory, papers_key, digests_in_order, review.taxonomy, search_mode)
        )
    progress("related papers")
    key_of_text = text_key(review.papers, related_method, record_text_digests(records, cache))
    related_key = choices_key(review.papers, key_of_text)
    review = enrich(review, cache, related_method, key_of_text, related_key)
    # A paper is what its record's bytes make of it (with the code and tags in papers_key).
    paper_keys = {r.paper.id: paper_key(papers_key, r.digest) for r in records if r.digest}
    cached = None
    if review.papers:
        cached = CachedReview(
            papers_key,
            tuple(record.digest for record in records),
            related_key,
            review.taxonomy,
            dict(review.key_terms),
        )
    late_files = LateFiles(review, cache.directory, key_of_text, related_method, search_mode, cached)
    if late_job is not None:
        # From here on, while this process renders and writes the pages and MkDocs builds them.
        late_job.submit(late_files, [project.docs_dir, project.site_dir])
    return _render_and_write(
        project,
        log,
        review,
        cache,
        late_files,
        late_job,
        imported,
        settings,
        key,
        paper_keys,
        site_title=site_title,
        site_url=site_url,
        progress=progress,
    )


def _render_and_write(
    project: Project,
    log: ProblemLog,
    review: Review,
    cache: Cache,
    late_files: LateFiles,
    late_job: LateJob | None,
    imported: ImportReport | None,
    settings: list[str],
    key: str,
    paper_keys: dict[str, str],
    *,
    site_title: str,
    site_url: str,
    progress: Progress,
) -> GenerateReport:
    progress("render pages")
    state = PageState(cache, project.docs_dir)
    known_fragments = cache.get_dict("fragments", FRAGMENTS_KEY)
    fragments = dict(known_fragments)  # render_pages adds what it makes
    pages = render_pages(
        review,
        project.templates_dir,
        site_title,
        site_url,
        state.is_current,
        fragments,
        paper_keys,
        related_key=late_files.cached.choices_key if late_files.cached else None,
        before=state.inputs,
        current_key=state.current_key,
        compiled_dir=bytecode_dir(cache.directory),
    )
    if fragments.keys() != known_fragments.keys():
        current = {k: v for k, v in fragments.items() if k in pages.paper_keys}
        cache.put_dict("fragments", FRAGMENTS_KEY, current, known_fragments)

    pages.add(LUNR_JS_FILE, lunr_js_path().read_bytes())
    if late_job is not None:
        # Left as they are until build_site replaces them with the new ones.
        for path in (p for p in files_under(project.docs_dir) if is_late(p)):
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
        late_job,
        lambda: cache.put(GENERATED, key, done_now),
    )
