"""A large review's full build runs MkDocs in several processes, and a rebuild gives MkDocs only the
paper pages it needs: either way the site must be the one a single full MkDocs build makes, byte
for byte, and a problem in any page it builds must fail the build."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File

from generator.build import parallel as mkdocs_parts
from generator.build.mkdocs_config import mkdocs_config, reproducible_dates
from generator.build.parallel import build_in_parts, can_split, part_of
from generator.build.site import SiteBuild, build_site, pages_changing
from generator.config import Settings
from generator.errors import LitreviewError, ProblemLog
from generator.project import Project
from generator.records.taxonomy import load_taxonomy


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def copied(built: Project, target: Path) -> Project:
    """The built review's content, docs and settings, without its site."""
    shutil.copytree(built.root, target, ignore=shutil.ignore_patterns("site", "build.lock"))
    return Project.at(target)


def site_build(project: Project) -> SiteBuild:
    return SiteBuild(Settings.of(project), load_taxonomy(project.tags_file, ProblemLog(project.root)))


def build(project: Project, out: Path, parts: int, strict: bool = True) -> dict[str, bytes]:
    taxonomy = load_taxonomy(project.tags_file, ProblemLog(project.root))
    config = mkdocs_config(project, Settings.of(project), taxonomy, out, strict)
    with reproducible_dates():
        if parts == 1:
            mkdocs_build(config)
        else:
            job = SiteBuild(Settings.of(project), taxonomy, strict)
            build_in_parts(config, project.root, job, out, parts)
    return tree(out)


def test_a_build_in_parts_is_the_site_one_process_builds(built_review: Project, tmp_path: Path) -> None:
    papers = sorted(p.name for p in (built_review.docs_dir / "papers").glob("*.md"))
    for parts in (2, 3):
        shares = {part_of(f"papers/{name}", parts) for name in papers}
        assert shares == set(range(parts)), "every process gets paper pages"
    one = build(built_review, tmp_path / "one", 1)
    assert len([p for p in one if p.startswith("papers/")]) == len(papers)
    for parts in (2, 3):
        assert build(built_review, tmp_path / f"in-{parts}", parts) == one


def test_a_problem_in_another_process_fails_the_build(built_review: Project, tmp_path: Path) -> None:
    project = copied(built_review, tmp_path / "review")
    page = next(
        p for p in sorted((project.docs_dir / "papers").glob("*.md")) if part_of(f"papers/{p.name}", 2) == 1
    )
    page.write_text(page.read_text(encoding="utf-8") + "\n[a broken link](no-such-paper.md)\n", "utf-8")
    with pytest.raises(Abort, match="strict mode"):
        build(project, tmp_path / "out", 2)


