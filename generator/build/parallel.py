"""MkDocs builds of large reviews: a full build on every core, and a dirty build that looks only
at the pages it needs.

A full build deals the paper pages out to several processes, each running MkDocs' own build on
its share.

MkDocs builds one page after another in one process, and converting Markdown and rendering
Material's templates is nearly all of a large build, on one core with the others idle. Paper pages
are independent of one another: none is in the navigation, and a page shows no other page's
content, only links to it. So each process runs MkDocs' build of the same configuration and files,
and builds only its share of the paper pages; every other page (home, topics, search) is read by
every process, because the navigation of each page shows their titles, but written by the first
only, as are the theme's files, the static files, 404.html and sitemap.xml. The result is byte for
byte the site one process would build (a test compares them).

MkDocs' "dirty" build is the hook: it builds only the pages whose `is_modified()` says so, and
here that answer is "is this page mine?". A split build is made only when nothing else needs to
see every page: the navigation is litreview's (no paper page in it) and no plugin but litreview's
runs (a search or tags plugin collects every page in one process).

A dirty build (a rebuild after a few pages changed) is given only the paper pages it needs: the
changed ones and those the pages it reads link to. MkDocs otherwise makes a File and a Page object,
pattern checks and two stat calls for every paper before building the few pages a rebuild needs,
most of its time. The other paper pages are neither read nor written by a dirty build, and none of
them is in the navigation; only sitemap.xml lists them, and it is kept as it is, since the pages
are the same ones (a new page means MkDocs gets every file, as before)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import posixpath
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File, Files

from generator.build.mkdocs_config import mkdocs_config, mkdocs_logging, reproducible_dates
from generator.build.mkdocs_patches import original, patched
from generator.build.processes import die_with_parent
from generator.config import Settings
from generator.model import Taxonomy
from generator.project import Project

# Below this many documentation pages one process builds them all: starting another costs a
# second or two (Python, MkDocs and Material's imports, reading the configuration and files).
SPLIT_MIN_PAGES = 2000
# The plugins a split build keeps correct: they look at one page at a time.
SPLIT_SAFE_PLUGINS = frozenset({"litreview"})
PAPERS = "papers/"


def part_of(src_uri: str, parts: int) -> int:
    """Which process builds a file: paper pages are spread by a hash of their path; every other
    file belongs to the first process."""
    if not src_uri.startswith(PAPERS) or not src_uri.endswith(".md"):
        return 0
    return zlib.crc32(src_uri.encode("utf-8")) % parts


# The theme's own page-independent templates (Material's and MkDocs'); another one (a person's
# theme setting) could list every page.
KNOWN_STATIC_TEMPLATES = frozenset({"404.html", "sitemap.xml"})


def _pages_seen_alone(config: MkDocsConfig, generated_nav: bool) -> bool:
    """No paper is in the navigation, and nothing but the sitemap needs to see every page: no
    plugin but litreview's, no static template of a person's own."""
    return (
        generated_nav
        and set(config.plugins) <= SPLIT_SAFE_PLUGINS
        and set(config.theme.static_templates) <= KNOWN_STATIC_TEMPLATES
    )


def can_split(config: MkDocsConfig, generated_nav: bool, pages: int) -> bool:
    return pages >= SPLIT_MIN_PAGES and _pages_seen_alone(config, generated_nav)


def can_narrow(config: MkDocsConfig, generated_nav: bool) -> bool:
    """Whether a dirty build may be given only the paper pages it needs."""
    return _pages_seen_alone(config, generated_nav)


@contextlib.contextmanager
def building_part(part: int, parts: int) -> Iterator[None]:
    """While MkDocs builds with dirty=True: this process reads every page but the other
    processes' paper pages, and writes only what part_of gives it."""

    def is_modified(file: File) -> bool:
        if file.src_uri.startswith(PAPERS) and file.is_documentation_page():
            return part_of(file.src_uri, parts) == part
        # The other pages are read everywhere (their titles and anchors are on every page) and
        # written by the first process; so is every static file.
        return file.is_documentation_page() or part == 0

    build_page = original("build_page")

    def build_own_page(page: Any, *args: Any, **kwargs: Any) -> None:
        if part_of(page.file.src_uri, parts) == part:
            build_page(page, *args, **kwargs)

    def nothing(*_args: Any, **_kwargs: Any) -> None:
        pass

    replacements: dict[str, Any] = {"is_modified": is_modified, "build_page": build_own_page}
    if part != 0:
        replacements |= {"build_theme_template": nothing, "build_extra_template": nothing}
    with patched(replacements):
        yield


