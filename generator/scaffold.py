"""`litreview init`: a new, empty review with the same layout as the bundled one."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from generator import __version__
from generator.errors import LitreviewError
from generator.files import atomic_write_text
from generator.project import PACKAGE_DIR, Project, default_templates_dir

SCAFFOLD_DIR = PACKAGE_DIR / "scaffold"
# litreview's name on PyPI (`litreview` there is another project); the command stays `litreview`.
DISTRIBUTION = "litreview-site"
REQUIREMENTS_FILE = "requirements.txt"

_SPEC_OPERATOR = re.compile(r"\s*(===|==|~=|!=|>=|<=|>|<)")
_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*([.-]?(a|b|rc|post|dev)[0-9]*)*(\.\*)?")
_SPEC = re.compile(rf"(===|==|~=|!=|>=|<=|>|<)\s*{_VERSION.pattern}")
_URL = re.compile(r"(https?|file)://\S+")
PIN_HELP = (
    "expected a version (0.2.0, '>=0.2,<0.3'), a git URL (git+https://...) "
    "or a wheel (a path or URL ending in .whl)"
)


@dataclass(frozen=True)
class Created:
    """What init wrote: the files (relative to the review) and the line requirements.txt pins."""

    files: list[str]
    pin: str

    @property
    def pin_is_local(self) -> bool:
        """The pin is a wheel outside the review: it installs on this computer, not on GitHub."""
        return " @ file:" in self.pin


def requirement_line(pin: str | None, review_root: Path, cwd: Path | None = None) -> str:
    """The line of requirements.txt that installs litreview, from what `--pin` says.

    - nothing: this version of litreview from PyPI (`litreview-site==0.1.0`);
    - a version or specifier (`0.2.0`, `>=0.2,<0.3`): that, from PyPI;
    - a git URL (`git+https://github.com/me/litreview@v0.2.0`): a direct reference to it;
    - a wheel: a URL is referenced as it is; a path (relative to `cwd`) inside the review is
      written relative to the review, since pip reads it from the folder it runs in (the
      workflow's is the review's root); a path outside it is written as an absolute file URL,
      which works on this computer only.
    """
    text = (pin or "").strip()
    if not text:
        return f"{DISTRIBUTION}=={__version__}"
    if text.startswith("git+"):
        if not _URL.fullmatch(text.removeprefix("git+")):
            raise LitreviewError(f"--pin {pin!r}: a git URL looks like git+https://host/owner/repo@tag")
        return f"{DISTRIBUTION} @ {text}"
    if text.endswith(".whl"):
        return _wheel_line(text, review_root, cwd or Path.cwd())
    if _VERSION.fullmatch(text):
        return f"{DISTRIBUTION}=={text}"
    specs = [part.strip() for part in text.split(",")]
    if _SPEC_OPERATOR.match(text) and all(_SPEC.fullmatch(spec) for spec in specs):
        return DISTRIBUTION + ",".join(specs)
    raise LitreviewError(f"--pin {pin!r}: {PIN_HELP}")


def _wheel_line(text: str, review_root: Path, cwd: Path) -> str:
    if _URL.fullmatch(text):
        return f"{DISTRIBUTION} @ {text}"
    if "://" in text:
        raise LitreviewError(f"--pin {text!r}: {PIN_HELP}")
    wheel = (cwd / Path(text).expanduser()).resolve()
    if not wheel.is_file():
        raise LitreviewError(f"--pin {text!r}: there is no wheel file {wheel}")
    if not wheel.name.startswith(DISTRIBUTION.replace("-", "_") + "-"):
        raise LitreviewError(f"--pin {text!r}: {wheel.name} is not a wheel of {DISTRIBUTION}")
    try:
        return "./" + wheel.relative_to(review_root.resolve()).as_posix()
    except ValueError:
        return f"{DISTRIBUTION} @ {wheel.as_uri()}"


def requirements_text(line: str) -> str:
    return (
        "# The litreview that builds this review, for the publish workflow\n"
        "# (.github/workflows/publish.yml) and for you:\n"
        "#   python3 -m venv .venv && .venv/bin/pip install -r requirements.txt\n"
        "# To upgrade, change the version and push; the workflow installs what this file says.\n"
        f"{line}\n"
    )


def create_review(directory: Path, title: str, pin: str | None = None) -> Created:
    """Write the files of a new review; refuses to touch a folder that already has one."""
    project = Project.at(directory)
    for existing in (project.mkdocs_file, project.content_dir):
        if existing.exists():
            raise LitreviewError(f"{existing} exists already; init only creates new reviews")
    line = requirement_line(pin, project.root)  # checked before anything is written
    title = " ".join(title.split()) or "My literature review"
    mkdocs_text = (SCAFFOLD_DIR / "mkdocs.yml").read_text(encoding="utf-8")
    mkdocs_text = mkdocs_text.replace(
        "site_name: My literature review", f"site_name: {_yaml_scalar(title)}", 1
    )
    created: list[Path] = []
    project.sources_dir.mkdir(parents=True, exist_ok=True)
    project.papers_dir.mkdir(parents=True, exist_ok=True)
    for folder in (project.sources_dir, project.papers_dir):
        keep = folder / ".gitkeep"
        keep.touch()
        created.append(keep)
    files = {
        project.mkdocs_file: mkdocs_text,
        project.tags_file: (SCAFFOLD_DIR / "tags.yaml").read_text(encoding="utf-8"),
        project.root / ".gitignore": (SCAFFOLD_DIR / "gitignore").read_text(encoding="utf-8"),
        project.root / REQUIREMENTS_FILE: requirements_text(line),
        project.root / ".github" / "workflows" / "publish.yml": (SCAFFOLD_DIR / "publish.yml").read_text(
            encoding="utf-8"
        ),
    }
    for path, text in files.items():
        if not path.exists():
            atomic_write_text(path, text)
            created.append(path)
    templates = project.root / "templates"
    if not templates.exists():
        shutil.copytree(default_templates_dir(), templates)
        created.append(templates)
    return Created([project.rel(p) for p in created], line)


def _yaml_scalar(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)
