"""MkDocs' configuration of a build, made from the review's settings and taxonomy."""

from __future__ import annotations

import contextlib
import html
import logging
import os
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import mkdocs
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, ConfigurationError

from generator import __version__
from generator.cache.compiled_templates import compiled_templates_dir
from generator.cache.store import content_key
from generator.config import Settings
from generator.errors import LitreviewError
from generator.files import files_inside
from generator.mkdocs_plugin import LitreviewPlugin
from generator.model import Taxonomy
from generator.project import Project


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


# Settings that are text but that the theme prints into HTML unescaped (<title>, <meta content>,
# the header); like the nav titles, they are escaped once here, and the partials print them as
# they are. (copyright is left alone: Material documents it as HTML.)
TEXT_SETTINGS = ("site_name", "site_description", "site_author")


def _escape_text_settings(config: MkDocsConfig) -> None:
    for name in TEXT_SETTINGS:
        if isinstance(config.get(name), str):
            config[name] = html.escape(config[name], quote=True)


def mkdocs_config(
    project: Project, settings: Settings, taxonomy: Taxonomy, site_dir: Path, strict: bool
) -> MkDocsConfig:
    overrides: dict[str, Any] = {
        "docs_dir": str(project.docs_dir),
        "site_dir": str(site_dir),
        "strict": strict,
        "not_in_nav": "/papers/\n",
    }
    if not settings.has_nav:
        overrides["nav"] = navigation(taxonomy)
    try:
        config = load_config(str(project.mkdocs_file), **overrides)
    except (ConfigurationError, Abort) as exc:
        raise LitreviewError(f"{project.mkdocs_file.name}: {exc}") from None
    _escape_text_settings(config)
    if config.theme.custom_dir:
        # MkDocs publishes the overrides' static files and renders their templates.
        files_inside(Path(config.theme.custom_dir), project.root.absolute().resolve())
    plugin = config.plugins.get("litreview")
    if isinstance(plugin, LitreviewPlugin):
        # Jinja checks each entry's template source and Python's version; the folder is Jinja's.
        # By MkDocs' and Material's versions: they set up the environment the templates need.
        made_by = (metadata.version("mkdocs"), metadata.version("mkdocs-material"))
        plugin.bytecode_dir = str(compiled_templates_dir(project.work_dir / "cache", "theme", *made_by))
    return config


def full_build_key(settings: Settings, config: MkDocsConfig) -> str:
    """What every page of the site depends on: settings, navigation, theme overrides, versions.
    When it changes, every page must be built again; otherwise only changed pages need be."""
    custom = Path(config.theme.custom_dir) if config.theme.custom_dir else None
    overrides = sorted(p for p in custom.rglob("*") if p.is_file()) if custom and custom.is_dir() else []
    return content_key(
        [
            settings.mkdocs_yml,
            repr(config["nav"]),
            str(config["strict"]),
            os.environ.get("SITE_URL", ""),
            mkdocs.__version__,
            metadata.version("mkdocs-material"),
            __version__,
        ],
        [p.relative_to(custom).as_posix() for p in overrides if custom],
        [p.read_bytes() for p in overrides],
    )


@contextlib.contextmanager
def reproducible_dates() -> Iterator[None]:
    # MkDocs stamps the build date into sitemap.xml.gz; a fixed epoch keeps builds identical.
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


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
