"""Edits of content/fields.yaml and of a paper's values rebuild incrementally, and give the same
site as a full build of the edited content."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.project import Project
from tests.conftest import copy_review
from tests.pipeline.test_incremental import build, built_afresh, tree

OLMO = "2-olmo-2-furious"


def page(project: Project, path: str) -> str:
    return (project.site_dir / path).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The bundled review built (with the worker, as `litreview build`), then rebuilt after a
    label is renamed in fields.yaml, then after one paper's values change; and a fresh full build
    of the final content."""
    project = copy_review(tmp_path_factory.mktemp("fields") / "review")
    build(project, worker=True)
    fields = project.content_dir / "fields.yaml"
    text = fields.read_text(encoding="utf-8")
    assert "label: Training methods named\n" in text
    fields.write_text(
        text.replace("label: Training methods named\n", "label: Methods the abstract names\n"), "utf-8"
    )
    relabelled = build(project, worker=True)
    after_label = {
        "paper": page(project, f"papers/{OLMO}/index.html"),
        "topic": page(project, "topics/rlhf/index.html"),
        "manifest": page(project, "search/manifest.json"),
        "matrix": page(project, "matrix/index.html"),
    }
    record = project.papers_dir / f"{OLMO}.yaml"
    text = record.read_text(encoding="utf-8")
    assert "  models: [Llama, Qwen, Gemma, OLMo]\n" in text
    record.write_text(text.replace("[Llama, Qwen, Gemma, OLMo]", "[Llama, Qwen, OLMo, T5]"), "utf-8")
    revalued = build(project, worker=True)
    fresh, full = built_afresh(project, tmp_path_factory.mktemp("fields-fresh") / "review")
    return {
        "project": project,
        "fresh": fresh,
        "relabelled": relabelled,
        "after_label": after_label,
        "revalued": revalued,
        "full": full,
    }


def test_a_renamed_field_shows_on_every_page_that_shows_it(edited: dict) -> None:
    assert edited["relabelled"].mode == "incremental"
    shown = edited["after_label"]
    assert "Methods the abstract names" in shown["paper"]
    assert "Methods the abstract names" in shown["topic"]
    assert '"label":"Methods the abstract names"' in shown["manifest"]
    assert "Methods the abstract names" in shown["matrix"]
    assert "Training methods named" not in shown["paper"] + shown["topic"] + shown["matrix"]


def test_a_value_edit_rebuilds_the_pages_that_show_it(edited: dict) -> None:
    revalued = edited["revalued"]
    assert revalued.mode == "incremental"
    assert 1 <= revalued.pages_built < 40, revalued.pages_built
    project: Project = edited["project"]
    paper = page(project, f"papers/{OLMO}/index.html")
    assert "f.models=T5" in paper and "f.models=Gemma" not in paper
    assert f"{OLMO},2 OLMo 2 Furious" in page(project, "papers.csv")
    csv_line = next(
        line for line in page(project, "topics/pretraining-data.csv").splitlines() if line.startswith(OLMO)
    )
    assert "Llama; Qwen; OLMo; T5" in csv_line


def test_the_edited_site_is_the_site_a_full_build_makes(edited: dict) -> None:
    project, fresh = edited["project"], edited["fresh"]
    assert edited["full"].mode == "full"
    assert tree(project.site_dir) == tree(fresh.site_dir)
    assert tree(project.docs_dir) == tree(fresh.docs_dir)


def test_fields_yaml_is_an_input_of_the_build(tmp_path: Path) -> None:
    project = copy_review(tmp_path / "review")
    build(project)
    assert build(project).mode == "up to date"
    fields = project.content_dir / "fields.yaml"
    fields.write_text(fields.read_text(encoding="utf-8") + "\n# a comment changes no page\n", "utf-8")
    again = build(project)
    assert again.mode in ("up to date", "incremental")
    assert again.pages_built == 0
