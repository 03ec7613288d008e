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
from generator.config import Settings
from generator.errors import ContentErrors, Problem, ProblemLog
from generator.project import Project
from generator.records.review import load_review

POLL_SECONDS = 1.0


def _snapshot(folders: list[Path]) -> dict[str, float]:
    state: dict[str, float] = {}
    for folder in folders:
        if folder.exists():
            for path in folder.rglob("*"):
                if path.is_file():
                    state[str(path)] = path.stat().st_mtime
    return state


def regenerate(project: Project, on_problems: Callable[[list[Problem]], None]) -> bool:
    log = ProblemLog(project.root)
    try:
        generate(project, log, Settings.of(project))
    except ContentErrors as exc:
        on_problems(exc.problems)
        return False
    on_problems(log.warnings)
    return True


def serve_review(project: Project, dev_addr: str, on_problems: Callable[[list[Problem]], None]) -> None:
    regenerate(project, on_problems)
    folders = [
        project.content_dir,
        project.templates_dir,
        project.mkdocs_file.parent / "mkdocs.yml",
    ]
    stop = threading.Event()

    def watch() -> None:
        seen = _snapshot(folders[:2])
        while not stop.wait(POLL_SECONDS):
            now = _snapshot(folders[:2])
            if now != seen:
                seen = now
                regenerate(project, on_problems)

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