def test_build_site_builds_a_large_review_in_parts(
    built_review: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copied(built_review, tmp_path / "review")
    (project.work_dir / "last-build.json").unlink(missing_ok=True)
    calls: list[int] = []

    def counted(*args: object) -> None:
        calls.append(int(args[-1]))  # type: ignore[call-overload]
        build_in_parts(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(mkdocs_parts, "SPLIT_MIN_PAGES", 1)
    monkeypatch.setattr("generator.build.site.build_in_parts", counted)
    built = build_site(project, site_build(project))
    assert built.mode == "full" and calls and calls[0] >= 2
    assert tree(project.site_dir) == tree(built_review.site_dir)

    # A failure in the other process leaves the site as it was.
    before = tree(project.site_dir)
    page = next(
        p
        for p in sorted((project.docs_dir / "papers").glob("*.md"))
        if part_of(f"papers/{p.name}", calls[0]) == 1
    )
    page.write_text(page.read_text(encoding="utf-8") + "\n[a broken link](no-such-paper.md)\n", "utf-8")
    (project.work_dir / "last-build.json").unlink()
    with pytest.raises(LitreviewError, match="previous site is unchanged"):
        build_site(project, site_build(project))
    assert tree(project.site_dir) == before
    assert not list(project.root.glob(".site.new-*"))


def test_a_build_is_split_only_when_every_page_can_be_built_alone(
    built_review: Project, tmp_path: Path
) -> None:
    taxonomy = load_taxonomy(built_review.tags_file, ProblemLog(built_review.root))
    config = mkdocs_config(built_review, Settings.of(built_review), taxonomy, tmp_path / "out", True)
    assert can_split(config, generated_nav=True, pages=20_000)
    assert not can_split(config, generated_nav=True, pages=mkdocs_parts.SPLIT_MIN_PAGES - 1)
    assert not can_split(config, generated_nav=False, pages=20_000)  # a person's nav may list papers

    project = copied(built_review, tmp_path / "review")
    text = project.mkdocs_file.read_text(encoding="utf-8")
    assert "plugins:\n  - litreview\n" in text
    # Material's search plugin indexes every page in one process.
    project.mkdocs_file.write_text(text.replace("  - litreview\n", "  - litreview\n  - search\n"), "utf-8")
    config = mkdocs_config(project, Settings.of(project), taxonomy, tmp_path / "out", True)
    assert not can_split(config, generated_nav=True, pages=20_000)
    assert not mkdocs_parts.can_narrow(config, generated_nav=True)
    # A static template of a person's own could list every page.
    project.mkdocs_file.write_text(
        text.replace("  name: material\n", "  name: material\n  static_templates: [all.html]\n"), "utf-8"
    )
    config = mkdocs_config(project, Settings.of(project), taxonomy, tmp_path / "out", True)
    assert "all.html" in config.theme.static_templates
    assert not can_split(config, generated_nav=True, pages=20_000)
    assert not mkdocs_parts.can_narrow(config, generated_nav=True)
    config = mkdocs_config(built_review, Settings.of(built_review), taxonomy, tmp_path / "out", True)
    assert mkdocs_parts.can_narrow(config, True)


def test_damaged_compiled_templates_are_compiled_again(built_review: Project, tmp_path: Path) -> None:
    project = copied(built_review, tmp_path / "review")
    # Material's compiled templates and litreview's page templates, one folder each.
    compiled = sorted(p for p in (project.work_dir / "cache").glob("jinja-*/*/*") if p.is_file())
    assert len({p.parent for p in compiled}) == 2, "the build kept the theme's and the pages' templates"
    for n, entry in enumerate(compiled):
        data = entry.read_bytes()
        # Truncated, one bit of the code flipped (the length is right), or nothing at all.
        flipped = data[:-8] + bytes([data[-8] ^ 0x40]) + data[-7:]
        entry.write_bytes([data[: len(data) // 2], flipped, b""][n % 3])
    (project.work_dir / "last-build.json").unlink()
    build_site(project, site_build(project))
    assert tree(project.site_dir) == tree(built_review.site_dir)


def edited(page: Path, addition: str) -> None:
    """Append to a generated page, as a rebuild's write would (newer than its HTML)."""
    page.write_text(page.read_text(encoding="utf-8") + addition, encoding="utf-8")
    later = page.stat().st_mtime + 5
    os.utime(page, (later, later))


def test_a_rebuild_gives_mkdocs_only_the_paper_pages_it_needs(
    built_review: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project.at(tmp_path / "review")
    shutil.copytree(built_review.root, project.root, ignore=shutil.ignore_patterns("build.lock"))
    taxonomy = load_taxonomy(project.tags_file, ProblemLog(project.root))
    # With an address, the sitemap lists every page.
    monkeypatch.setenv("SITE_URL", "https://example.org/review/")
    assert build_site(project, SiteBuild(Settings.of(project), taxonomy)).mode == "full"
    assert b"/papers/" in (project.site_dir / "sitemap.xml").read_bytes()
    given: list[set[str] | None] = []
    papers_needed = mkdocs_parts.papers_needed

    def recorded(config: object) -> set[str] | None:
        given.append(papers_needed(config))  # type: ignore[arg-type]
        return given[-1]

    monkeypatch.setattr(mkdocs_parts, "papers_needed", recorded)
    papers = sorted(p.name for p in (project.docs_dir / "papers").glob("*.md"))
    page = project.docs_dir / "papers" / papers[0]
    linked = set(re.findall(r"\(([^()/]+\.md)", page.read_text(encoding="utf-8")))
    assert linked, "a paper page links to other papers (related, previous, next)"
    # A link the page did not have, with an anchor, to a paper named nowhere else in it.
    extra = next(name for name in papers[1:] if name not in linked)
    edited(page, f"\n[One more](<{extra}#abstract>) and [the topics](../topics/index.md).\n")
    pages_changing(project, removing=False)
    built = build_site(project, SiteBuild(Settings.of(project), taxonomy))  # strict: every link must resolve
    assert built.mode == "incremental"
    assert given[-1] is not None and {papers[0], extra} | linked <= given[-1]
    assert len(given[-1]) < len(papers) // 4, "most paper pages are left out"
    assert tree(project.site_dir) == build(copied(project, tmp_path / "full"), tmp_path / "full-site", 1)

    # A broken link is still found.
    before = tree(project.site_dir)
    edited(page, "\n[a broken link](no-such-paper.md)\n")
    pages_changing(project, removing=False)
    with pytest.raises(LitreviewError, match="previous site is unchanged"):
        build_site(project, SiteBuild(Settings.of(project), taxonomy))
    assert tree(project.site_dir) == before

    # A new page: MkDocs gets every file, so that the sitemap lists it.
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("[a broken link](no-such-paper.md)", ""), encoding="utf-8")
    shutil.copy(page, project.docs_dir / "papers" / "a-new-paper.md")
    pages_changing(project, removing=False)
    assert build_site(project, SiteBuild(Settings.of(project), taxonomy)).mode == "incremental"
    assert given[-1] is None
    assert b"/review/papers/a-new-paper/" in (project.site_dir / "sitemap.xml").read_bytes()
    assert tree(project.site_dir) == build(copied(project, tmp_path / "full-2"), tmp_path / "full-site-2", 1)


def test_page_destinations_are_where_mkdocs_writes_pages() -> None:
    for directory_urls in (True, False):
        for src_uri in ("papers/2504.21136.md", "papers/index.md", "topics/README.md", "index.md", "a.b.md"):
            folder, name = os.path.split(src_uri)
            dest_dir = os.path.join("/site", folder) if folder else "/site"
            mine = mkdocs_parts.page_dest(dest_dir, name, directory_urls)
            theirs = File(src_uri, "/docs", "/site", directory_urls).abs_dest_path
            assert os.path.normpath(mine) == theirs, (src_uri, directory_urls)
