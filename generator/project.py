"""Where a review's files live. Every stage takes a Project instead of guessing paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def default_templates_dir() -> Path:
    """The templates shipped with litreview: inside the wheel, or the repository's templates/."""
    for candidate in (PACKAGE_DIR / "_templates", PACKAGE_DIR.parent / "templates"):
        if (candidate / "pages").is_dir():
            return candidate
    raise FileNotFoundError("litreview's templates are missing from this installation")


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def at(cls, root: Path | str) -> Project:
        return cls(Path(root).resolve())

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def sources_dir(self) -> Path:
        return self.content_dir / "sources"

    @property
    def papers_dir(self) -> Path:
        return self.content_dir / "papers"

    @property
    def tags_file(self) -> Path:
        return self.content_dir / "tags.yaml"

    @property
    def mkdocs_file(self) -> Path:
        return self.root / "mkdocs.yml"

    @property
    def templates_dir(self) -> Path:
        own = self.root / "templates"
        return own if (own / "pages").is_dir() else default_templates_dir()

    @property
    def work_dir(self) -> Path:
        """Generated, disposable state: Markdown pages, caches, the build lock."""
        return self.root / ".litreview"

    @property
    def docs_dir(self) -> Path:
        return self.work_dir / "docs"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()
