"""Build the HTML site with MkDocs, into a fresh folder that replaces site/ only when complete.

A failed or interrupted build leaves the last good site/ in place; a lock keeps two builds of one
project from running at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import html
import json
import logging
import multiprocessing
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import mkdocs
import mkdocs.commands.build as mkdocs_build_module
import mkdocs.structure.files as mkdocs_files_module
import mkdocs.utils as mkdocs_utils
import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, ConfigurationError
from mkdocs.utils.yaml import get_yaml_loader

from generator import __version__
from generator.cache import content_key
from generator.errors import LitreviewError
from generator.jinja_cache import compiled_templates_dir
from generator.mkdocs_parts import (
    build_in_parts,
    can_narrow,
    can_split,
    dirty_build_patched,
    reading_needed_papers,
    split_parts,
)
from generator.mkdocs_plugin import LitreviewPlugin
from generator.model import Taxonomy
from generator.project import Project
from generator.yamlio import atomic_write_bytes, files_under, holds

log = logging.getLogger("litreview")


@contextlib.contextmanager
def build_lock(project: Project) -> Iterator[None]:
    project.work_dir.mkdir(parents=True, exist_ok=True)
    with open(project.work_dir / "build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LitreviewError(
                "another litreview build of this review is running; wait for it to finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_mkdocs_yml(project: Project) -> dict[str, Any]:
    if not project.mkdocs_file.is_file():
        raise LitreviewError(
            f"{project.mkdocs_file.name} is missing from {project.root}; run `litreview init` to create one"
        )
    try:
        with open(project.mkdocs_file, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=get_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise LitreviewError(f"{project.mkdocs_file.name}{where}: YAML syntax error: {exc}") from None
    return data if isinstance(data, dict) else {}


def published_url(project: Project) -> str:
    """Where the site is published: SITE_URL, else mkdocs.yml's site_url, else just "/"."""
    site_url = os.environ.get("SITE_URL") or str(read_mkdocs_yml(project).get("site_url") or "")
    if not site_url:
        return "/"
    return site_url if site_url.endswith("/") else site_url + "/"


RELATED_METHODS = ("lsa", "embeddings")


def litreview_setting(project: Project, name: str, choices: tuple[str, ...]) -> str:
    """`extra: {litreview: {<name>: ...}}` in mkdocs.yml, one of `choices` (the first by default)."""
    extra = read_mkdocs_yml(project).get("extra") or {}
    settings = extra.get("litreview") or {} if isinstance(extra, dict) else {}
    value = settings.get(name, choices[0]) if isinstance(settings, dict) else choices[0]
    if value not in choices:
        raise LitreviewError(
            f"{project.mkdocs_file.name}: extra.litreview.{name} is {value!r}; "
            f"use one of: {', '.join(choices)}"
        )
    return str(value)


def related_method(project: Project) -> str:
    """`extra: {litreview: {related: lsa | embeddings}}` in mkdocs.yml; lsa by default."""
    return litreview_setting(project, "related", RELATED_METHODS)


def site_title(project: Project) -> str:
    return str(read_mkdocs_yml(project).get("site_name") or "Literature review")


def navigation(taxonomy: Taxonomy) -> list[Any]:
    """Sections and topics only: a nav listing every paper would repeat it on every page."""
    # Themes print nav titles into HTML unescaped; labels are text, so escape them here.
    topics: list[Any] = ["topics/index.md"]
    for group in taxonomy.groups.values():
        members = [
            {html.escape(tag.label): f"topics/{tag.id}.md"}
            for tag in taxonomy.tags.values()
            if tag.group == group.id
        ]
        if members:
            topics.append({html.escape(group.label): members})
    return [{"Home": "index.md"}, {"Topics": topics}, {"Search": "search/index.md"}]


