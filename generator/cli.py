"""The `litreview` command: a thin layer that wires the stages and turns errors into messages."""

from __future__ import annotations

import errno
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from generator import __version__
from generator.errors import ContentErrors, LitreviewError, Problem, ProblemLog
from generator.project import Project

console = Console(stderr=True, highlight=False)
T = TypeVar("T")


def _print_problems(problems: list[Problem]) -> None:
    # Problems quote titles, file names and values from the content: printed as text, never as
    # rich markup (a pasted title with "[/yellow]" in it must not break the command).
    for problem in sorted(problems):
        style = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{style}]{escape(str(problem))}[/{style}]", soft_wrap=True)


def _fail(message: str, code: int = 1) -> NoReturn:
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    sys.exit(code)


_OS_ERRORS = {
    errno.ENOSPC: "there is no space left on the disk",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EADDRINUSE: "the address is already in use; stop what uses it or choose another with --dev-addr",
    errno.EADDRNOTAVAIL: "the address is not available on this machine; choose another with --dev-addr",
}


def _os_error_message(exc: OSError) -> str:
    """One sentence for a failed file or network operation, naming the path when there is one."""
    reason = _OS_ERRORS.get(exc.errno or 0) or exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is None:
        return reason
    where = f"{exc.filename} -> {exc.filename2}" if exc.filename2 is not None else str(exc.filename)
    return f"{where}: {reason}"


@contextmanager
def _errors_to_messages(log: ProblemLog | None = None, hint: str = "") -> Iterator[None]:
    """The one funnel from errors to messages: content problems, LitreviewError, and OSError
    (a full disk, a read-only folder, a port in use) become messages and exit code 1."""
    try:
        yield
    except ContentErrors as exc:
        if log is not None:
            _print_problems(log.warnings)
        _print_problems(exc.problems)
        _fail(f"{exc}{hint}")
    except LitreviewError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(_os_error_message(exc))
    except KeyboardInterrupt:
        _fail("interrupted; the previous site is unchanged")


