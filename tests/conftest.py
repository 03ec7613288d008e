"""Shared fixtures: copies of the bundled review, and its site built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.errors import ProblemLog
from generator.pipeline import generate
from generator.project import Project
from generator.site import build_site, site_title

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def copy_review(target: Path, *, with_papers: bool = True) -> Project:
    """A private copy of the bundled review (content, mkdocs.yml, templates)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "content" / "sources", target / "content" / "sources")
    shutil.copy(REPO / "content" / "tags.yaml", target / "content" / "tags.yaml")
    if with_papers:
        shutil.copytree(REPO / "content" / "papers", target / "content" / "papers")
    shutil.copy(REPO / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(REPO / "templates", target / "templates")
    return Project.at(target)


def build_review(project: Project, *, strict: bool = True) -> ProblemLog:
    log = ProblemLog(project.root)
    report = generate(project, log, site_title=site_title(project))
    build_site(project, report.taxonomy, strict=strict)
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
