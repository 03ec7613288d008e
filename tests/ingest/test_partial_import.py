"""Imports that keep the good entries: a .bib with a broken entry, a newer export under the
same name, a folder of exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.project import Project
from tests.conftest import FIXTURES, synthetic_abstract

BROKEN = FIXTURES / "formats" / "broken.bib"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("LITREVIEW_TODAY", "2025-01-02")
    root = tmp_path / "r"
    assert run("init", str(root))[0] == 0
    return Project.at(root)


def entry(key: str, title: str, journal: str, doi: str) -> str:
    return (
        f"@article{{{key},\n  title = {{{title}}},\n  author = {{Doe, Jane}},\n  journal = {{{journal}}},\n"
        f"  year = {{2021}},\n  doi = {{{doi}}},\n  abstract = {{{synthetic_abstract(key)}}}\n}}\n\n"
    )


def record(project: Project, paper_id: str) -> dict:
    return yaml.safe_load((project.papers_dir / f"{paper_id}.yaml").read_text())


def test_a_broken_entry_is_reported_and_the_rest_imports(empty: Project, tmp_path: Path) -> None:
    shutil.copy(BROKEN, tmp_path / "refs.bib")
    code, out = run("import", str(tmp_path / "refs.bib"), "-C", str(empty.root))
    assert code == 0, out
    assert out.splitlines() == [
        "content/papers/an-arxiv-preprint.yaml: warning: no tag matched this paper; add one by hand",
        "content/sources/refs.bib:11: warning: the BibTeX entry 'broken2021' cannot be read (unbalanced "
        "braces?); skipped",
        "added content/sources/refs.bib",
        "2 abstract blocks, 2 papers in the sources: 2 new, 0 updated, 0 unchanged.",
        "0 merges, 0 near misses, 1 keyword not mapped to tags: see ",
        "content/merge-report.yaml",
    ]
    assert sorted(p.name for p in empty.papers_dir.glob("*.yaml")) == [
        "a-bayesian-view-of-gans-for-muller-s-naive-problem.yaml",
        "an-arxiv-preprint.yaml",
    ]
    assert (empty.sources_dir / "refs.bib").read_bytes() == BROKEN.read_bytes()
    # Recorded as imported: importing it again changes nothing and says the same.
    code, out = run("import", str(tmp_path / "refs.bib"), "-C", str(empty.root))
    assert code == 0
    assert "2 abstract blocks, 2 papers in the sources: 0 new, 0 updated, 2 unchanged." in out


def test_a_file_with_no_readable_entry_is_an_error(empty: Project, tmp_path: Path) -> None:
    (tmp_path / "bad.bib").write_text("@article{bad,\n  title = {Never closed,\n")
    code, out = run("import", str(tmp_path / "bad.bib"), "-C", str(empty.root))
    assert code == 1
    assert "bad.bib:1: error: the BibTeX entry 'bad' cannot be read (unbalanced braces?); skipped" in out
    assert not (empty.sources_dir / "bad.bib").exists()


def test_a_newer_export_of_the_same_name_updates_its_papers(empty: Project, tmp_path: Path) -> None:
    first, second = tmp_path / "v1", tmp_path / "v2"
    first.mkdir()
    second.mkdir()
    (first / "refs.bib").write_text(
        entry("alpha", "Alpha Paper", "Old Journal", "10.1234/a")
        + entry("beta", "Beta Paper", "J", "10.1234/b")
    )
    assert run("import", str(first / "refs.bib"), "-C", str(empty.root))[0] == 0
    # A hand edit of a field that came from the source stays.
    path = empty.papers_dir / "alpha-paper.yaml"
    path.write_text(path.read_text().replace("doi: 10.1234/a", "doi: 10.1234/a-fixed-by-hand"))
    (second / "refs.bib").write_text(
        entry("gamma", "Gamma Paper", "J", "10.1234/c")
        + entry("alpha", "Alpha Paper", "New Journal", "10.1234/a-changed")
    )
    code, out = run("import", str(second / "refs.bib"), "-C", str(empty.root))
    assert code == 0, out
    assert out.splitlines() == [
        "content/papers/beta-paper.yaml: warning: sources/refs.bib no longer has this paper (it was "
        "line 10, entry 'beta'); the record is kept",
        "updated content/sources/refs.bib (a newer export of it)",
        "2 abstract blocks, 2 papers in the sources: 1 new, 1 updated, 0 unchanged.",
        "1 papers are no longer in the sources that replaced older exports; their records are kept "
        "(see the warnings)",
    ]
    alpha = record(empty, "alpha-paper")
    assert alpha["venue"] == "New Journal"  # refreshed from the new export
    assert alpha["doi"] == "10.1234/a-fixed-by-hand"  # edited by hand: kept
    assert alpha["sources"] == [{"file": "sources/refs.bib", "line": 10}]
    assert (empty.papers_dir / "beta-paper.yaml").is_file()  # never deleted
    assert (empty.sources_dir / "refs.bib").read_text() == (second / "refs.bib").read_text()


def test_import_a_folder(empty: Project, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.bib").write_text(entry("alpha", "Alpha Paper", "J", "10.1234/a"))
    (folder / "b.txt").write_text(f"Beta Paper\n{synthetic_abstract('beta')}\n")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    (folder / ".hidden.txt").write_text("x")
    code, out = run("import", str(folder), "-C", str(empty.root))
    assert code == 0, out
    assert [line for line in out.splitlines() if "warning" not in line][:4] == [
        f"skipped {folder / 'notes.pdf'}: not a source file (by its name)",
        "added content/sources/a.bib",
        "added content/sources/b.txt",
        "2 abstract blocks, 2 papers in the sources: 2 new, 0 updated, 0 unchanged.",
    ]
    assert sorted(p.name for p in empty.sources_dir.iterdir() if not p.name.startswith(".")) == [
        "a.bib",
        "b.txt",
    ]
    assert sorted(p.stem for p in empty.papers_dir.glob("*.yaml")) == ["alpha-paper", "beta-paper"]
