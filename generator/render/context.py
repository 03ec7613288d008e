"""What every kind of page is rendered from: the review, the templates, the keys and fragments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator.model import Paper, Review, Tag
from generator.render.fragments import Fragments


@dataclass(frozen=True)
class Listed:
    """A paper as a page lists it."""

    paper: Paper
    summary: str = ""
    score: float = 0.0
    shared_tags: tuple[Tag, ...] = ()
    terms: tuple[str, ...] = ()
    pinned: bool = False
    tags_used: tuple[Tag, ...] = ()  # its tags that the paper's nearest papers carry (tag support)


@dataclass(frozen=True)
class RenderContext:
    """One render's inputs, shared by the modules that make each kind of page. `base_key`: what
    every page depends on besides its data (templates, code, site address); `topics`: each
    topic's papers, newest first (ordering.topic_order)."""

    review: Review
    env: jinja2.Environment
    templates_dir: Path
    compiled_dir: Path | None
    site_title: str
    site_url: str
    base_key: str
    fragments: Fragments
    topics: Mapping[str, list[Paper]]

    @property
    def tags(self) -> dict[str, Tag]:
        return self.review.taxonomy.tags

    @property
    def paper_keys(self) -> Mapping[str, str]:
        return self.fragments.paper_keys
