"""What rendering takes besides the review: settings, keys, and what is on disk already."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from generator.render.paper_pages import PaperPageInputs


@dataclass(frozen=True)
class RenderInputs:
    """`paper_keys`: a hash of each paper by id (of its record's bytes), which saves hashing each
    paper's repr; `related_key`: what the related choices were made from; `compiled_dir`: where
    compiled templates are kept (render.environment.bytecode_dir)."""

    templates_dir: Path
    site_title: str
    site_url: str = ""
    paper_keys: Mapping[str, str] | None = None
    related_key: str | None = None
    compiled_dir: Path | None = None
    screening_lists: bool = True  # a systematic review's flow lists and excluded records page


class WrittenPages(Protocol):
    """What is known of the pages on disk (build.page_state.PageState)."""

    inputs: PaperPageInputs | None  # what the last render's paper pages were made from

    def is_current(self, path: str, key: str) -> bool:
        """Whether the file at a docs path was written from inputs with this key, unchanged since."""

    def current_key(self, path: str) -> str | None:
        """The key the file at a docs path was written from, if it is as it was written."""


class NothingWritten:
    """No page on disk is known: every page is rendered."""

    inputs = None

    def is_current(self, path: str, key: str) -> bool:
        return False

    def current_key(self, path: str) -> str | None:
        return None
