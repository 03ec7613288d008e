"""Symbolic links in a review are followed only while they stay inside it: a link out of the
review (to /proc/self/environ, a key, another project's files) is refused with an error naming
the link, so no outside file becomes a paper or is published with the site."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.errors import LitreviewError
from generator.ingest.sources import find_source_files

SOURCE_TEXT = (
    "Linked study of payload tokens\n\n"
    + " ".join(
        f"The linked study {n} of token adapter policy layer attention loss rank transfer vision memory."
        for n in range(5)
    )
    + "\n"
)
SECRET = "SECRET_TOKEN=do-not-publish\n"


@pytest.fixture
def review(tmp_path: Path) -> Path:
    root = tmp_path / "review"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    return root


def _outside(tmp_path: Path, text: str) -> Path:
    target = tmp_path / "outside" / "secret.txt"
    target.parent.mkdir()
    target.write_text(text)
    return target


def _build(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["build", "-C", str(root), "-q"])
    return result.exit_code, result.output


def test_a_source_linked_from_outside_is_refused_by_name(review: Path, tmp_path: Path) -> None:
    link = review / "content" / "sources" / "linked.txt"
    link.symlink_to(_outside(tmp_path, SOURCE_TEXT))
    code, output = _build(review)
    assert code != 0
    assert "linked.txt" in output and "outside the review" in output, output
    assert "Traceback" not in output
    assert not list((review / "content" / "papers").glob("*.yaml"))
    result = CliRunner().invoke(cli, ["check", "-C", str(review)])
    assert result.exit_code != 0 and "linked.txt" in result.output


def test_a_folder_linked_from_outside_is_refused(review: Path, tmp_path: Path) -> None:
    outside = _outside(tmp_path, SOURCE_TEXT).parent
    (review / "content" / "sources" / "more").symlink_to(outside, target_is_directory=True)
    with pytest.raises(LitreviewError, match="more"):
        find_source_files(review / "content" / "sources")


def test_links_inside_the_review_are_followed(review: Path) -> None:
    kept = review / "kept" / "dump.txt"
    kept.parent.mkdir()
    kept.write_text(SOURCE_TEXT)
    sources = review / "content" / "sources"
    (sources / "linked.txt").symlink_to(kept)
    (sources / "loop").symlink_to(sources, target_is_directory=True)  # no endless walk
    assert find_source_files(sources) == [sources / "linked.txt"]
    code, output = _build(review)
    assert code == 0, output
    assert len(list((review / "content" / "papers").glob("*.yaml"))) == 1


def test_an_asset_linked_from_outside_is_not_published(review: Path, tmp_path: Path) -> None:
    assets = review / "templates" / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    (assets / "environ.txt").symlink_to("/proc/self/environ")
    (assets / "secret.css").symlink_to(_outside(tmp_path, SECRET))
    code, output = _build(review)
    assert code != 0
    assert "outside the review" in output and ("environ.txt" in output or "secret.css" in output), output
    assert "Traceback" not in output
    site = review / "site"
    published = [p.read_bytes() for p in site.rglob("*") if p.is_file()] if site.exists() else []
    assert not any(b"SECRET_TOKEN" in data for data in published)


def test_an_asset_linked_inside_the_review_is_published(review: Path) -> None:
    assets = review / "templates" / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    shared = review / "templates" / "shared.css"
    shared.write_text("body { color: black }\n")
    (assets / "extra.css").symlink_to(shared)
    code, output = _build(review)
    assert code == 0, output
    assert (review / "site" / "assets" / "extra.css").read_text() == "body { color: black }\n"


def test_a_theme_override_linked_from_outside_is_refused(review: Path, tmp_path: Path) -> None:
    """MkDocs copies the overrides' static files into the site and renders their templates."""
    overrides = review / "templates" / "overrides"
    overrides.mkdir(parents=True, exist_ok=True)
    (overrides / "leak.txt").symlink_to(_outside(tmp_path, SECRET))
    code, output = _build(review)
    assert code != 0
    assert "leak.txt" in output and "outside the review" in output, output
    assert "Traceback" not in output
    site = review / "site"
    assert not (site / "leak.txt").exists()
