"""Build the HTML site with MkDocs, into a fresh folder that replaces site/ only when complete.

A failed or interrupted build leaves the last good site/ in place; a lock keeps two builds of one
project from running at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort

from generator.build.mkdocs_config import full_build_key, mkdocs_config, reproducible_dates
from generator.build.mkdocs_patches import original, patched
from generator.build.parallel import build_in_parts, can_narrow, can_split, reading_needed_papers, split_parts
from generator.build.processes import frozen_heap
from generator.build.worker import DataFilesMade, DataFilesWorker, collected, place_data_files
from generator.config import Settings
from generator.errors import LitreviewError
from generator.files import atomic_write_bytes
from generator.model import Taxonomy
from generator.project import Project

LOCK_WAIT_SECONDS = 0.0  # how long a command waits for another to finish before refusing


def _lock_wait() -> float:
    try:
        return float(os.environ.get("LITREVIEW_LOCK_WAIT", LOCK_WAIT_SECONDS))
    except ValueError:
        return LOCK_WAIT_SECONDS


def _holder(handle: IO[str]) -> str:
    """The command holding the lock, as it wrote it in the lock file ("build" if it did not)."""
    try:
        handle.seek(0)
        words = handle.read(200).split()
    except OSError:
        words = []
    return words[0] if words and words[0].isalpha() else "build"


@contextlib.contextmanager
def build_lock(project: Project, wait: float | None = None, command: str = "build") -> Iterator[None]:
    """The review's one lock (.litreview/build.lock), held by every command that changes the
    review: import, build and the preview's regeneration. A second command waits up to `wait`
    seconds (LITREVIEW_LOCK_WAIT, else LOCK_WAIT_SECONDS) for the first, then refuses with a
    message naming the command that holds it."""
    project.work_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + (_lock_wait() if wait is None else wait)
    with open(project.work_dir / "build.lock", "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LitreviewError(
                        f"another litreview {_holder(handle)} of this review is running; wait for it to "
                        f"finish, then run the {command} again"
                    ) from None
                time.sleep(0.1)
        try:
            handle.truncate(0)
            handle.write(f"{command} {os.getpid()}\n")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover_site(project: Project) -> None:
    """Finish a swap that an interrupted build left half done."""
    old = project.root / ".site.old"
    if old.exists() and not project.site_dir.exists():
        old.rename(project.site_dir)
    elif old.exists():
        shutil.rmtree(old)
    for stale in project.root.glob(".site.new-*"):
        shutil.rmtree(stale, ignore_errors=True)


BUILD_STATE = "last-build.json"


@dataclass(frozen=True)
class BuiltSite:
    path: Path
    mode: str  # "full", "incremental" or "up to date"
    pages_built: int


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

    write_file, copy_file = original("write_file"), original("copy_file")
    # MkDocs asks each file twice whether it changed (to read it, then to write it), with three
    # file-system calls each time. Nothing changes in between.
    is_modified, answers = original("is_modified"), {}

    def is_modified_once(file: Any) -> bool:
        answer = answers.get(id(file))
        if answer is None:
            answer = answers[id(file)] = is_modified(file)
        return answer

    replacements = {
        "write_file": lambda content, path: write_file(content, redirect(path)),
        "copy_file": lambda source, path: copy_file(source, redirect(path)),
        "build_open": staged_open,
        "files_open": staged_open,
        "is_modified": is_modified_once,
    }
    with patched(replacements):
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


@contextlib.contextmanager
def _discarded_on_failure(folder: Path, worker: DataFilesWorker | None) -> Iterator[None]:
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
        if worker is not None:
            worker.cancel()


def _pages(project: Project) -> int:
    """How many paper pages the docs folder holds."""
    try:
        return sum(1 for entry in os.scandir(project.docs_dir / "papers") if entry.name.endswith(".md"))
    except OSError:
        return 0


@dataclass(frozen=True)
class SiteBuild:
    """What build_site needs besides the project: the settings, the taxonomy (for the
    navigation), and the data files' worker with the test of which files are its."""

    settings: Settings
    taxonomy: Taxonomy
    strict: bool = True
    worker: DataFilesWorker | None = None
    is_data_file: Callable[[str], bool] = lambda path: False


def build_site(project: Project, build: SiteBuild) -> BuiltSite:
    """Run MkDocs on project.docs_dir and make site/ the result.

    If the settings, navigation and theme are as in the last build and no page was removed
    since, only pages whose Markdown is newer than their HTML are built (MkDocs' dirty build,
    its writes staged and moved into site/ once it succeeds), and if no page changed at all,
    site/ is already right. Otherwise MkDocs builds everything into a fresh folder that
    replaces site/ when complete.
    """
    target = project.site_dir
    recover_site(project)
    config = mkdocs_config(project, build.settings, build.taxonomy, target, build.strict)
    key = full_build_key(build.settings, config)
    state = _read_state(project)
    incremental = state.get("key") == key and not state.get("removals") and (target / "index.html").is_file()
    if incremental and not state.get("pending"):
        try:
            _place(collected(build.worker), project, [target], build)
        finally:
            if build.worker is not None:
                build.worker.cancel()
        return BuiltSite(target, "up to date", 0)
    if incremental:
        built = _dirty_build(project, build, config)
        _write_state(project, {"key": key})
        return BuiltSite(target, "incremental", built)
    _full_build(project, build, config)
    _write_state(project, {"key": key})
    return BuiltSite(target, "full", sum(1 for _ in target.rglob("*.html")))


def _place(made: DataFilesMade | None, project: Project, site_dirs: list[Path], build: SiteBuild) -> None:
    place_data_files(made, project.docs_dir, site_dirs, build.is_data_file)


def _dirty_build(project: Project, build: SiteBuild, config: MkDocsConfig) -> int:
    """MkDocs' dirty build, its writes staged and moved into site/ once it succeeds."""
    target = project.site_dir
    staging = Path(tempfile.mkdtemp(prefix=".site.new-", dir=project.root))
    with _discarded_on_failure(staging, build.worker):
        narrowing = can_narrow(config, not build.settings.has_nav)
        with (
            reproducible_dates(),
            _staged_writes(target, staging),
            frozen_heap(),
            reading_needed_papers() if narrowing else contextlib.nullcontext(),
        ):
            mkdocs_build(config, dirty=True)
        files = collected(build.worker)
    built = _move_staged(staging, target)
    _place(files, project, [target], build)
    shutil.rmtree(staging, ignore_errors=True)
    return built


def _full_build(project: Project, build: SiteBuild, config: MkDocsConfig) -> None:
    """MkDocs' build of every page into a fresh folder, which then replaces site/."""
    target = project.site_dir
    (project.work_dir / BUILD_STATE).unlink(missing_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=".site.new-", dir=project.root))
    with _discarded_on_failure(fresh, build.worker):
        config["site_dir"] = str(fresh)  # the configuration made for site/, built elsewhere
        parts = split_parts() if can_split(config, not build.settings.has_nav, _pages(project)) else 1
        with reproducible_dates(), frozen_heap():
            if parts > 1:
                build_in_parts(config, project.root, build, fresh, parts)
            else:
                mkdocs_build(config)
        _place(collected(build.worker), project, [fresh], build)
    os.chmod(fresh, 0o755)
    old = project.root / ".site.old"
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