@dataclass(frozen=True)
class Part:
    """What another process needs to build its part: picklable."""

    project_root: str
    settings: Settings
    taxonomy: Taxonomy
    site_dir: str
    strict: bool
    log_level: int


def _build_other_part(send: Any, job: Part, part: int, parts: int) -> None:
    """In another process: build part `part` into site_dir; send None, or what went wrong."""
    die_with_parent()
    mkdocs_logging(False, job.log_level)
    try:
        project = Project.at(Path(job.project_root))
        config = mkdocs_config(project, job.settings, job.taxonomy, Path(job.site_dir), job.strict)
        with reproducible_dates(), building_part(part, parts):
            mkdocs_build(config, dirty=True)
    except BaseException as exc:  # reported by the first process, which fails the build
        send.send(str(exc) if isinstance(exc, Abort) else f"{type(exc).__name__}: {exc}")
    else:
        send.send(None)


def build_in_parts(config: MkDocsConfig, project_root: Path, build: Any, site_dir: Path, parts: int) -> None:
    """MkDocs' build of `config` into the empty site_dir by `parts` processes, this one
    included. Raises Abort if any of them fails."""
    context = multiprocessing.get_context("spawn")
    level = logging.getLogger("mkdocs").getEffectiveLevel()
    job = Part(str(project_root), build.settings, build.taxonomy, str(site_dir), build.strict, level)
    others = []
    try:
        for part in range(1, parts):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_build_other_part,
                args=(send, job, part, parts),
                daemon=True,
            )
            process.start()
            send.close()
            others.append((process, receive))
        with building_part(0, parts):
            mkdocs_build(config, dirty=True)
        problems = []
        for process, receive in others:
            try:
                problem = receive.recv()
            except EOFError:
                process.join()
                problem = f"a MkDocs process stopped (exit code {process.exitcode})"
            if problem:
                problems.append(problem)
    finally:
        for process, _ in others:
            if process.is_alive():
                process.kill()
            process.join()
    if problems:
        raise Abort(problems[0])


