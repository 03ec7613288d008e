"""The house rules: short functions, cache keys that follow the code, MkDocs patches that fail
loudly, and the layers (checked by lint-imports in scripts/test.sh)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import mkdocs_patches
from generator.cache import keys
from tests.conftest import REPO, copy_review

PACKAGE = REPO / "generator"
MAX_LINES = 60
MAX_ARGS = 6


def _functions() -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((f"{path.relative_to(REPO)}:{node.lineno} {node.name}", node))
    return found


def test_no_function_is_longer_than_a_screen_or_takes_more_than_six_arguments() -> None:
    too_long, too_many = [], []
    for where, node in _functions():
        assert node.end_lineno is not None
        if node.end_lineno - node.lineno + 1 > MAX_LINES:
            too_long.append(where)
        args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        if len([a for a in args if a.arg not in ("self", "cls")]) > MAX_ARGS:
            too_many.append(where)
    assert not too_long, f"functions over {MAX_LINES} lines: {too_long}"
    assert not too_many, f"functions with over {MAX_ARGS} arguments: {too_many}"


def _package_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "generator"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "_templates"))
    return copy


@pytest.mark.parametrize("entry", keys.ENTRIES, ids=lambda entry: entry.name)
def test_an_edit_to_any_module_an_entry_is_computed_by_changes_its_key(
    entry: keys.Entry, tmp_path: Path
) -> None:
    copy = _package_copy(tmp_path)
    modules = keys.module_closure(entry.computed_by, copy)
    assert set(entry.computed_by) <= set(modules)
    before = entry.code(copy)
    for module in modules:
        path = keys.module_file(module, copy)
        source = path.read_bytes()
        path.write_bytes(source + b"\n# edited\n")
        keys.forget_sources()
        assert entry.code(copy) != before, f"an edit to {module} leaves {entry.name} as it was"
        path.write_bytes(source)
    keys.forget_sources()
    assert entry.code(copy) == before
    # The command line is no part of any computation: editing it changes no entry.
    cli = keys.module_file("generator.cli", copy)
    cli.write_bytes(cli.read_bytes() + b"\n# edited\n")
    keys.forget_sources()
    assert entry.code(copy) == before


def test_entries_follow_imports_named_nowhere_by_hand() -> None:
    """clean_latex shapes BibTeX entries, summaries and search tokens: those entries cover it."""
    for entry in (keys.FRAGMENTS, keys.SEARCH_TOKENS, keys.TEXT_DIGESTS, keys.TEXT):
        assert "generator.records.titles" in keys.module_closure(entry.computed_by), entry.name


def test_a_module_that_moved_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="moved"):
        keys.module_file("generator.no_such_module")
    with pytest.raises(ValueError):
        keys.module_file("json")


def test_a_site_built_from_a_warm_cache_after_a_code_edit_is_the_cold_build(tmp_path: Path) -> None:
    """An edit to records/titles.py (clean_latex) in a copy of the package: the cached BibTeX
    entries, summaries and search tokens are made again, so the site is what a build without a
    cache makes."""
    review = copy_review(tmp_path / "review")
    code = tmp_path / "code"
    _package_copy(code)
    env = {**os.environ, "PYTHONPATH": str(code), "LITREVIEW_TODAY": "2026-11-21"}

    def build() -> dict[str, bytes]:
        subprocess.run(
            [sys.executable, "-m", "generator", "build", "-q", "-C", str(review.root)],
            check=True,
            env=env,
            cwd=code,  # python -m puts the working folder first on the path
            capture_output=True,
        )
        site = review.site_dir
        files = sorted(p for p in site.rglob("*") if p.is_file())
        return {p.relative_to(site).as_posix(): p.read_bytes() for p in files}

    before = build()
    titles = code / "generator" / "records" / "titles.py"
    titles.write_text(
        titles.read_text(encoding="utf-8")
        + "\n\n_clean = clean_latex\n\n\ndef clean_latex(text: str) -> str:\n"
        + "    return _clean(text).replace(' model', ' MODEL')\n",
        encoding="utf-8",
    )
    warm = build()
    assert warm != before
    # (references.bib writes abstracts as their sources wrote them, LaTeX and all, since #19: the
    # summaries, cached with the BibTeX entries, show the edit.)
    assert any(b" MODEL" in data for path, data in warm.items() if path.startswith("papers/")), (
        "the cached fragments (BibTeX entries, summaries) were made again"
    )
    shutil.rmtree(review.work_dir)
    assert build() == warm


def test_every_mkdocs_attribute_litreview_replaces_is_checked() -> None:
    assert all(target.problem() is None for target in mkdocs_patches.TARGETS.values())
    import mkdocs.commands.build as mkdocs_build_module

    renamed = mkdocs_patches.Target(mkdocs_build_module, "_build_page_renamed")
    assert renamed.problem() == "mkdocs.commands.build._build_page_renamed is gone"
    unused = mkdocs_patches.Target(mkdocs_build_module, "no_global_of_mkdocs", global_name=True)
    assert "no longer used" in (unused.problem() or "")
