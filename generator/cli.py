"""The `litreview` command: a thin layer that wires the stages and turns errors into messages."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import click
from rich.console import Console

from generator import __version__
from generator.errors import ContentErrors, LitreviewError, Problem, ProblemLog
from generator.project import Project

console = Console(stderr=True, highlight=False)
T = TypeVar("T")


def _print_problems(problems: list[Problem]) -> None:
    for problem in sorted(problems):
        style = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{style}]{problem}[/{style}]", soft_wrap=True)


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}", soft_wrap=True)
    sys.exit(1)


@contextmanager
def _errors_to_messages(log: ProblemLog | None = None, hint: str = "") -> Iterator[None]:
    try:
        yield
    except ContentErrors as exc:
        if log is not None:
            _print_problems(log.warnings)
        _print_problems(exc.problems)
        _fail(f"{exc}{hint}")
    except LitreviewError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; the previous site is unchanged")


class _Steps:
    """Progress for long steps: a spinner while each runs, then its time."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.current: str | None = None
        self.started = 0.0
        self.status = None

    def __call__(self, step: str) -> None:
        self._finish()
        self.current, self.started = step, time.perf_counter()
        if not self.quiet:
            self.status = console.status(f"{step}…")
            self.status.start()

    def _finish(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None
        if self.current and not self.quiet:
            console.print(
                f"[green]✓[/green] {self.current} [dim]({time.perf_counter() - self.started:.1f} s)[/dim]"
            )
        self.current = None

    def close(self) -> None:
        self._finish()


def _project_option(func: Callable[..., T]) -> Callable[..., T]:
    return click.option(
        "-C",
        "--project",
        "project_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=".",
        show_default=True,
        help="The review's folder (the one with mkdocs.yml and content/).",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="litreview")
def cli() -> None:
    """Build a literature-review website from pasted paper abstracts."""


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="My literature review", show_default=True, help="The site's name.")
def init(directory: Path, title: str) -> None:
    """Start a new, empty review in DIRECTORY."""
    from generator.scaffold import create_review

    with _errors_to_messages():
        created = create_review(directory, title)
    for path in created:
        console.print(f"created {path}")
    console.print(
        f"Next: put pasted abstracts in {directory / 'content' / 'sources'} "
        f"and run `litreview build -C {directory}`."
    )


@cli.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_project_option
def import_(files: tuple[Path, ...], project_dir: Path) -> None:
    """Add source FILES to content/sources/ and create records for their new papers."""
    from generator.cache.store import Cache
    from generator.ingest.importer import add_source_files, remember_sync, sync_sources
    from generator.records.store import load_papers
    from generator.records.taxonomy import load_taxonomy

    project = Project.at(project_dir)
    log = ProblemLog(project.root)
    cache = Cache(project.work_dir / "cache")
    with _errors_to_messages(log):
        copied = add_source_files(project, list(files), log)
        report = sync_sources(project, log, cache=cache)
        if (report.created or report.updated) and not log.errors:
            # So that the next build knows these sources are imported and skips reading them
            # (records are read as build reads them, so that it finds them parsed).
            taxonomy = load_taxonomy(project.tags_file, ProblemLog())
            known = taxonomy if taxonomy.tags else None
            records = load_papers(project.papers_dir, known, ProblemLog(), cache)
            remember_sync(project, records, report, cache)
    _print_problems(log.problems)
    for name in copied:
        console.print(f"added content/sources/{name}")
    console.print(
        f"{report.blocks} abstract blocks, {report.papers_in_sources} papers in the sources: "
        f"{len(report.created)} new, {len(report.updated)} updated, {report.unchanged} unchanged."
    )
    _write_merge_report(project, report)
    if log.errors:
        sys.exit(1)


def _write_merge_report(project: Project, report: object) -> None:
    from generator.files import atomic_write_text
    from generator.ingest.importer import ImportReport, merge_report
    from generator.records.yamlio import dump_new

    assert isinstance(report, ImportReport)
    path = project.content_dir / "merge-report.yaml"
    header = (
        "# What `litreview import` took for one paper (merged), and what it nearly did (near_misses).\n"
        "# Replaced on every import. To keep a source apart from a paper it was merged into, add it to\n"
        "# that paper's record: split: ['sources/file.bib:12']. Map unmapped keywords to tags with\n"
        "# aliases: [...] in content/tags.yaml.\n"
    )
    atomic_write_text(path, dump_new(merge_report(report), header))
    if report.merges or report.near_misses or report.unmapped_keywords:
        console.print(
            f"{len(report.merges)} merges, {len(report.near_misses)} near misses, "
            f"{len(report.unmapped_keywords)} keywords not mapped to tags: see {project.rel(path)}"
        )


