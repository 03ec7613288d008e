"""Shared fixtures: copies of the bundled review, and its site built once per session."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import random
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.build.pipeline import Options
from generator.build.pipeline import build_review as build_project
from generator.errors import ProblemLog
from generator.project import Project
from generator.search import sharded as search_shards

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SUBPATH = "/my-review/"
WORDS = (
    "model data training policy reward rank search agent graph token layer loss signal memory vision "
    "language robot curriculum retrieval sample gradient network attention transfer adapter clinical"
).split()
SITE_URL = "https://example.github.io/my-review/"


def synthetic_abstract(seed: object, sentences: int = 5) -> str:
    """A distinct, deterministic abstract of a few hundred characters for a seed."""
    rng = random.Random(str(seed))
    return " ".join(
        f"Study {seed} shows " + " ".join(rng.choice(WORDS) for _ in range(14)) + "."
        for _ in range(sentences)
    )


def copy_review(target: Path, *, with_papers: bool = True) -> Project:
    """A private copy of the bundled review (content, mkdocs.yml, templates)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "content" / "sources", target / "content" / "sources")
    shutil.copy(REPO / "content" / "tags.yaml", target / "content" / "tags.yaml")
    shutil.copy(REPO / "content" / "fields.yaml", target / "content" / "fields.yaml")  # extraction fields
    if with_papers:
        shutil.copytree(REPO / "content" / "papers", target / "content" / "papers")
    shutil.copy(REPO / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(REPO / "templates", target / "templates")
    return Project.at(target)


def build_review(project: Project, *, strict: bool = True) -> ProblemLog:
    log = ProblemLog(project.root)
    build_project(project, log, Options(worker=False), strict)
    return log


@pytest.fixture
def review(tmp_path: Path) -> Project:
    return copy_review(tmp_path / "review")


@pytest.fixture(scope="session")
def built_review(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The bundled review, built once (strictly) for every test that reads the site."""
    project = copy_review(tmp_path_factory.mktemp("built") / "review")
    build_review(project)
    return project


@pytest.fixture(scope="session")
def site(built_review: Project) -> Path:
    return built_review.site_dir


def set_search_mode(project: Project, mode: str) -> None:
    """`extra.litreview.search` in the project's mkdocs.yml."""
    text = project.mkdocs_file.read_text(encoding="utf-8")
    assert "    search: auto\n" in text
    text = text.replace("    search: auto\n", f"    search: {mode}\n")
    project.mkdocs_file.write_text(text, encoding="utf-8")


# Shards and doc chunks small enough that the 212 bundled papers make about as many of them as
# 20,000 papers make at the default sizes, so tests see a search load a few of many.
SMALL_SHARDS = {"SHARD_MIN": 4_000, "SHARD_GAP": 4_000, "SHARD_MAX": 15_000, "CHUNK": 5, "TITLES_PART": 50}


@contextlib.contextmanager
def small_shards(project: Project) -> Iterator[None]:
    """Builds of `project` inside use the sharded search index, with SMALL_SHARDS sizes."""
    set_search_mode(project, "sharded")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SMALL_SHARDS.items():
            patch.setattr(search_shards, name, value)
        yield


@pytest.fixture(scope="session")
def sharded_review(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The bundled review built with the sharded search index (forced in its mkdocs.yml)."""
    project = copy_review(tmp_path_factory.mktemp("sharded") / "review")
    with small_shards(project):
        build_review(project)
    return project


@pytest.fixture(scope="session")
def subpath_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled review built for a GitHub project page, https://example.github.io/my-review/."""
    project = copy_review(tmp_path_factory.mktemp("subpath") / "review")
    os.environ["SITE_URL"] = SITE_URL
    try:
        build_review(project)
    finally:
        del os.environ["SITE_URL"]
    return project.site_dir


class _PrefixHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder under a URL prefix, as GitHub Pages serves a project site."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        clean = urlsplit(path).path
        if not clean.startswith(self.prefix) and clean + "/" != self.prefix:
            return "/nonexistent-outside-prefix"
        return super().translate_path("/" + clean[len(self.prefix) :])

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(folder: Path, prefix: str = "/") -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve `folder` at http://127.0.0.1:<free port><prefix> in a thread; returns (server, URL)."""
    handler = type("Handler", (_PrefixHandler,), {"prefix": prefix})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}{prefix}"


CHROMIUM = os.environ.get("LITREVIEW_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium (Debian's), driven by Playwright."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: run scripts/test.sh, which installs it")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The bundled review's site, served on localhost."""
    httpd, url = serve(site)
    yield url
    httpd.shutdown()
