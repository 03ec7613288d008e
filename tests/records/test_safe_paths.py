"""Ids become file names and URLs: they must be safe, unique and stable whatever the title."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from generator.cli import cli
from generator.records.slugs import MAX_SLUG_CHARS, SLUG_PATTERN, slugify, unique_slug
from tests.conftest import synthetic_abstract

TITLES = [
    "../../etc/passwd",
    "CON",
    "Con",
    "aux.txt",
    "Attention Is All You Need",
    "ATTENTION is all you need",
    "A " + "very " * 45 + "long title",  # 240 characters; 300 or more would read as an abstract
    "深度学习中的注意力机制",
    "Обучение с подкреплением",
    "Ünïcödé Çåfé Résumé",
    "index",
    "search",
]


def test_slugs_of_awkward_titles() -> None:
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("Ünïcödé Çåfé Résumé") == "unicode-cafe-resume"
    assert slugify("深度学习中的注意力机制") == ""
    assert len(slugify("A " + "very " * 80)) <= MAX_SLUG_CHARS
    taken: set[str] = set()
    for title in TITLES:
        slug = unique_slug(title, taken, fallback=f"paper-{len(taken)}")
        assert SLUG_PATTERN.match(slug) and slug not in taken
        assert slug.casefold() not in {"con", "aux", "index", "search"}
        taken.add(slug)


@given(st.text(max_size=300))
def test_any_title_gives_a_safe_slug(title: str) -> None:
    slug = unique_slug(title, set(), fallback="paper-x")
    assert SLUG_PATTERN.match(slug)
    assert len(slug) <= MAX_SLUG_CHARS + len("-paper")
    assert "/" not in slug and "." not in slug


def test_import_of_awkward_titles_writes_only_inside_the_review(tmp_path: Path) -> None:
    root = tmp_path / "inside" / "review"
    runner = CliRunner()
    runner.invoke(cli, ["init", str(root)])
    lines = []
    for i, title in enumerate(TITLES):
        lines += [title, "", synthetic_abstract(i, sentences=4), ""]
    dump = tmp_path / "awkward.txt"
    dump.write_text("\n".join(lines))
    result = runner.invoke(cli, ["import", "-C", str(root), str(dump)])
    assert f"{len(TITLES)} new" in result.output, result.output
    ids = sorted(p.stem for p in (root / "content" / "papers").glob("*.yaml"))
    assert len(ids) == len(TITLES)
    assert len({i.casefold() for i in ids}) == len(ids)
    assert "etc-passwd" in ids and "con-paper" in ids and "con-paper-2" in ids
    assert sum(1 for i in ids if i.startswith("paper-")) == 2  # Chinese, Russian: no Latin letters
    assert all(SLUG_PATTERN.match(i) for i in ids)
    result = runner.invoke(cli, ["build", "-C", str(root), "-q"])
    assert result.exit_code == 0, result.output
    # Nothing outside the review folder, and ids stay as they are on the next import.
    assert sorted(p.name for p in (tmp_path / "inside").iterdir()) == ["review"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["awkward.txt", "inside"]
    runner.invoke(cli, ["import", "-C", str(root), str(dump)])
    assert sorted(p.stem for p in (root / "content" / "papers").glob("*.yaml")) == ids
    pages = sorted(p.parent.name for p in (root / "site" / "papers").glob("*/index.html"))
    assert pages == ids


# Dots may join parts (arXiv ids such as 2501.01234 are kept as ids), never start, end or repeat.
@pytest.mark.parametrize(
    "bad_id", ["../escape", "Upper", "has space", "dot..dot", ".hidden", "end.", "", "a/b"]
)
def test_a_record_cannot_choose_an_unsafe_id(tmp_path: Path, bad_id: str) -> None:
    root = tmp_path / "r"
    CliRunner().invoke(cli, ["init", str(root)])
    (root / "content" / "papers" / "x.yaml").write_text(f"id: '{bad_id}'\ntitle: T\nabstract: A.\ntags: []\n")
    result = CliRunner().invoke(cli, ["check", "-C", str(root)])
    assert result.exit_code == 1
    assert "content/papers/x.yaml:1: error: id must be lowercase letters, digits, hyphens and dots" in (
        result.output
    )
