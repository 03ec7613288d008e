"""`litreview serve`: MkDocs' live-reloading server, plus a watcher that regenerates the pages
whenever content/ or templates/ change (MkDocs then rebuilds what changed)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from mkdocs.commands.serve import serve as mkdocs_serve

from generator.build.mkdocs_config import mkdocs_logging, navigation
from generator.build.pipeline import generate
from generator.build.site import build_lock
from generator.config import Settings
from generator.errors import ContentErrors, Problem, ProblemLog
from generator.project import Project
from generator.records.review import load_review

POLL_SECONDS = 1.0


PREVIEW_LOCK_WAIT = 60.0  # a regeneration waits this long for an import or build to finish


def _snapshot(folders: list[Path]) -> dict[str, float]:
    state: dict[str, float] = {}
    for folder in folders:
        if folder.exists():
            for path in folder.rglob("*"):
                try:
                    if path.is_file():
                        state[str(path)] = path.stat().st_mtime
                except OSError:
                    continue  # removed while we looked: the next look sees it gone
    return state


def regenerate(project: Project, on_problems: Callable[[list[Problem]], None]) -> bool:
    """Generate the pages again (under the review's lock, so never during an import or a
    build); the problems go to `on_problems`. False if the content has errors."""
    log = ProblemLog(project.root)
    try:
        with build_lock(project, wait=PREVIEW_LOCK_WAIT, command="preview"):
            generate(project, log, Settings.of(project))
    except ContentErrors as exc:
        on_problems(exc.problems)
        return False
    on_problems(log.warnings)
    return True


def _regenerate_reporting(project: Project, on_problems: Callable[[list[Problem]], None]) -> None:
    """regenerate, reporting any failure as a problem instead of raising: the preview goes on
    watching and tries again at the next change."""
    try:
        regenerate(project, on_problems)
    except Exception as exc:  # the watcher must survive every failure
        message = str(exc) or type(exc).__name__
        on_problems(
            [
                Problem(
                    project.rel(project.content_dir),
                    None,
                    f"the preview could not regenerate the pages ({type(exc).__name__}: {message}); "
                    "it shows the last pages made, and tries again at the next change",
                )
            ]
        )


def watch_changes(
    project: Project, on_problems: Callable[[list[Problem]], None], stop: threading.Event
) -> None:
    """Regenerate whenever content/ or templates/ change, until `stop`; no error ends it."""
    folders = [project.content_dir, project.templates_dir]
    seen = _snapshot(folders)
    while not stop.wait(POLL_SECONDS):
        try:
            now = _snapshot(folders)
        except Exception:  # a folder that vanished, say: look again later
            continue
        if now != seen:
            seen = now
            _regenerate_reporting(project, on_problems)


def serve_review(project: Project, dev_addr: str, on_problems: Callable[[list[Problem]], None]) -> None:
    regenerate(project, on_problems)
    stop = threading.Event()

    def watch() -> None:
        watch_changes(project, on_problems, stop)

    watcher = threading.Thread(target=watch, name="litreview-watch", daemon=True)
    watcher.start()
    overrides: dict[str, object] = {"docs_dir": str(project.docs_dir), "not_in_nav": "/papers/\n"}
    if not Settings.of(project).has_nav:
        overrides["nav"] = navigation(load_review(project, ProblemLog()).taxonomy)
    mkdocs_logging(verbose=False, level=logging.INFO)
    try:
        mkdocs_serve(str(project.mkdocs_file), dev_addr=dev_addr, **overrides)
    finally:
        stop.set()
