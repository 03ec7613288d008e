"""`litreview init`: a new, empty review with the same layout as the bundled one."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.errors import LitreviewError
from generator.files import atomic_write_text
from generator.project import PACKAGE_DIR, Project, default_templates_dir

SCAFFOLD_DIR = PACKAGE_DIR / "scaffold"


def create_review(directory: Path, title: str) -> list[str]:
    """Write the files of a new review; refuses to touch a folder that already has one."""
    project = Project.at(directory)
    for existing in (project.mkdocs_file, project.content_dir):
        if existing.exists():
            raise LitreviewError(f"{existing} exists already; init only creates new reviews")
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
    return [project.rel(p) for p in created]


def _yaml_scalar(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)
