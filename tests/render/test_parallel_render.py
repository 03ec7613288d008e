"""Paper pages rendered in parallel are those rendered serially."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cache import keys
from generator.cache.store import Cache
from generator.errors import ProblemLog
from generator.project import Project
from generator.records.review import load_review
from generator.render.inputs import RenderInputs
from tests.conftest import REPO


def test_paper_pages_rendered_by_two_processes_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.enrich.stage import enrich
    from generator.render import pages as render
    from generator.render import paper_pages

    project = Project.at(REPO)
    review = enrich(load_review(project, ProblemLog()), Cache(tmp_path), "lsa")
    url = "https://example.org/r/"
    serial = render.render_pages(review, RenderInputs(project.templates_dir, "Title", url))
    monkeypatch.setattr(paper_pages, "PARALLEL_MIN_PAGES", 10)
    cache = Cache(tmp_path / "fragments")
    parallel = render.render_pages(review, RenderInputs(project.templates_dir, "Title", url), cache=cache)
    assert parallel.files == serial.files
    assert parallel.keys == serial.keys
    fragments = cache.get_dict(keys.FRAGMENTS.name, keys.FRAGMENTS.key())
    assert len(fragments) == len(review.papers)