def mkdocs_config(project: Project, taxonomy: Taxonomy, site_dir: Path, strict: bool) -> MkDocsConfig:
    overrides: dict[str, Any] = {
        "docs_dir": str(project.docs_dir),
        "site_dir": str(site_dir),
        "strict": strict,
        "not_in_nav": "/papers/\n",
    }
    if "nav" not in read_mkdocs_yml(project):
        overrides["nav"] = navigation(taxonomy)
    try:
        config = load_config(str(project.mkdocs_file), **overrides)
    except (ConfigurationError, Abort) as exc:
        raise LitreviewError(f"{project.mkdocs_file.name}: {exc}") from None
    plugin = config.plugins.get("litreview")
    if isinstance(plugin, LitreviewPlugin):
        # Jinja checks each entry's template source and Python's version; the folder is Jinja's.
        # By MkDocs' and Material's versions: they set up the environment the templates need.
        made_by = (metadata.version("mkdocs"), metadata.version("mkdocs-material"))
        plugin.bytecode_dir = str(compiled_templates_dir(project.work_dir / "cache", "theme", *made_by))
    return config


@contextlib.contextmanager
def reproducible_dates() -> Iterator[None]:
    # MkDocs stamps the build date into sitemap.xml.gz; a fixed epoch keeps builds identical.
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """While MkDocs runs, the garbage collector leaves alone the objects that exist already (the
    review of a large build: 700,000 of them, walked at every full collection, 3% of MkDocs'
    time at 20,000 papers)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def recover_site(project: Project) -> None:
    """Finish a swap that an interrupted build left half done."""
    old = project.root / ".site.old"
    if old.exists() and not project.site_dir.exists():
        old.rename(project.site_dir)
    elif old.exists():
        shutil.rmtree(old)
    for stale in project.root.glob(".site.new-*"):
        shutil.rmtree(stale, ignore_errors=True)


@dataclass(frozen=True)
class BuiltSite:
    path: Path
    mode: str  # "full", "incremental" or "up to date"
    pages_built: int


BUILD_STATE = "last-build.json"


def _full_build_key(project: Project, config: MkDocsConfig) -> str:
    """What every page of the site depends on: settings, navigation, theme overrides, versions.
    When it changes, every page must be built again; otherwise only changed pages need be."""
    custom = Path(config.theme.custom_dir) if config.theme.custom_dir else None
    overrides = sorted(p for p in custom.rglob("*") if p.is_file()) if custom and custom.is_dir() else []
    return content_key(
        [
            project.mkdocs_file.read_bytes(),
            repr(config["nav"]),
            str(config["strict"]),
            os.environ.get("SITE_URL", ""),
            mkdocs.__version__,
            metadata.version("mkdocs-material"),
            __version__,
        ],
        [p.relative_to(custom).as_posix() for p in overrides if custom],
        [p.read_bytes() for p in overrides],
    )


def _read_state(project: Project) -> dict[str, Any]:
    try:
        state = json.loads((project.work_dir / BUILD_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(project: Project, state: dict[str, Any]) -> None:
    project.work_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(project.work_dir / BUILD_STATE, json.dumps(state, sort_keys=True).encode("utf-8"))


def pages_changing(project: Project, removing: bool) -> None:
    """Called before the generated pages change: site/ is then behind them until MkDocs builds
    (and if it fails, the next build still knows). A removed page needs a full build: a dirty
    build would leave its HTML behind."""
    state = _read_state(project)
    if state:
        state["pending"] = True
        state["removals"] = bool(state.get("removals")) or removing
        _write_state(project, state)


@contextlib.contextmanager
def _staged_writes(site_dir: Path, staging: Path) -> Iterator[None]:
    """Send every file MkDocs writes under site_dir to staging instead, so a failed build
    changes nothing in the site; the caller moves the staged files in when the build succeeds."""
    site = os.path.abspath(site_dir)

    def redirect(path: str) -> str:
        absolute = os.path.abspath(path)
        if absolute != site and not absolute.startswith(site + os.sep):
            return path
        target = os.path.join(staging, os.path.relpath(absolute, site))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        return target

    def staged_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        writing = isinstance(file, (str, os.PathLike)) and any(c in mode for c in "wax+")
        return open(redirect(os.fspath(file)) if writing else file, mode, *args, **kwargs)

    write_file, copy_file = mkdocs_utils.write_file, mkdocs_utils.copy_file
    # MkDocs asks each file twice whether it changed (to read it, then to write it), with three
    # file-system calls each time: 120,000 calls for 20,000 pages. Nothing changes in between.
    is_modified, answers = mkdocs_files_module.File.is_modified, {}

    def is_modified_once(file: Any) -> bool:
        answer = answers.get(id(file))
        if answer is None:
            answer = answers[id(file)] = is_modified(file)
        return answer

    patches = [
        (mkdocs_utils, "write_file", lambda content, path: write_file(content, redirect(path))),
        (mkdocs_utils, "copy_file", lambda source, path: copy_file(source, redirect(path))),
        (mkdocs_build_module, "open", staged_open),
        (mkdocs_files_module, "open", staged_open),
        (mkdocs_files_module.File, "is_modified", is_modified_once),
    ]
    with dirty_build_patched(patches):
        yield


def _move_staged(staging: Path, site_dir: Path) -> int:
    pages = 0
    for dirpath, _, filenames in os.walk(staging):
        for name in filenames:
            source = Path(dirpath) / name
            target = site_dir / source.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            pages += name.endswith(".html")
    return pages


def die_with_parent() -> None:
    """Linux: be killed when the parent dies (a killed build leaves no worker behind)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass(frozen=True)