@cli.command()
@_project_option
@click.option("--site", "check_built_site", is_flag=True, help="Check the links of the built site/ instead.")
@click.option(
    "--base-url",
    default=None,
    help="Where the site is served, a URL or a path such as /my-review/ (default: SITE_URL or site_url).",
)
def check(project_dir: Path, check_built_site: bool, base_url: str | None) -> None:
    """Validate the content: YAML syntax and fields, unknown tags, duplicate ids, sources.

    With --site, check the built site instead: every internal link, anchor and asset must
    resolve (external links are listed, not fetched).
    """
    project = Project.at(project_dir)
    if check_built_site:
        _check_site(project, base_url)
        return
    from generator.ingest.sources import read_sources
    from generator.records.review import load_review

    log = ProblemLog(project.root)
    with _errors_to_messages(log):
        review = load_review(project, log)
        read_sources(project.sources_dir, project.content_dir, log)
    _print_problems(log.problems)
    if log.errors:
        _fail(
            f"{len(log.errors)} problem{'s' if len(log.errors) != 1 else ''} "
            "to fix before the review can be built"
        )
    console.print(
        f"[green]ok:[/green] {len(review.papers)} papers, {len(review.taxonomy.tags)} tags"
        + (f", {len(log.warnings)} warnings" if log.warnings else "")
    )


def _check_site(project: Project, base_url: str | None) -> None:
    from generator.build.linkcheck import check_site
    from generator.config import Settings

    if not (project.site_dir / "index.html").is_file():
        _fail(f"there is no built site in {project.rel(project.site_dir)}/; run `litreview build` first")
    with _errors_to_messages():
        base = base_url if base_url is not None else Settings.of(project).site_url
    report = check_site(project.site_dir, base)
    for url in sorted(report.external):
        click.echo(f"external (not fetched): {url}")
    for broken in report.broken:
        console.print(f"[red]{project.rel(project.site_dir)}/{broken}[/red]", soft_wrap=True)
    summary = (
        f"{report.pages} pages, {report.internal} internal links checked under {base}, "
        f"{len(report.external)} external links listed"
    )
    if report.broken:
        _fail(
            f"{len(report.broken)} broken link{'s' if len(report.broken) != 1 else ''} ({summary}); "
            "fix the template or content that makes them, then build again"
        )
    console.print(f"[green]ok:[/green] {summary}")


@cli.command()
@_project_option
@click.option("--strict/--no-strict", default=True, show_default=True, help="Fail on any MkDocs warning.")
@click.option("--no-import", is_flag=True, help="Do not look for new papers in content/sources/.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.option("-v", "--verbose", is_flag=True, help="Show MkDocs' own messages.")
def build(project_dir: Path, strict: bool, no_import: bool, quiet: bool, verbose: bool) -> None:
    """Generate the pages and build the site into site/."""
    from generator.build.mkdocs_config import mkdocs_logging
    from generator.build.pipeline import Options, build_review
    from generator.build.site import build_lock

    project = Project.at(project_dir)
    log = ProblemLog(project.root)
    steps = _Steps(quiet)
    started = time.perf_counter()
    mkdocs_logging(verbose)
    with (
        _errors_to_messages(log, hint="; run `litreview check` to see them all, fix them, then build again"),
        build_lock(project),
    ):
        try:
            options = Options(sync=not no_import, progress=steps, worker=True)
            report, built = build_review(project, log, options, strict)
        finally:
            steps.close()
    _print_problems(log.warnings)
    if not quiet:
        imported = report.imported
        new = f", {len(imported.created)} new" if imported and imported.created else ""
        how = {
            "full": "",
            "incremental": f", {built.pages_built} pages rebuilt",
            "up to date": ", nothing changed",
        }[built.mode]
        console.print(
            f"Built {report.papers} papers{new} into {project.rel(project.site_dir)}/ "
            f"in {time.perf_counter() - started:.1f} s ({report.written} files changed{how})."
        )


@cli.command()
@_project_option
def suggest(project_dir: Path) -> None:
    """Suggest tags for papers, learned from the tags already assigned; writes a report."""
    from generator.enrich.suggest import suggest_tags
    from generator.files import atomic_write_text
    from generator.records.review import load_review
    from generator.records.yamlio import dump_new

    project = Project.at(project_dir)
    log = ProblemLog(project.root)
    with _errors_to_messages(log, hint="; run `litreview check` to see them all"):
        review = load_review(project, log)
        log.raise_if_errors()
    suggestions = suggest_tags(review.papers, review.taxonomy)
    report: dict[str, list[dict[str, object]]] = {}
    for item in suggestions:
        report.setdefault(item.paper_id, []).append(
            {"tag": item.tag, "score": item.score, "why": item.reason}
        )
    path = project.content_dir / "suggested-tags.yaml"
    header = (
        "# Tags litreview suggests, by paper: learned from the tags you assigned, and the match rules.\n"
        "# Written by `litreview suggest` and replaced on every run. Nothing here changes a paper:\n"
        "# copy the tags you agree with into content/papers/<id>.yaml.\n"
    )
    atomic_write_text(path, dump_new(dict(sorted(report.items())), header))
    console.print(
        f"{len(suggestions)} suggestions for {len(report)} of {len(review.papers)} papers "
        f"written to {project.rel(path)}"
    )


@cli.command()
@_project_option
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
def serve(project_dir: Path, dev_addr: str) -> None:
    """Preview the site, regenerating it when content or templates change."""
    from generator.build.preview import serve_review

    project = Project.at(project_dir)
    with _errors_to_messages():
        serve_review(project, dev_addr, on_problems=_print_problems)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
