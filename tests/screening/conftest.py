"""The worked example of a systematic review (examples/ibd-psychology), copied and built."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.project import Project
from tests.conftest import REPO, build_review

EXAMPLE = REPO / "examples" / "ibd-psychology"


def copy_example(target: Path) -> Project:
    """A private copy of the example review: its content, settings and decisions."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        EXAMPLE / "content", target / "content", ignore=shutil.ignore_patterns("merge-report.yaml")
    )
    for name in ("mkdocs.yml", "decisions.csv"):
        shutil.copy(EXAMPLE / name, target / name)
    return Project.at(target)


@pytest.fixture
def example(tmp_path: Path) -> Project:
    return copy_example(tmp_path / "example")


@pytest.fixture(scope="session")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The example review, built once (strictly) for the tests that read its site."""
    project = copy_example(tmp_path_factory.mktemp("example") / "review")
    build_review(project)
    return project
