"""Domain errors: library code raises them; only the CLI turns them into messages and exits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class LitreviewError(Exception):
    """An error a person can fix; its message is one clear sentence."""


@dataclass(frozen=True)
class Problem:
    """One problem in the content, located by file and (when known) line."""

    path: str
    line: int | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    def __lt__(self, other: Problem) -> bool:
        # By file, then line (problems of the whole file first), then text.
        return (self.path, self.line or 0, self.message) < (other.path, other.line or 0, other.message)


class ContentErrors(LitreviewError):
    """Several content problems, reported together."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the content")


class ProblemLog:
    """Collects problems while a stage runs, so all of them are reported at once."""

    def __init__(self, root: Path | None = None):
        self.root = root
        self.problems: list[Problem] = []

    def _rel(self, path: Path | str) -> str:
        p = Path(path)
        if self.root is not None:
            try:
                return p.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                pass
        return p.as_posix()

    def error(self, path: Path | str, line: int | None, message: str) -> None:
        self.problems.append(Problem(self._rel(path), line, message, "error"))

    def warning(self, path: Path | str, line: int | None, message: str) -> None:
        self.problems.append(Problem(self._rel(path), line, message, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in self.problems if p.severity == "warning")

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ContentErrors(self.errors)