class LateFilesMade:
    """The late files made: the name of every one, and the bytes of those that may differ from
    the copies in the folders the worker compared them with (all of them if it compared none)."""

    names: frozenset[str]
    changed: dict[str, bytes]


def _changed(files: dict[str, bytes], compare: list[Path]) -> LateFilesMade:
    changed = {
        rel: data
        for rel, data in files.items()
        if not compare or not all(holds(d / rel, data) for d in compare)
    }
    return LateFilesMade(frozenset(files), changed)


def _make_late(receive: Any, send: Any) -> None:
    """In the worker process: wait for what makes the late files, make them and send back those
    that differ from the copies on disk (or the error)."""
    die_with_parent()
    # Below the build's priority: in a full build both cores render pages first, and this work
    # should take only what they leave (it has all of MkDocs' run to finish); in a rebuild one
    # core is idle anyway.
    with contextlib.suppress(OSError):
        os.nice(10)
    # One BLAS/OpenMP thread: the other core runs MkDocs.
    from threadpoolctl import threadpool_limits

    import generator.pipeline  # noqa: F401  (imported while the build reads the review)

    try:
        task = receive.recv()
        early = None
        if task is not None and task[0] == "early":
            try:
                with threadpool_limits(limits=1):
                    early = task[1]()
            except Exception:  # only a head start: make() does the work without it
                early = None
            task = receive.recv()
        receive.close()
        if task is None:
            return
        _, make, compare = task
        with threadpool_limits(limits=1):
            made = _changed(make(early) if early is not None else make(), compare)
        send.send(("ok", made))
        send.close()
        # Nothing is left to do, and freeing a large review's objects one by one at exit takes
        # a fifth of a second, which the build would wait for (it joins this process).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    except (BrokenPipeError, EOFError):
        pass  # the build stopped waiting (it was cancelled, or failed)
    except BaseException as exc:  # reported by the parent
        with contextlib.suppress(BrokenPipeError):
            send.send(("error", f"{type(exc).__name__}: {exc}"))