class _Commands(click.Group):
    """Every command runs inside the funnel, so an error no command expects still ends as a
    message, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        with _errors_to_messages():
            return super().invoke(ctx)


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


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="litreview")
def cli() -> None:
    """Build a literature-review website from the papers you collect.

    \b
    Reads, recognising each by its content: pasted arXiv abstracts, Hugging Face Papers
    listings, BibTeX/BibLaTeX (.bib), RIS (.ris: PubMed, Web of Science), Zotero CSV, arXiv
    API Atom XML, and JSON Lines or JSON records (.jsonl, .json; also gzipped).
    """


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="My literature review", show_default=True, help="The site's name.")
@click.option(
    "--pin",
    metavar="TEXT",
    help="What requirements.txt installs litreview from: a version (0.2.0, '>=0.2,<0.3'), a git URL "
    "(git+https://...) or a wheel (path or URL). Default: this version, from PyPI.",
)
def init(directory: Path, title: str, pin: str | None) -> None:
    """Start a new, empty review in DIRECTORY."""
    from generator.scaffold import REQUIREMENTS_FILE, create_review

    with _errors_to_messages():
        created = create_review(directory, title, pin)
    for path in created.files:
        console.print(f"created {path}", markup=False)
    if REQUIREMENTS_FILE in created.files:
        console.print(f"{REQUIREMENTS_FILE} pins litreview as: {created.pin}", markup=False, soft_wrap=True)
    else:
        console.print(
            f"{REQUIREMENTS_FILE} exists already and is left as it is; the publish workflow "
            f"installs litreview from it, so add: {created.pin}",
            markup=False,
            soft_wrap=True,
        )
    if created.pin_is_local:
        console.print(
            "That wheel is outside the review, so only this computer can install it. For the publish "
            "workflow, copy it into the review and put its path (./wheels/NAME.whl) in requirements.txt, "
            "or pin a version or a git URL there."
        )
    console.print(
        f"Next: put pasted abstracts in {directory / 'content' / 'sources'} "
        f"and run `litreview build -C {directory}`.",
        markup=False,
    )


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FILE_OR_DIR...")
@_project_option
def import_(paths: tuple[Path, ...], project_dir: Path) -> None:
    """Add source files (or every source file of a folder) to content/sources/ and create
    records for their new papers.

    \b
    Formats, recognised by content:
      pasted arXiv abstracts       one per line, each starting 'Abstract:' (.txt)
      Hugging Face Papers listing  as pasted from the browser, or title + abstract lines (.txt)
      BibTeX / BibLaTeX            .bib
      RIS                          .ris (PubMed, Web of Science)
      Zotero CSV                   .csv (File > Export Library > CSV)
      arXiv API Atom XML           .xml, .atom
      JSON Lines / JSON records    .jsonl, .json, also .gz
    \b
    An entry that cannot be read is reported with its file and line and skipped; the rest
    imports. A file named like a source imported before replaces it (a newer export): its new
    entries come in, changed entries refresh their records (your edits stay), and entries no
    longer in it are reported, never deleted.

    \b
    Example:
      litreview import ~/Downloads/refs.bib ~/Downloads/hf-papers-march.txt
      litreview import ~/Downloads/exports/
    """
    from generator.build.site import build_lock
    from generator.cache.store import Cache
    from generator.ingest.importer import SyncJob, add_sources, run_sync

    project = Project.at(project_dir)
    log = ProblemLog(project.root)
    cache = Cache(project.work_dir / "cache")
    files = _source_paths(paths)
    # One command changes a review at a time: import, build and the preview take turns.
    with _errors_to_messages(log), build_lock(project, command="import"):
        added = add_sources(project, files, log)
        report = run_sync(
            project, log, SyncJob(cache=cache, replaced=added.replaced if added.updated else None)
        )
        _remember_import(project, report, log, cache)
    _print_problems(log.problems)
    for name in added.copied:
        console.print(f"added content/sources/{name}", markup=False, soft_wrap=True)
    for name in added.updated:
        console.print(f"updated content/sources/{name} (a newer export of it)", markup=False, soft_wrap=True)
    excluded = f", {len(report.excluded)} excluded" if report.excluded else ""
    console.print(
        f"{counted(report.blocks, 'abstract block')}, "
        f"{counted(report.papers_in_sources, 'paper')} in the sources: "
        f"{len(report.created)} new, {len(report.updated)} updated, {report.unchanged} unchanged{excluded}.",
        soft_wrap=True,
    )
    if report.vanished:
        console.print(
            f"{len(report.vanished)} papers are no longer in the sources that replaced older exports; "
            "their records are kept (see the warnings)",
            soft_wrap=True,
        )
    _write_merge_report(project, report)
    if log.errors:
        sys.exit(1)


def _source_paths(paths: tuple[Path, ...]) -> list[Path]:
    """The files to import: each file given, and the source files in each folder given."""
    from generator.ingest.importer import source_files_in

    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found, others = source_files_in(path)
        for other in others:
            console.print(f"skipped {other}: not a source file (by its name)", markup=False, soft_wrap=True)
        if not found:
            _fail(
                f"{path}: no source files in this folder (.txt, .bib, .ris, .csv, .xml, .json, .jsonl, .gz)"
            )
        files.extend(found)
    return files


def _remember_import(project: Project, report: object, log: ProblemLog, cache: object) -> None:
    """So that the next build knows these sources are imported and skips reading them
    (records are read as build reads them, so that it finds them parsed)."""
    from generator.cache.store import Cache
    from generator.ingest.importer import ImportReport, remember_sync
    from generator.records.store import load_papers
    from generator.records.taxonomy import load_taxonomy

    assert isinstance(report, ImportReport) and isinstance(cache, Cache)
    if (report.created or report.updated) and not log.errors:
        taxonomy = load_taxonomy(project.tags_file, ProblemLog())
        known = taxonomy if taxonomy.tags else None
        records = load_papers(project.papers_dir, known, ProblemLog(), cache)
        remember_sync(project, records, report, cache)


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
            f"{counted(len(report.merges), 'merge')}, {len(report.near_misses)} near miss"
            f"{'' if len(report.near_misses) == 1 else 'es'}, "
            f"{counted(len(report.unmapped_keywords), 'keyword')} not mapped to tags: "
            f"see {project.rel(path)}",
            markup=False,
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
    from generator.ingest.importer import report_possible_duplicates
    from generator.ingest.sources import read_sources
    from generator.records.exclusions import stale_exclusions
    from generator.records.review import review_of
    from generator.records.store import load_papers
    from generator.records.taxonomy import load_taxonomy

    log = ProblemLog(project.root)
    with _errors_to_messages(log):
        taxonomy = load_taxonomy(project.tags_file, log)
        records = load_papers(project.papers_dir, taxonomy if taxonomy.tags else None, log)
        review = review_of(records, taxonomy, log)
        blocks = read_sources(project.sources_dir, project.content_dir, log)
        stale_exclusions(records.excluded, {block.ref for block in blocks}, log)
        report_possible_duplicates(project, log)
    _print_problems(log.problems)
    if log.errors:
        _fail(
            f"{len(log.errors)} problem{'s' if len(log.errors) != 1 else ''} "
            "to fix before the review can be built"
        )
    console.print(
        f"[green]ok:[/green] {counted(len(review.papers), 'paper')}, "
        f"{counted(len(review.taxonomy.tags), 'tag')}"
        + (f", {len(records.excluded)} excluded" if records.excluded else "")
        + (f", {counted(len(log.warnings), 'warning')}" if log.warnings else "")
    )


def _built_without_address(project: Project, base: str) -> bool:
    """Whether the built site was made without SITE_URL (its sitemap lists no page) and is
    checked as served somewhere else than at /."""
    from urllib.parse import urlsplit

    sitemap = project.site_dir / "sitemap.xml"
    served_at_root = (urlsplit(base).path or "/").strip("/") == ""
    return not served_at_root and sitemap.is_file() and "<loc>" not in sitemap.read_text(encoding="utf-8")


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
        console.print(f"[red]{escape(f'{project.rel(project.site_dir)}/{broken}')}[/red]", soft_wrap=True)
    summary = (
        f"{report.pages} pages, {report.internal} internal links checked under {base}, "
        f"{len(report.external)} external links listed"
    )
    if report.broken:
        count = f"{len(report.broken)} broken link{'s' if len(report.broken) != 1 else ''}"
        if _built_without_address(project, base):
            _fail(
                f"{count} ({summary}); the site was built without SITE_URL, so its 404 page and "
                f"sitemap assume it is served at /: set SITE_URL to where it is served (under {base}) "
                "and build again"
            )
        _fail(f"{count} ({summary}); fix the template or content that makes them, then build again")
    console.print(f"[green]ok:[/green] {escape(summary)}")


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
        build_lock(project, command="build"),
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
            "incremental": f", {counted(built.pages_built, 'page')} rebuilt",
            "up to date": ", nothing changed",
        }[built.mode]
        console.print(
            f"Built {counted(report.papers, 'paper')}{new} into {project.rel(project.site_dir)}/ "
            f"in {time.perf_counter() - started:.1f} s ({counted(report.written, 'file')} changed{how}).",
            markup=False,
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
        entry: dict[str, object] = {"tag": item.tag, "score": item.score, "why": item.reason}
        if item.confidence is not None:
            entry["confidence"] = f"{item.confidence:.0%} of suggestions this strong were right in tests"
        report.setdefault(item.paper_id, []).append(entry)
    path = project.content_dir / "suggested-tags.yaml"
    header = (
        "# Tags litreview suggests, by paper: learned from the tags you assigned, and the match rules.\n"
        "# Written by `litreview suggest` and replaced on every run. Nothing here changes a paper:\n"
        "# copy the tags you agree with into content/papers/<id>.yaml, or mark them `accept: true`\n"
        "# and run `litreview tag apply --write`.\n"
    )
    atomic_write_text(path, dump_new(dict(sorted(report.items())), header))
    console.print(
        f"{counted(len(suggestions), 'suggestion')} for {len(report)} of "
        f"{counted(len(review.papers), 'paper')} "
        f"written to {project.rel(path)}",
        markup=False,
    )
    untagged = [p.id for p in review.papers if not p.tags]
    if untagged:
        # Automatic tags abstain when unsure: these papers wait for the curator.
        left = [i for i in untagged if i not in report]
        click.echo(
            f"{counted(len(untagged), 'paper')} without a tag ({len(left)} with no confident suggestion"
            f"{': ' + ', '.join(left[:10]) + (' ...' if len(left) > 10 else '') if left else ''})"
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


@cli.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.option("--reason", required=True, help="Why the papers are excluded (kept in their records).")
@_project_option
def remove(ids: tuple[str, ...], reason: str, project_dir: Path) -> None:
    """Exclude papers from the review for good.

    Each record gets `status: excluded` and `excluded: {reason, date}`. The record stays, so
    importing its sources again never brings the paper back; the next build leaves it off the
    site (its page, search, catalog, feeds, bibliographies). Pins and hides of it in other
    records are taken off. To include a paper again, delete those two keys from its record.
    """
    from generator.ingest.importer import today
    from generator.records.exclusions import drop_related, exclude
    from generator.records.store import load_papers, paper_path

    project = Project.at(project_dir)
    log = ProblemLog(project.root)
    records = load_papers(project.papers_dir, None, log)
    by_id = {record.paper.id: record for record in [*records, *records.excluded]}
    for paper_id in ids:
        if paper_id not in by_id:
            path = paper_path(project.papers_dir, paper_id)
            why = "cannot be read; run `litreview check`" if path.is_file() else "does not exist"
            _fail(f"{project.rel(path)} {why}; nothing was excluded")
    on, gone = today(), set(ids)
    for paper_id in dict.fromkeys(ids):
        if exclude(by_id[paper_id].path, reason, on):
            click.echo(f"excluded {paper_id}: {reason}")
        else:
            click.echo(f"{paper_id} was excluded already")
    for record in records:
        if record.paper.id not in gone and gone & {*record.paper.related_pin, *record.paper.related_hide}:
            for key in drop_related(record.path, gone):
                click.echo(f"{record.paper.id}: took the excluded papers off related.{key}")
    click.echo(f"{len(gone)} paper{'s' if len(gone) != 1 else ''} out of the review from the next build on")


def _valid_review(project: Project) -> object:
    """The review, or a failure listing its problems (warnings are not printed)."""
    from generator.records.review import load_review

    log = ProblemLog(project.root)
    with _errors_to_messages(log, hint="; run `litreview check` to see them all"):
        review = load_review(project, log)
        log.raise_if_errors()
    return review


@cli.command(name="tags")
@_project_option
def tags_(project_dir: Path) -> None:
    """List every tag with its paper count and group, then the papers without tags."""
    from generator.model import Review

    review = _valid_review(Project.at(project_dir))
    assert isinstance(review, Review)
    counts = {tag: 0 for tag in review.taxonomy.tags}
    for paper in review.papers:
        for tag in paper.tags:
            counts[tag] += 1
    width = max([3, *(len(tag) for tag in counts)])
    click.echo(f"{'tag':<{width}}  papers  group")
    for tag_id, tag in review.taxonomy.tags.items():
        click.echo(f"{tag_id:<{width}}  {counts[tag_id]:>6}  {tag.group}")
    untagged = [paper.id for paper in review.papers if not paper.tags]
    click.echo(f"{counted(len(counts), 'tag')}, {counted(len(review.papers), 'paper')}")
    if untagged:
        click.echo(f"papers without tags ({len(untagged)}):")
        for paper_id in untagged:
            click.echo(f"  {paper_id}")
    else:
        click.echo("every paper has a tag")


@cli.group()
def tag() -> None:
    """Rename or merge tags across the review, or apply the match rules to its papers."""


def _all_records(project: Project) -> tuple[object, list[object]]:
    """The taxonomy and every record, excluded ones too (tags not checked against it)."""
    from generator.records.store import load_papers
    from generator.records.taxonomy import load_taxonomy

    log = ProblemLog(project.root)
    with _errors_to_messages(log, hint="; run `litreview check` to see them all"):
        taxonomy = load_taxonomy(project.tags_file, log)
        records = load_papers(project.papers_dir, None, log)
        log.raise_if_errors()
    return taxonomy, [*records, *records.excluded]


def _retagged(change: object, old: str, new: str) -> None:
    from generator.records.curation import TagChange

    assert isinstance(change, TagChange)
    if not change.papers:
        click.echo(f"no paper had the tag {old!r}")
        return
    click.echo(f"{len(change.papers)} paper{'s' if len(change.papers) != 1 else ''} retagged {old} -> {new}:")
    for paper_id in change.papers:
        had = f" (had {new} already)" if paper_id in change.had_both else ""
        click.echo(f"  {paper_id}{had}")


@tag.command()
@click.argument("old")
@click.argument("new")
@_project_option
def rename(old: str, new: str, project_dir: Path) -> None:
    """Rename tag OLD to NEW in content/tags.yaml and in every paper record."""
    from generator.records.curation import rename_tag

    project = Project.at(project_dir)
    taxonomy, records = _all_records(project)
    with _errors_to_messages():
        change = rename_tag(project.tags_file, records, taxonomy, (old, new))  # type: ignore[arg-type]
    click.echo(f"content/tags.yaml: tag {old} is now {new} (its page moves to topics/{new}/)")
    _retagged(change, old, new)


@tag.command()
@click.argument("source", metavar="A")
@click.argument("target", metavar="B")
@_project_option
def merge(source: str, target: str, project_dir: Path) -> None:
    """Merge tag A into tag B: A's papers get B, A leaves content/tags.yaml, and A's label and
    aliases become B's aliases (A's match rules are not moved)."""
    from generator.records.curation import merge_tag

    project = Project.at(project_dir)
    taxonomy, records = _all_records(project)
    with _errors_to_messages():
        change = merge_tag(project.tags_file, records, taxonomy, (source, target))  # type: ignore[arg-type]
    gained = f"; {target} gained the aliases: {', '.join(change.aliases)}" if change.aliases else ""
    click.echo(f"content/tags.yaml: tag {source} merged into {target}{gained}")
    _retagged(change, source, target)
    if change.match_rules:
        click.echo(
            f"{source} had {change.match_rules} match rules, which were not moved: "
            f"add the ones {target} should have to its match list"
        )


def _accepted_suggestions(project: Project) -> dict[str, list[str]]:
    """The suggestions marked `accept: true` in content/suggested-tags.yaml, by paper."""
    from generator.records.yamlio import YamlSyntaxError, load_with_lines

    path = project.content_dir / "suggested-tags.yaml"
    if not path.is_file():
        return {}
    try:
        data = load_with_lines(path.read_text(encoding="utf-8"))[0]
    except YamlSyntaxError as exc:
        _fail(f"{project.rel(path)}:{exc.line or 1}: {exc.message}")
    accepted: dict[str, list[str]] = {}
    for paper_id, items in (data or {}).items() if isinstance(data, dict) else ():
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and item.get("accept") is True and isinstance(item.get("tag"), str):
                accepted.setdefault(str(paper_id), []).append(item["tag"])
    return accepted


@tag.command(name="apply")
@click.option("--write", is_flag=True, help="Write the tags into the records (else only show them).")
@_project_option
def apply_(write: bool, project_dir: Path) -> None:
    """Add to existing papers the tags the match rules of content/tags.yaml give them, and the
    suggestions marked `accept: true` in content/suggested-tags.yaml. Shows each change
    (paper: +tag); writes them only with --write. Never removes a tag."""
    from generator.enrich.tagging import rule_tags
    from generator.model import Review
    from generator.records.curation import add_tags
    from generator.records.store import paper_path

    project = Project.at(project_dir)
    review = _valid_review(project)
    assert isinstance(review, Review)
    accepted = _accepted_suggestions(project)
    plan: dict[str, list[str]] = {}
    for paper, found in zip(review.papers, rule_tags(review.papers, review.taxonomy), strict=True):
        wanted = dict.fromkeys([*found, *accepted.get(paper.id, [])])
        adding = [t for t in wanted if t not in paper.tags and t in review.taxonomy.tags]
        if adding:
            plan[paper.id] = adding
    for paper_id, adding in plan.items():
        click.echo(f"{paper_id}: {' '.join('+' + t for t in adding)}")
    total = f"{counted(sum(len(a) for a in plan.values()), 'tag')} to {counted(len(plan), 'paper')}"
    if not plan:
        click.echo("nothing to add: every paper has the tags its rules and accepted suggestions give")
    elif write:
        for paper_id, adding in plan.items():
            add_tags(paper_path(project.papers_dir, paper_id), adding)
        click.echo(f"added {total}")
    else:
        click.echo(f"would add {total}; run `litreview tag apply --write` to write them")


@cli.group()
def screen() -> None:
    """Screening decisions of a systematic review, for many papers at once.

    \b
    Decisions are written into the paper records (comments kept): no status means included;
    `status: excluded` with `excluded: {stage, reason, date}`; or `status: awaiting-screening`
    / `awaiting-full-text`. Reasons are the ids declared under reasons: in content/review.yaml.
    Choose papers by id, --tag, --query (every word or "quoted phrase" in the title or
    abstract, ignoring case) or --ids-file (one id a line).
    \b
    Examples:
      litreview screen exclude --query "mice" --reason animal-study
      litreview screen exclude --stage full-text --reason wrong-design some-paper-id
      litreview screen include --tag depression
      litreview screen asreview ~/Downloads/asreview_result.csv
      litreview screen csv decisions.csv
      litreview screen flow
    """


def _screen_selection(func: Callable[..., T]) -> Callable[..., T]:
    for option in (
        click.argument("ids", nargs=-1, metavar="[ID...]"),
        click.option("--tag", "tags", multiple=True, help="Every paper with this tag (repeatable)."),
        click.option("--query", help='Every paper whose title or abstract has every word or "phrase".'),
        click.option(
            "--ids-file",
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            help="Ids, one a line.",
        ),
        click.option("--dry-run", is_flag=True, help="Show the changes without writing them."),
        _project_option,
    ):
        func = option(func)
    return func


def _screening_records(project: Project) -> tuple[object, list[object]]:
    """content/review.yaml (or None) and every record, excluded and awaiting ones too."""
    from generator.records.screening import load_protocol

    _, records = _all_records(project)
    log = ProblemLog(project.root)
    with _errors_to_messages(log, hint="; fix content/review.yaml first"):
        protocol = load_protocol(project.content_dir, log)
        log.raise_if_errors()
    return protocol, records


def _selected(records: list[object], chosen: dict[str, Any]) -> list[str]:
    """The ids of the papers chosen by ids, --tag, --query and --ids-file, in that order."""
    from generator.records.screening import matches_query, query_terms
    from generator.records.store import PaperFile

    papers = [r.paper for r in records if isinstance(r, PaperFile)]
    known = {p.id for p in papers}
    ids, tags, query, ids_file = chosen["ids"], chosen["tags"], chosen["query"], chosen["ids_file"]
    wanted = list(ids)
    if ids_file is not None:
        wanted += [line.strip() for line in ids_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    unknown = [i for i in wanted if i not in known]
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        _fail(f"no paper with the id{plural} {', '.join(unknown[:10])}; nothing was written")
    for tag_id in tags:
        wanted += [p.id for p in papers if tag_id in p.tags]
    if query is not None:
        terms = query_terms(query)
        wanted += [p.id for p in papers if matches_query(p, terms)]
    if not (ids or tags or query is not None or ids_file):
        _fail("choose papers: ids, --tag, --query or --ids-file")
    return list(dict.fromkeys(wanted))


def _write_decisions(records: list[object], decisions: dict[str, object], dry_run: bool) -> None:
    """Write each decision (all checked first), then take newly excluded papers off others'
    related lists."""
    from generator.records.exclusions import STATUS_INCLUDED, drop_related
    from generator.records.screening import Decision, set_decision
    from generator.records.store import PaperFile

    by_id = {r.paper.id: r for r in records if isinstance(r, PaperFile)}
    changed = 0
    for paper_id, decision in decisions.items():
        assert isinstance(decision, Decision)
        if dry_run:
            click.echo(f"would set {paper_id}: {decision.describe()}")
            continue
        if set_decision(by_id[paper_id].path, decision):
            changed += 1
            click.echo(f"{paper_id}: {decision.describe()}")
    if dry_run:
        click.echo(f"{counted(len(decisions), 'decision')} not written (--dry-run)")
        return
    gone = {i for i, d in decisions.items() if isinstance(d, Decision) and d.status != STATUS_INCLUDED}
    for record in by_id.values():
        if record.paper.id not in gone and gone & {*record.paper.related_pin, *record.paper.related_hide}:
            drop_related(record.path, gone)
    click.echo(f"{counted(changed, 'record')} changed, {len(decisions) - changed} already so")


def _checked(decisions: dict[str, object], protocol: object) -> None:
    from generator.records.screening import Decision, decision_problem, resolved

    for paper_id, decision in list(decisions.items()):
        assert isinstance(decision, Decision)
        problem = decision_problem(decision, protocol)  # type: ignore[arg-type]
        if problem is not None:
            _fail(f"{paper_id}: {problem}; nothing was written")
        decisions[paper_id] = resolved(decision, protocol)  # type: ignore[arg-type]


def _decide_selected(chosen: dict[str, Any], decision: object, checked: bool = False) -> None:
    """Give every chosen paper `decision` (checked against review.yaml's stages and reasons when
    `checked`) and write them, or show them with --dry-run."""
    protocol, records = _screening_records(Project.at(chosen["project_dir"]))
    decisions = dict.fromkeys(_selected(records, chosen), decision)
    if checked:
        _checked(decisions, protocol)
    _write_decisions(records, decisions, chosen["dry_run"])


@screen.command(name="include")
@_screen_selection
def screen_include(**chosen: Any) -> None:
    """Include the chosen papers (their records lose any screening fields)."""
    from generator.records.screening import Decision

    _decide_selected(chosen, Decision("included"))


@screen.command(name="exclude")
@_screen_selection
@click.option(
    "--stage",
    type=click.Choice(["identification", "title-abstract", "retrieval", "full-text"]),
    help="Where they leave the flow (default: the reason's stage, else title-abstract).",
)
@click.option("--reason", help="A reason id declared in content/review.yaml.")
def screen_exclude(stage: str | None, reason: str | None, **chosen: Any) -> None:
    """Exclude the chosen papers at a stage, for a reason."""
    from generator.ingest.importer import today
    from generator.records.screening import Decision

    _decide_selected(chosen, Decision("excluded", stage, reason, today()), checked=True)


@screen.command(name="await")
@_screen_selection
@click.option(
    "--stage",
    type=click.Choice(["title-abstract", "full-text"]),
    default="title-abstract",
    show_default=True,
    help="The decision they wait for.",
)
def screen_await(stage: str, **chosen: Any) -> None:
    """Mark the chosen papers as awaiting a decision (kept off the site until decided)."""
    from generator.records.exclusions import AWAITING_FULL_TEXT, AWAITING_SCREENING
    from generator.records.screening import Decision

    status = AWAITING_SCREENING if stage == "title-abstract" else AWAITING_FULL_TEXT
    _decide_selected(chosen, Decision(status))


@screen.command(name="asreview")
@click.argument("export", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--relevant",
    type=click.Choice(["awaiting-full-text", "included"]),
    default="awaiting-full-text",
    show_default=True,
    help="What a record labelled relevant becomes.",
)
@click.option("--reason", help="The reason id for records labelled irrelevant (excluded on title, abstract).")
@click.option(
    "--unseen",
    type=click.Choice(["keep", "awaiting-screening"]),
    default="keep",
    show_default=True,
    help="What becomes of records ASReview has not shown yet.",
)
@click.option("--dry-run", is_flag=True, help="Show the changes without writing them.")
@_project_option
def screen_asreview(
    export: Path, relevant: str, reason: str | None, unseen: str, dry_run: bool, project_dir: Path
) -> None:
    """Title and abstract decisions from an ASReview export's labels (its CSV `included` or
    `asreview_label` column, or its RIS notes ASReview_relevant / ASReview_irrelevant).
    Records are matched by DOI, else by title."""
    from generator.ingest.importer import today
    from generator.records.screening import Decision, match_labels, read_asreview
    from generator.records.store import PaperFile

    project = Project.at(project_dir)
    protocol, records = _screening_records(project)
    try:
        labels = read_asreview(export)
    except ValueError as exc:
        _fail(f"{export}: {exc}")
    papers = [r.paper for r in records if isinstance(r, PaperFile)]
    found, unmatched = match_labels(labels, papers)
    decisions: dict[str, object] = {}
    for paper_id, label in found.items():
        if label == 1:
            decisions[paper_id] = Decision(relevant)
        elif label == 0:
            decisions[paper_id] = Decision("excluded", "title-abstract", reason, today())
        elif unseen == "awaiting-screening":
            decisions[paper_id] = Decision("awaiting-screening")
    _checked(decisions, protocol)
    for label in unmatched[:10]:
        click.echo(f"{export.name}:{label.line}: matches no paper of the review ({label.title[:70]!r})")
    if unmatched:
        click.echo(f"{counted(len(unmatched), 'record')} of the export match no paper; they are left out")
    _write_decisions(records, decisions, dry_run)


@screen.command(name="csv")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the changes without writing them.")
@_project_option
def screen_csv(file: Path, dry_run: bool, project_dir: Path) -> None:
    """Decisions from a CSV: columns id, decision (include, exclude, awaiting-screening,
    awaiting-full-text), and optionally stage, reason and date. Every line is checked before
    any record is written."""
    from generator.ingest.importer import today
    from generator.records.screening import read_decisions_csv
    from generator.records.store import PaperFile

    project = Project.at(project_dir)
    protocol, records = _screening_records(project)
    decisions, problems = read_decisions_csv(file, today())
    known = {r.paper.id for r in records if isinstance(r, PaperFile)}
    problems += [f"{file.name}: no paper with the id {i!r}" for i in decisions if i not in known]
    if problems:
        for problem in problems:
            console.print(f"[red]{escape(problem)}[/red]", soft_wrap=True)
        _fail(f"{counted(len(problems), 'problem')} in {file.name}; nothing was written")
    checked: dict[str, object] = dict(decisions)
    _checked(checked, protocol)
    _write_decisions(records, checked, dry_run)


@screen.command(name="flow")
@_project_option
def screen_flow(project_dir: Path) -> None:
    """Print the PRISMA 2020 counts of the review (and any gap in them)."""
    from generator.records.review import load_review

    project = Project.at(project_dir)
    log = ProblemLog(project.root)
    with _errors_to_messages(log):
        review = load_review(project, log)
    _print_problems(log.errors)
    if review.flow is None:
        _fail("this review is not systematic: it has no content/review.yaml (see README: Systematic reviews)")
    for box in review.flow.boxes.values():
        click.echo(f"{box.label}: {box.count}")
        for part in box.parts:
            click.echo(f"  {part.label}: {part.count}")
    if log.errors:
        sys.exit(1)


@cli.command(name="fields")
@_project_option
def fields_(project_dir: Path) -> None:
    """List the extraction fields (content/fields.yaml) with how many papers give a value."""
    from generator.model import Review
    from generator.records.fields import fill_rates

    review = _valid_review(Project.at(project_dir))
    assert isinstance(review, Review)
    declared = review.taxonomy.fields
    if not declared:
        click.echo("no fields declared; add them to content/fields.yaml (see the README)")
        return
    total = len(review.papers)
    width = max(5, *(len(spec.id) for spec in declared))
    click.echo(f"{'field':<{width}}  {'type':<8}  {'filled':>6}  share  label")
    for spec, filled in fill_rates(declared, review.papers):
        kind = spec.type + (f" ({spec.unit})" if spec.unit else "")
        share = f"{100 * filled / total:.0f}%" if total else "-"
        click.echo(f"{spec.id:<{width}}  {kind:<8}  {filled:>6}  {share:>5}  {spec.label}")
    given = sum(1 for paper in review.papers if paper.fields)
    click.echo(f"{counted(len(declared), 'field')}; {counted(given, 'paper')} of {total:,} give a value")


@cli.command(name="related")
@click.option(
    "--method",
    "methods",
    multiple=True,
    type=click.Choice(["tfidf", "lsa", "default-text", "default", "embeddings"]),
    help="A method to measure (repeatable; default: all, embeddings if its extra is installed).",
)
@_project_option
def related_(methods: tuple[str, ...], project_dir: Path) -> None:
    """Compare related-papers methods on this review: precision@5 against the review's own tags
    (the share of a paper's related papers that share a tag with it; no method reads a paper's
    own tags for its own list, so they judge lists they did not make), mean list length and time."""
    from generator.enrich.compare import METHODS, compare
    from generator.enrich.embeddings import missing_extra
    from generator.model import Review

    project = Project.at(project_dir)
    review = _valid_review(project)
    assert isinstance(review, Review)
    wanted = list(methods) or [m for m in METHODS if m != "embeddings" or missing_extra() is None]
    if "embeddings" in wanted and (message := missing_extra()):
        raise click.ClickException(message)
    tagged = sum(bool(p.tags) for p in review.papers)
    if tagged < 2:
        raise click.ClickException("related papers are judged by their tags here: tag two papers or more")
    click.echo(f"{counted(len(review.papers), 'paper')}, {tagged} tagged; precision@5 against their tags")
    cache_dir = project.work_dir / "cache"  # the build's: embeddings cached by a build are reused
    for figures in compare(review.papers, wanted, cache_dir):
        click.echo(
            f"  {figures.method:12s} {figures.precision:.3f}   lists of {figures.listed:.1f}   "
            f"{figures.seconds:.1f} s   ({figures.judged} papers judged)"
        )


def counted(number: int, noun: str) -> str:
    """"1 paper", "2 papers": a count with its noun (every noun here takes an s)."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
