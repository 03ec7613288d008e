"""The review's settings, read from mkdocs.yml once per command into one typed object."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import yaml
from mkdocs.utils.yaml import get_yaml_loader

from generator.errors import LitreviewError
from generator.project import Project

RELATED_METHODS = ("lsa", "embeddings")
SEARCH_MODES = ("auto", "single", "sharded")
# A systematic review's lists of the records in each box of its flow diagram, and its page of
# excluded records (extra.litreview.screening_lists): published, or the diagram's counts only.
SCREENING_LISTS = ("show", "hide")


def read_mkdocs_yml(project: Project) -> dict[str, Any]:
    if not project.mkdocs_file.is_file():
        raise LitreviewError(
            f"{project.mkdocs_file.name} is missing from {project.root}; run `litreview init` to create one"
        )
    try:
        with open(project.mkdocs_file, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=get_yaml_loader())
    except UnicodeDecodeError as exc:
        name = project.mkdocs_file.name
        raise LitreviewError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise LitreviewError(f"{project.mkdocs_file.name}{where}: YAML syntax error: {exc}") from None
    return data if isinstance(data, dict) else {}


def _litreview_setting(project: Project, data: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    """`extra: {litreview: {<name>: ...}}` in mkdocs.yml, one of `choices` (the first by default)."""
    extra = data.get("extra") or {}
    settings = extra.get("litreview") or {} if isinstance(extra, dict) else {}
    value = settings.get(name, choices[0]) if isinstance(settings, dict) else choices[0]
    if value not in choices:
        raise LitreviewError(
            f"{project.mkdocs_file.name}: extra.litreview.{name} is {value!r}; "
            f"use one of: {', '.join(choices)}"
        )
    return str(value)


def _published_url(data: dict[str, Any]) -> str:
    """Where the site is published: SITE_URL, else mkdocs.yml's site_url, else just "/"."""
    site_url = os.environ.get("SITE_URL") or str(data.get("site_url") or "")
    if not site_url:
        return "/"
    return site_url if site_url.endswith("/") else site_url + "/"


@dataclass(frozen=True)
class Settings:
    """What mkdocs.yml (and SITE_URL) say about the review."""

    site_title: str = "Literature review"
    site_url: str = "/"
    related_method: str = RELATED_METHODS[0]
    search_mode: str = SEARCH_MODES[0]
    has_nav: bool = False  # mkdocs.yml lists its own navigation
    screening_lists: str = SCREENING_LISTS[0]
    mkdocs_yml: bytes = field(default=b"", repr=False)  # the file's bytes, for keys

    @classmethod
    def of(cls, project: Project) -> Settings:
        data = read_mkdocs_yml(project)
        return cls(
            site_title=str(data.get("site_name") or "Literature review"),
            site_url=_published_url(data),
            related_method=_litreview_setting(project, data, "related", RELATED_METHODS),
            search_mode=_litreview_setting(project, data, "search", SEARCH_MODES),
            has_nav="nav" in data,
            screening_lists=_litreview_setting(project, data, "screening_lists", SCREENING_LISTS),
            mkdocs_yml=project.mkdocs_file.read_bytes(),
        )