def split_parts() -> int:
    """One process per core this process may use, up to four."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, 4))


# Anything in a page's Markdown that could be a link to a page: a whole Markdown link target, an
# HTML attribute or a bare word ending in ".md". Finding too many costs nothing (a few more pages
# are given to MkDocs); a link missed would be reported as broken, so this errs wide.
_PAGE_REFERENCE = re.compile(r"""[^\s()\[\]<>"'`]+?\.md(?=[\s#)\]>"'`?]|$)""")


def page_dest(dest_dir: str, filename: str, use_directory_urls: bool) -> str:
    """Where MkDocs writes the Markdown page `filename` of a folder whose output goes to
    dest_dir (File.dest_uri): foo.md -> foo/index.html, or foo.html without directory URLs;
    index.md and README.md -> index.html."""
    stem = filename.rsplit(".", 1)[0]
    stem = "index" if stem == "README" else stem
    if not use_directory_urls or stem == "index":
        return f"{dest_dir}/{stem}.html"
    return f"{dest_dir}/{stem}/index.html"


def _modified(src: str, dest: str) -> bool | None:
    """MkDocs' File.is_modified() rule; None when the page was never built."""
    try:
        built = os.stat(dest).st_mtime
    except FileNotFoundError:
        return None
    try:
        return built < os.stat(src).st_mtime
    except FileNotFoundError:  # gone since it was listed: MkDocs will not list it either
        return False


def papers_needed(config: MkDocsConfig) -> set[str] | None:
    """The paper pages (file names in papers/) a dirty build of `config` needs: the changed ones
    and every one a changed page names (a dirty build reads only changed pages, and checks their
    links). None when some page has never been built (it is new: the sitemap must list it, so
    MkDocs needs every file)."""
    docs, site = config.docs_dir, config.site_dir
    directory_urls = config.use_directory_urls
    needed: set[str] = set()
    readers: list[str] = []  # docs-relative paths of the pages whose links count
    for dirpath, _, filenames in os.walk(docs):
        folder = os.path.relpath(dirpath, docs).replace(os.sep, "/")
        prefix = "" if folder == "." else folder + "/"
        dest_dir = os.path.join(site, folder) if prefix else site
        for name in filenames:
            if not name.endswith(".md"):
                continue
            changed = _modified(f"{dirpath}/{name}", page_dest(dest_dir, name, directory_urls))
            if changed is None:
                return None
            if changed:
                readers.append(prefix + name)
                if prefix == PAPERS:
                    needed.add(name)
    for src_uri in readers:
        with open(os.path.join(docs, src_uri), encoding="utf-8", errors="replace") as page:
            text = page.read()
        folder = posixpath.dirname(src_uri)
        for reference in _PAGE_REFERENCE.findall(text):
            # "/papers/x.md" is relative to the docs folder (validation.links.absolute_links).
            path = unquote(reference)
            target = posixpath.normpath(
                path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path)
            )
            if posixpath.dirname(target) + "/" == PAPERS:
                needed.add(posixpath.basename(target))
    return needed


class _WalkingOnly(ModuleType):
    """The os module as get_files sees it while listing only some paper pages: os.walk leaves
    out the others, everything else is os itself."""

    def __init__(self, papers_dir: str, names: set[str]) -> None:
        super().__init__("os")
        self._papers_dir, self._names = os.path.normpath(papers_dir), names

    def walk(self, top: str, *args: Any, **kwargs: Any) -> Iterator[tuple[str, list[str], list[str]]]:
        for dirpath, dirnames, filenames in os.walk(top, *args, **kwargs):
            if os.path.normpath(dirpath) == self._papers_dir:
                filenames[:] = [n for n in filenames if not n.endswith(".md") or n in self._names]
            yield dirpath, dirnames, filenames

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


@contextlib.contextmanager
def reading_needed_papers() -> Iterator[list[bool]]:
    """While MkDocs makes a dirty build of a litreview navigation: its files are only the paper
    pages papers_needed() names (and every other file but the theme's), and sitemap.xml is left
    as it is.
    Yields a list that holds True once the build was given only those."""
    get_files = original("get_files")
    build_theme_template = original("build_theme_template")
    narrowed: list[bool] = []

    def needed_files(config: MkDocsConfig) -> Files:
        names = papers_needed(config)
        if names is None:
            return get_files(config)
        walking_only = _WalkingOnly(os.path.join(config.docs_dir, PAPERS), names)
        with patched({"files_os": walking_only}):
            files = get_files(config)
        narrowed.append(True)
        return files

    def theme_template(template_name: str, *args: Any, **kwargs: Any) -> None:
        # The sitemap lists every page, and the pages are the ones it lists already.
        if narrowed and template_name == "sitemap.xml":
            return
        build_theme_template(template_name, *args, **kwargs)

    add_files_from_theme = original("add_files_from_theme")

    def theme_files(files: Files, *args: Any, **kwargs: Any) -> None:
        # The theme's files were copied by the full build and are the same (a new theme or
        # version makes a full build); listing them walks all of Material's files.
        if not narrowed:
            add_files_from_theme(files, *args, **kwargs)

    replacements = {
        "get_files": needed_files,
        "build_theme_template": theme_template,
        "add_files_from_theme": theme_files,
    }
    with patched(replacements):
        yield narrowed
