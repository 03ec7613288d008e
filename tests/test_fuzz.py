"""Fuzzing every reader with mutated real files and random bytes (issue #17): each either reads
the input or reports problems; none raises anything but LitreviewError, and the CLI never shows
a traceback, writes outside the review, or damages the last good site.

Fast by default (well under a minute); LITREVIEW_FUZZ=long runs many more examples.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import cli
from generator.config import Settings
from generator.errors import LitreviewError, ProblemLog
from generator.ingest.formats import READERS
from generator.ingest.sources import decode_source, parse_source_text, read_source
from generator.project import Project
from generator.records.store import parse_paper
from generator.records.taxonomy import load_taxonomy
from tests.conftest import FIXTURES, REPO, copy_review

LONG = os.environ.get("LITREVIEW_FUZZ") == "long"
FAST = settings(
    max_examples=2000 if LONG else 150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=not LONG,
)
SLOW = settings(FAST, max_examples=40 if LONG else 3)


def _corpus() -> list[Path]:
    files = sorted((FIXTURES / "formats").glob("*")) + sorted((FIXTURES / "sources").glob("*"))
    papers = sorted((REPO / "content" / "papers").glob("*.yaml"))[:20]
    files += [*papers, REPO / "content" / "tags.yaml", REPO / "mkdocs.yml"]
    return [path for path in files if path.is_file() and path.name != "README.md"]


CORPUS = {path.name: path.read_bytes()[:200_000] for path in _corpus()}
SPECIALS = [
    b"[/yellow]",
    b"&a",
    b"*a",
    b"\\ud800",
    b"\xff\xfe",
    b"\x00",
    b"\x1f\x8b",
    b"9" * 5000,
    b"[" * 200,
]
SPECIALS += [b": ", b"\n- ", b'"', b"{", b"}", b"@article{", b"TY  - ", b"2024-02-30", b"<entry>", b"\r\n"]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """(name, bytes): a real file with a few mutations, or random bytes under a real name."""
    name = draw(st.sampled_from(sorted(CORPUS)))
    if draw(st.integers(0, 9)) == 0:
        return name, draw(st.binary(max_size=4096))
    data = bytearray(CORPUS[name])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "special", "repeat"]))
        if kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 256))]
        elif kind == "truncate":
            del data[at:]
        elif kind == "special":
            data[at:at] = draw(st.sampled_from(SPECIALS))
        else:
            data[at:at] = bytes(data[at : at + 64]) * draw(st.integers(2, 50))
    if name.endswith(".gz") and draw(st.booleans()):
        data = bytearray(gzip.compress(bytes(data), mtime=0))
    return name, bytes(data)


def _text(data: bytes) -> str:
    return decode_source(data)[0]  # as the readers get text: never with lone surrogates


@FAST
@given(mutated())
def test_text_readers_never_raise(sample: tuple[str, bytes]) -> None:
    _, data = sample
    text = _text(data)
    for read in READERS.values():
        read(text, "sources/x", ProblemLog(), "sources/x")
    parse_source_text(text, "sources/x.txt", ProblemLog())


@FAST
@given(mutated())
def test_source_files_never_raise(tmp_path: Path, sample: tuple[str, bytes]) -> None:
    name, data = sample
    path = tmp_path / name
    path.write_bytes(data)
    read_source(path, f"sources/{name}", ProblemLog())


@FAST
@given(mutated())
def test_records_and_taxonomy_never_raise(tmp_path: Path, sample: tuple[str, bytes]) -> None:
    _, data = sample
    path = tmp_path / "paper.yaml"
    path.write_bytes(data)
    text = data.decode("utf-8", errors="replace")
    parse_paper(path, text, None, ProblemLog())
    parse_paper(path, text, {"peft-low-rank", "agents"}, ProblemLog())
    tags = tmp_path / "tags.yaml"
    tags.write_bytes(data)
    load_taxonomy(tags, ProblemLog())


@FAST
@given(mutated())
def test_the_mkdocs_settings_never_raise(tmp_path: Path, sample: tuple[str, bytes]) -> None:
    _, data = sample
    (tmp_path / "mkdocs.yml").write_bytes(data)
    (tmp_path / "content").mkdir(exist_ok=True)
    # A message or nothing (an mkdocs.yml that is not UTF-8 raised UnicodeDecodeError before).
    with contextlib.suppress(LitreviewError):
        Settings.of(Project.at(tmp_path))


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def small_built_review(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small review (the bundled sources, no records yet), imported and built once."""
    root = tmp_path_factory.mktemp("fuzz") / "review"
    copy_review(root, with_papers=False)
    for extra in sorted((root / "content" / "sources").glob("*"))[1:]:
        extra.unlink()
    result = CliRunner().invoke(cli, ["build", "-C", str(root), "-q"])
    assert result.exit_code == 0, result.output
    return root


@SLOW
@given(mutated(), st.sampled_from(["sources", "papers", "tags"]))
def test_the_cli_never_shows_a_traceback(
    small_built_review: Path, tmp_path: Path, sample: tuple[str, bytes], where: str
) -> None:
    name, data = sample
    root = tmp_path / "fuzzed" / "review"
    shutil.rmtree(root.parent, ignore_errors=True)
    shutil.copytree(small_built_review, root)
    site_before = _tree(root / "site")
    planted = {
        "sources": root / "content" / "sources" / f"fuzz-{name}",
        "papers": root / "content" / "papers" / "fuzz.yaml",
        "tags": root / "content" / "tags.yaml",
    }[where]
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_bytes(data)
    checked = 0
    for command in (["import", str(planted)] if where == "sources" else [], ["check"], ["build", "-q"]):
        if not command or (command[0] == "build" and checked == 0 and not LONG):
            continue  # a build that succeeds takes long: only in the long run
        result = CliRunner().invoke(cli, [*command, "-C", str(root)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            command,
            repr(result.exception),
            result.output,
        )
        assert result.exit_code in (0, 1, 2), (command, result.output)
        checked = result.exit_code if command[0] == "check" else checked
        if command[0] == "build" and result.exit_code != 0:
            assert _tree(root / "site") == site_before, "a failed build changed the site"
    assert sorted(p.name for p in root.parent.iterdir()) == ["review"], (
        "a file was written outside the review"
    )
