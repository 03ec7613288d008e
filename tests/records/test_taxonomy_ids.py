"""Taxonomy group ids."""

from __future__ import annotations

from pathlib import Path

from generator.errors import ProblemLog
from generator.records.taxonomy import load_taxonomy


def test_group_ids_must_be_slugs(tmp_path: Path) -> None:
    path = tmp_path / "tags.yaml"
    path.write_text("groups:\n  'a\"><b':\n    label: G\ntags: {}\n")
    log = ProblemLog()
    load_taxonomy(path, log)
    assert any("group id" in p.message and p.line == 2 for p in log.errors)
