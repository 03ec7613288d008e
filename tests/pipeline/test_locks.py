"""One lock for import, build and the preview's regeneration; a preview that survives its
errors (issue #17, 6 and 12)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import preview
from generator.build.site import build_lock
from generator.cli import cli
from generator.errors import LitreviewError, Problem
from generator.project import Project
from tests.conftest import synthetic_abstract


@pytest.fixture
def empty(tmp_path: Path) -> Project:
    root = tmp_path / "r"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    return Project.at(root)


def source(tmp_path: Path) -> Path:
    path = tmp_path / "new.txt"
    path.write_text("A Title\n" + synthetic_abstract("locks") + "\n")
    return path


def test_an_import_during_a_build_refuses_with_a_message(empty: Project, tmp_path: Path) -> None:
    with build_lock(empty, command="build"):
        result = CliRunner().invoke(cli, ["import", str(source(tmp_path)), "-C", str(empty.root)])
    assert result.exit_code == 1
    assert "another litreview build of this review is running; wait for it to finish" in result.output
    assert "Traceback" not in result.output and not list(empty.papers_dir.glob("*.yaml"))


def test_a_build_during_an_import_names_the_import(empty: Project) -> None:
    with build_lock(empty, command="import"):
        result = CliRunner().invoke(cli, ["build", "-C", str(empty.root), "-q"])
    assert result.exit_code == 1
    assert "another litreview import of this review is running" in result.output


def test_two_imports_take_turns_when_told_to_wait(
    empty: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITREVIEW_LOCK_WAIT", "20")
    held = threading.Event()

    def first() -> None:
        with build_lock(empty, command="import"):
            held.set()
            time.sleep(0.5)

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(5)
    result = CliRunner().invoke(cli, ["import", str(source(tmp_path)), "-C", str(empty.root)])
    thread.join()
    assert result.exit_code == 0, result.output
    assert len(list(empty.papers_dir.glob("*.yaml"))) == 1


def test_the_preview_regenerates_under_the_lock(empty: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview, "PREVIEW_LOCK_WAIT", 0.2)
    with build_lock(empty, command="import"), pytest.raises(LitreviewError, match="import"):
        preview.regenerate(empty, lambda problems: None)


def test_the_preview_watcher_reports_an_error_and_keeps_watching(
    empty: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def flaky(project: Project, on_problems: object) -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return True

    monkeypatch.setattr(preview, "regenerate", flaky)
    monkeypatch.setattr(preview, "POLL_SECONDS", 0.05)
    reported: list[Problem] = []
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch_changes, args=(empty, reported.extend, stop))
    watcher.start()
    try:
        for n in range(2):
            time.sleep(0.2)
            (empty.content_dir / f"note-{n}.txt").write_text(str(n))
            deadline = time.monotonic() + 5
            while len(calls) <= n and time.monotonic() < deadline:
                time.sleep(0.02)
    finally:
        stop.set()
        watcher.join(5)
    assert len(calls) == 2  # the second change was regenerated: the watcher lived on
    (problem,) = reported
    assert "OSError: disk full" in problem.message and "tries again" in problem.message
