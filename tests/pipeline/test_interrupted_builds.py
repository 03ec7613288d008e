"""A build that fails or is killed leaves the previous site complete; builds never overlap."""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from generator.cli import cli
from generator.project import Project
from tests.conftest import build_review

TRP = "trp-trained-rank-pruning-for-efficient-deep-neural-networks"


def digest(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def start_build(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "-C", str(root), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def lock_is_held(project: Project) -> bool:
    # A fresh review has no lock file until a build creates it to lock it. (Probing the lock
    # with flock here could itself make the build refuse.)
    return (project.work_dir / "build.lock").exists()


def mkdocs_is_writing(root: Path) -> bool:
    return any((d / "papers").is_dir() for d in root.glob(".site.new-*"))


def test_a_build_killed_midway_leaves_the_last_good_site(review: Project) -> None:
    build_review(review)
    before = digest(review.site_dir)
    record = review.papers_dir / f"{TRP}.yaml"
    record.write_text(record.read_text().replace("title: 'TRP: Trained", "title: 'Changed: Trained"))
    process = start_build(review.root)
    wait_for(lambda: mkdocs_is_writing(review.root) or process.poll() is not None)
    assert process.poll() is None, "the build finished before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert digest(review.site_dir) == before
    # The next build finishes the job and clears what the killed one left behind.
    result = CliRunner().invoke(cli, ["build", "-C", str(review.root), "-q"])
    assert result.exit_code == 0, result.output
    assert not list(review.root.glob(".site.*"))
    assert "Changed: Trained" in (review.site_dir / "papers" / TRP / "index.html").read_text()


def test_a_failed_mkdocs_build_keeps_the_last_site(review: Project) -> None:
    build_review(review)
    before = digest(review.site_dir)
    # A template linking to a page that does not exist fails MkDocs' strict build.
    home = review.root / "templates" / "pages" / "home.md.j2"
    home.write_text(home.read_text() + "\n[missing](no-such-page.md)\n")
    result = CliRunner().invoke(cli, ["build", "-C", str(review.root), "-q"])
    assert result.exit_code == 1
    assert "the previous site is unchanged" in result.output
    assert digest(review.site_dir) == before
    assert not list(review.root.glob(".site.*"))


def test_a_second_build_refuses_while_one_runs(review: Project) -> None:
    review.work_dir.mkdir(parents=True, exist_ok=True)
    with open(review.work_dir / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = CliRunner().invoke(cli, ["build", "-C", str(review.root), "-q"])
    assert result.exit_code == 1
    assert "another litreview build of this review is running; wait for it to finish" in result.output
    assert not review.site_dir.exists()


def test_two_builds_started_together_do_not_corrupt_the_site(review: Project) -> None:
    first = start_build(review.root)
    wait_for(lambda: lock_is_held(review) or first.poll() is not None)
    second = start_build(review.root)
    second_output = second.communicate(timeout=120)[0].decode()
    assert first.wait(timeout=120) == 0
    assert second.returncode == 1
    assert "another litreview build" in second_output
    assert len(digest(review.site_dir)) > 212
    result = CliRunner().invoke(cli, ["check", "--site", "-C", str(review.root)])
    assert result.exit_code == 0, result.output