class LateJob:
    """The late data files (search index, catalog, map), made by another process while this one
    renders the pages and MkDocs builds them: MkDocs uses one core, and this work needs none of
    their output. generate starts the process once it knows there is work to do (it starts
    Python and imports litreview meanwhile) and submits the work once the review is enriched;
    build_site collects the files. `make` must be picklable (the process is spawned, not
    forked: a forked child can hang in OpenMP once the parent has used it)."""

    def __init__(
        self, make: Callable[[], dict[str, bytes]] | None = None, compare: list[Path] | None = None
    ) -> None:
        self.make: Callable[[], dict[str, bytes]] | None = None
        self.made: LateFilesMade | None = None
        context = multiprocessing.get_context("spawn")
        self.receive, send = context.Pipe(duplex=False)
        task_receive, self.task_send = context.Pipe(duplex=False)
        self.process: Any = context.Process(target=_make_late, args=(task_receive, send), daemon=True)
        self.process.start()
        send.close()
        task_receive.close()
        # Tasks are sent by a thread: a task larger than the pipe's buffer (the record digests of
        # 20,000 papers are 640 KB) would block the build until the worker reads it, and the
        # worker reads the second task only when it is done with the first.
        self.outbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send_tasks, daemon=True)
        self.sender.start()
        if make is not None:
            self.submit(make, compare or [])

    def _send_tasks(self) -> None:
        try:
            while (task := self.outbox.get()) is not None:
                with contextlib.suppress(OSError):  # the worker died: result() does the work here
                    self.task_send.send(task)
        except BaseException as exc:  # a task that cannot be sent (pickled): the worker gets none
            log.warning("the search index and map worker got no work (%s: %s)", type(exc).__name__, exc)
        finally:
            # The worker then reads the end of its input and stops; result() does the work here.
            with contextlib.suppress(OSError):
                self.task_send.close()

    def start(self, early: Callable[[], Any]) -> None:
        """Have the worker begin with `early` (before submit): what it returns is given to the
        `make` that submit sends (make(early_result)), which must accept it."""
        self.outbox.put(("early", early))

    def submit(self, make: Callable[..., dict[str, bytes]], compare: list[Path]) -> None:
        """Have the worker make the files; it sends back those that differ from their copies
        under the `compare` folders."""
        self.make = make
        self.outbox.put(("make", make, compare))
        self.outbox.put(None)

    def result(self) -> LateFilesMade | None:
        if self.make is None:
            self.cancel()
            return None
        if self.made is None:
            try:
                status, value = self.receive.recv()
            except EOFError:
                status, value = "died", None
            self.process.join()
            if status != "ok":
                # The worker was killed (by a signal, or the system's memory killer), or failed
                # (it could not find the review in the cache, say): do its work here instead,
                # where an error in the work itself is raised with its traceback.
                if status == "died":
                    log.warning(
                        "the search index and map worker stopped (exit code %s)", self.process.exitcode
                    )
                else:
                    log.warning("the search index and map worker failed (%s); making them here", value)
                value = _changed(self.make(), [])
            self.made = value
        return self.made

    def cancel(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.outbox.put(None)  # the sender stops (a send to the dead worker fails at once)


def _collected(job: LateJob | None) -> LateFilesMade | None:
    return job.result() if job is not None else None


def _place_late(
    made: LateFilesMade | None, docs_dir: Path, site_dirs: list[Path], is_late: Callable[[str], bool]
) -> None:
    """Make the late files in docs_dir and in each site folder exactly those made: write the
    changed ones (if their bytes differ), remove late files no longer made; None: none to place."""
    if made is None:
        return
    # Late files are data files at the top or in a few folders (search/): look only there, not
    # at the 20,000 pages of a large site.
    folders = sorted({rel.split("/", 1)[0] for rel in made.names if "/" in rel})
    for root in [docs_dir, *site_dirs]:
        present = [e.name for e in os.scandir(root) if e.is_file()] if root.is_dir() else []
        for folder in folders:
            present.extend(f"{folder}/{rel}" for rel in files_under(root / folder))
        for rel in present:
            if is_late(rel) and rel not in made.names:
                (root / rel).unlink()
        for rel, data in made.changed.items():
            target = root / rel
            if holds(target, data):
                continue
            atomic_write_bytes(target, data, durable=False)


@contextlib.contextmanager
def _discarded_on_failure(folder: Path, late_files: LateJob | None) -> Iterator[None]:
    """A build into `folder`: if it fails, the folder goes and site/ stays as it was."""
    try:
        yield
    except Abort as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise LitreviewError(f"MkDocs stopped the build: {exc}; the previous site is unchanged") from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        if late_files is not None:
            late_files.cancel()


def _pages(project: Project) -> int:
    """How many paper pages the docs folder holds."""
    try:
        return sum(1 for entry in os.scandir(project.docs_dir / "papers") if entry.name.endswith(".md"))
    except OSError:
        return 0


def build_site(
    project: Project,
    taxonomy: Taxonomy,
    *,
    strict: bool = True,
    late: LateJob | Callable[[], dict[str, bytes]] | None = None,
    is_late: Callable[[str], bool] = lambda path: False,
) -> BuiltSite:
    """Run MkDocs on project.docs_dir and make site/ the result.

    If the settings, navigation and theme are as in the last build and no page was removed
    since, only pages whose Markdown is newer than their HTML are built (MkDocs' dirty build,
    its writes staged and moved into site/ once it succeeds), and if no page changed at all,
    site/ is already right. Otherwise MkDocs builds everything into a fresh folder that
    replaces site/ when complete.
    """
    target = project.site_dir
    recover_site(project)
    config = mkdocs_config(project, taxonomy, target, strict)
    key = _full_build_key(project, config)
    state = _read_state(project)
    incremental = state.get("key") == key and not state.get("removals") and (target / "index.html").is_file()
    late_files = late if isinstance(late, LateJob) else LateJob(late) if late is not None else None
    if incremental and not state.get("pending"):
        try:
            _place_late(_collected(late_files), project.docs_dir, [target], is_late)
        finally:
            if late_files is not None:
                late_files.cancel()
        return BuiltSite(target, "up to date", 0)
    if incremental:
        staging = Path(tempfile.mkdtemp(prefix=".site.new-", dir=project.root))
        with _discarded_on_failure(staging, late_files):
            narrowing = can_narrow(config, "nav" not in read_mkdocs_yml(project))
            with (
                reproducible_dates(),
                _staged_writes(target, staging),
                _frozen_heap(),
                reading_needed_papers() if narrowing else contextlib.nullcontext(),
            ):
                mkdocs_build(config, dirty=True)
            files = _collected(late_files)
        built = _move_staged(staging, target)
        _place_late(files, project.docs_dir, [target], is_late)
        shutil.rmtree(staging, ignore_errors=True)
        _write_state(project, {"key": key})
        return BuiltSite(target, "incremental", built)
    (project.work_dir / BUILD_STATE).unlink(missing_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=".site.new-", dir=project.root))
    with _discarded_on_failure(fresh, late_files):
        config = mkdocs_config(project, taxonomy, fresh, strict)
        generated_nav = "nav" not in read_mkdocs_yml(project)
        parts = split_parts() if can_split(config, generated_nav, _pages(project)) else 1
        with reproducible_dates(), _frozen_heap():
            if parts > 1:
                build_in_parts(config, project.root, taxonomy, fresh, strict, parts)
            else:
                mkdocs_build(config)
        _place_late(_collected(late_files), project.docs_dir, [fresh], is_late)
    os.chmod(fresh, 0o755)
    old = project.root / ".site.old"
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    _write_state(project, {"key": key})
    pages = sum(1 for _ in target.rglob("*.html"))
    return BuiltSite(target, "full", pages)


def mkdocs_logging(verbose: bool, level: int = logging.WARNING) -> None:
    """Show MkDocs' messages (warnings by default) on stderr, prefixed so they read as its own."""
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.DEBUG if verbose else level)
    if not any(getattr(h, "litreview", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("mkdocs: %(levelname)s: %(message)s"))
        handler.litreview = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False
