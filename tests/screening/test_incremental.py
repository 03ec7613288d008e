"""Edits of content/review.yaml and of one decision are seen by the next (incremental) build."""

from __future__ import annotations

from generator.project import Project
from generator.records.screening import Decision, set_decision
from tests.conftest import build_review

CBT = "psychological-outcomes-of-a-cognitive-behavioral-therapy-for"


def test_an_edit_of_review_yaml_or_of_a_decision_rebuilds_the_flow(example: Project) -> None:
    build_review(example)
    page = example.site_dir / "prisma" / "index.html"
    assert "Not primary research (n&nbsp;=&nbsp;3)" in page.read_text(encoding="utf-8") or (
        "Not primary research (n\u00a0=\u00a03)" in page.read_text(encoding="utf-8")
    )
    review_yaml = example.content_dir / "review.yaml"
    review_yaml.write_text(
        review_yaml.read_text(encoding="utf-8").replace(
            "label: Not primary research", "label: Secondary research"
        ),
        encoding="utf-8",
    )
    build_review(example)
    assert "Secondary research" in page.read_text(encoding="utf-8")
    set_decision(
        example.papers_dir / f"{CBT}.yaml",
        Decision("excluded", "full-text", "not-primary-research", "2024-01-01"),
    )
    build_review(example)
    text = page.read_text(encoding="utf-8")
    assert "Studies included in review (n\u00a0=\u00a05)" in text or "(n&nbsp;=&nbsp;5)" in text
    assert not (example.site_dir / "papers" / CBT).exists()
    assert f'id="record-{CBT}"' in (example.site_dir / "prisma" / "excluded" / "index.html").read_text(
        encoding="utf-8"
    )
