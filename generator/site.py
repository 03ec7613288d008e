"""Build the HTML site with MkDocs, into a fresh folder that replaces site/ only when complete.

A failed or interrupted build leaves the last good site/ in place; a lock keeps two builds of one
project from running at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, ConfigurationError
from mkdocs.utils.yaml import get_yaml_loader

from generator.errors import LitreviewError
from generator.model import Taxonomy
from generator.project import Project


@contextlib.contextmanager
def build_lock(project: Project) -> Iterator[None]:
    project.work_dir.mkdir(parents=True, exist_ok=True)
    with open(project.work_dir / "build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LitreviewError(
                "another litreview build of this review is running; wait for it to finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_mkdocs_yml(project: Project) -> dict[str, Any]:
    if not project.mkdocs_file.is_file():
        raise LitreviewError(
            f"{project.mkdocs_file.name} is missing from {project.root}; run `litreview init` to create one"
        )
    try:
        with open(project.mkdocs_file, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=get_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise LitreviewError(f"{project.mkdocs_file.name}{where}: YAML syntax error: {exc}") from None
    return data if isinstance(data, dict) else {}


def published_url(project: Project) -> str:
    """Where the site is published: SITE_URL, else mkdocs.yml's site_url, else just "/"."""
    site_url = os.environ.get("SITE_URL") or str(read_mkdocs_yml(project).get("site_url") or "")
    if not site_url:
        return "/"
    return site_url if site_url.endswith("/") else site_url + "/"


RELATED_METHODS = ("lsa", "embeddings")


def related_method(project: Project) -> str:
    """`extra: {litreview: {related: lsa | embeddings}}` in mkdocs.yml; lsa by default."""
    extra = read_mkdocs_yml(project).get("extra") or {}
    settings = extra.get("litreview") or {} if isinstance(extra, dict) else {}
    method = settings.get("related", "lsa") if isinstance(settings, dict) else "lsa"
    if method not in RELATED_METHODS:
        raise LitreviewError(
            f"{project.mkdocs_file.name}: extra.litreview.related is {method!r}; "
            f"use one of: {', '.join(RELATED_METHODS)}"
        )
    return str(method)


def site_title(project: Project) -> str:
    return str(read_mkdocs_yml(project).get("site_name") or "Literature review")


def navigation(taxonomy: Taxonomy) -> list[Any]:
    """Sections and topics only: a nav listing every paper would repeat it on every page."""
    # Themes print nav titles into HTML unescaped; labels are text, so escape them here.
    topics: list[Any] = ["topics/index.md"]
    for group in taxonomy.groups.values():
        members = [
            {html.escape(tag.label): f"topics/{tag.id}.md"}
            for tag in taxonomy.tags.values()
            if tag.group == group.id
        ]
        if members:
            topics.append({html.escape(group.label): members})
    return [{"Home": "index.md"}, {"Topics": topics}, {"Search": "search/index.md"}]


def mkdocs_config(project: Project, taxonomy: Taxonomy, site_dir: Path, strict: bool) -> MkDocsConfig:
    overrides: dict[str, Any] = {
        "docs_dir": str(project.docs_dir),
        "site_dir": str(site_dir),
        "strict": strict,
        "not_in_nav": "/papers/\n",
    }
    if "nav" not in read_mkdocs_yml(project):
        overrides["nav"] = navigation(taxonomy)
    try:
        return load_config(str(project.mkdocs_file), **overrides)
    except (ConfigurationError, Abort) as exc:
        raise LitreviewError(f"{project.mkdocs_file.name}: {exc}") from None


@contextlib.contextmanager
def _reproducible_dates() -> Iterator[None]:
    # MkDocs stamps the build date into sitemap.xml.gz; a fixed epoch keeps builds identical.
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def recover_site(project: Project) -> None:
    """Finish a swap that an interrupted build left half done."""
    old = project.root / ".site.old"
    if old.exists() and not project.site_dir.exists():
        old.rename(project.site_dir)
    elif old.exists():
        shutil.rmtree(old)
    for stale in project.root.glob(".site.new-*"):
        shutil.rmtree(stale, ignore_errors=True)


def build_site(project: Project, taxonomy: Taxonomy, *, strict: bool = True) -> Path:
    """Run MkDocs on project.docs_dir into a fresh folder, then swap it in as site/."""
    target = project.site_dir
    recover_site(project)
    fresh = Path(tempfile.mkdtemp(prefix=".site.new-", dir=project.root))
    try:
        config = mkdocs_config(project, taxonomy, fresh, strict)
        with _reproducible_dates():
            mkdocs_build(config)
    except Abort as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise LitreviewError(f"MkDocs stopped the build: {exc}; the previous site is unchanged") from None
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    os.chmod(fresh, 0o755)
    old = project.root / ".site.old"
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def mkdocs_logging(verbose: bool, level: int = logging.WARNING) -> None:
    """Show MkDocs' messages (warnings by default) on stderr, prefixed so they read as its own."""
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.DEBUG if verbose else level)
    if not any(getattr(h, "litreview", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("mkdocs: %(levelname)s: %(message)s"))
        handler.litreview = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False
