"""A full MkDocs build of a large review on every core: the paper pages are dealt out to several
processes, each running MkDocs' own build on its share.

MkDocs builds one page after another in one process, and converting Markdown and rendering
Material's templates is nearly all of a large build (20,000 paper pages: about four minutes on
one core, with the other idle). Paper pages are independent of one another: none is in the
navigation, and a page shows no other page's content, only links to it. So each process runs
MkDocs' build of the same configuration and files, and builds only its share of the paper pages;
every other page (home, topics, search) is read by every process, because the navigation of each
page shows their titles, but written by the first only, as are the theme's files, the static files,
404.html and sitemap.xml. The result is byte for byte the site one process would build (a test
compares them).

MkDocs' "dirty" build is the hook: it builds only the pages whose `is_modified()` says so, and
here that answer is "is this page mine?". A split build is made only when nothing else needs to
see every page: the navigation is litreview's (no paper page in it) and no plugin but litreview's
runs (a search or tags plugin collects every page in one process).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mkdocs.commands.build as mkdocs_build_module
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File

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


def can_split(config: MkDocsConfig, generated_nav: bool, pages: int) -> bool:
    return generated_nav and pages >= SPLIT_MIN_PAGES and set(config.plugins) <= SPLIT_SAFE_PLUGINS


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

    build_page = mkdocs_build_module._build_page

    def build_own_page(page: Any, *args: Any, **kwargs: Any) -> None:
        if part_of(page.file.src_uri, parts) == part:
            build_page(page, *args, **kwargs)

    def nothing(*_args: Any, **_kwargs: Any) -> None:
        pass

    patches: list[tuple[Any, str, Any]] = [
        (File, "is_modified", is_modified),
        (mkdocs_build_module, "_build_page", build_own_page),
    ]
    if part != 0:
        patches += [
            (mkdocs_build_module, "_build_theme_template", nothing),
            (mkdocs_build_module, "_build_extra_template", nothing),
        ]
    with dirty_build_patched(patches):
        yield


@contextlib.contextmanager
def dirty_build_patched(patches: list[tuple[Any, str, Any]]) -> Iterator[None]:
    """MkDocs with (owner, attribute, value) patches applied, and without its warning about dirty
    builds; all undone afterwards (an attribute the owner did not have is removed again)."""
    saved = [(owner, name, owner.__dict__.get(name)) for owner, name, _ in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)
    dirty_filter = DropDirtyWarning()
    logging.getLogger("mkdocs.commands.build").addFilter(dirty_filter)
    try:
        yield
    finally:
        logging.getLogger("mkdocs.commands.build").removeFilter(dirty_filter)
        for owner, name, value in saved:
            if value is None:
                delattr(owner, name)
            else:
                setattr(owner, name, value)


class DropDirtyWarning(logging.Filter):
    # MkDocs warns that dirty builds may leave the navigation stale. litreview makes them only
    # when every page the navigation shows is read, and strict mode would fail on the warning.
    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def _build_other_part(
    send: Any,
    project_root: str,
    taxonomy: Any,
    site_dir: str,
    strict: bool,
    part: int,
    parts: int,
    log_level: int,
) -> None:
    """In another process: build part `part` into site_dir; send None, or what went wrong."""
    from generator.project import Project
    from generator.site import die_with_parent, mkdocs_config, mkdocs_logging, reproducible_dates

    die_with_parent()
    mkdocs_logging(False, log_level)
    try:
        config = mkdocs_config(Project.at(Path(project_root)), taxonomy, Path(site_dir), strict)
        with reproducible_dates(), building_part(part, parts):
            mkdocs_build(config, dirty=True)
    except BaseException as exc:  # reported by the first process, which fails the build
        send.send(str(exc) if isinstance(exc, Abort) else f"{type(exc).__name__}: {exc}")
    else:
        send.send(None)


def build_in_parts(
    config: MkDocsConfig, project_root: Path, taxonomy: Any, site_dir: Path, strict: bool, parts: int
) -> None:
    """MkDocs' build of `config` into the empty site_dir by `parts` processes, this one
    included. Raises Abort if any of them fails."""
    context = multiprocessing.get_context("spawn")
    level = logging.getLogger("mkdocs").getEffectiveLevel()
    others = []
    try:
        for part in range(1, parts):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_build_other_part,
                args=(send, str(project_root), taxonomy, str(site_dir), strict, part, parts, level),
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
