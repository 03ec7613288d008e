"""Where a review's files live. Every stage takes a Project instead of guessing paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def default_templates_dir() -> Path:
    """The templates shipped with litreview: inside the wheel, or the repository's templates/."""
    for candidate in (PACKAGE_DIR / "_templates", PACKAGE_DIR.parent / "templates"):
        if (candidate / "pages").is_dir():
            return candidate
    raise FileNotFoundError("litreview's templates are missing from this installation")


# Where each of a review's files and folders is, below its root.
LAYOUT = {
    "content_dir": "content",
    "sources_dir": "content/sources",
    "papers_dir": "content/papers",
    "tags_file": "content/tags.yaml",
    "fields_file": "content/fields.yaml",  # extraction fields, tables and matrices (optional)
    "mkdocs_file": "mkdocs.yml",
    "work_dir": ".litreview",  # generated, disposable state: Markdown pages, caches, the lock
    "docs_dir": ".litreview/docs",
    "site_dir": "site",
}


@dataclass(frozen=True)
class Project:
    root: Path
    content_dir: Path = field(init=False, repr=False, compare=False)
    sources_dir: Path = field(init=False, repr=False, compare=False)
    papers_dir: Path = field(init=False, repr=False, compare=False)
    tags_file: Path = field(init=False, repr=False, compare=False)
    fields_file: Path = field(init=False, repr=False, compare=False)
    mkdocs_file: Path = field(init=False, repr=False, compare=False)
    work_dir: Path = field(init=False, repr=False, compare=False)
    docs_dir: Path = field(init=False, repr=False, compare=False)
    site_dir: Path = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, relative in LAYOUT.items():
            object.__setattr__(self, name, self.root / relative)

    @classmethod
    def at(cls, root: Path | str) -> Project:
        return cls(Path(root).resolve())

    @property
    def templates_dir(self) -> Path:
        own = self.root / "templates"
        return own if (own / "pages").is_dir() else default_templates_dir()

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()
