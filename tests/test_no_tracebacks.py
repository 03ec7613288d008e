"""Issue #17: hostile or broken input ends in a message naming the file (and line) and exit code
1 or 2, never a traceback, a hang, or a crash that repeats on every later command."""

from __future__ import annotations

import errno
import json
import os
import socket
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import cli
from generator.project import Project


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def _paper(review: Project, name: str, text: str) -> Path:
    path = review.papers_dir / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _alias_bomb(levels: int = 7, fanout: int = 10) -> str:
    text = 'id: bomb\ntitle: T\nabstract: A\nx0: &x0 ["lol"]\n'
    for level in range(1, levels):
        text += f"x{level}: &x{level} [" + ", ".join([f"*x{level - 1}"] * fanout) + "]\n"
    return text


def test_a_yaml_alias_bomb_is_refused_at_once(review: Project) -> None:
    _paper(review, "bomb", _alias_bomb())
    started = time.perf_counter()
    result = run("check", "-C", str(review.root))
    assert time.perf_counter() - started < 20  # was 33 s and 3.7 GB for the walk alone
    assert result.exit_code == 1
    assert "content/papers/bomb.yaml:5: error: YAML anchors and aliases" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: loop\nx: &r [*r]\n", "content/papers/loop.yaml:2: error: YAML anchors and aliases"),
        (
            "id: loop\nx: " + "[" * 999 + "]" * 999 + "\n",
            "content/papers/loop.yaml:2: error: the YAML is nested",
        ),
        (
            "id: loop\nx: " + "{a: " * 60 + "1" + "}" * 60 + "\n",
            "content/papers/loop.yaml:2: error: the YAML is nested",
        ),
        (
            "id: loop\ndate: 2024-02-30\n",
            "content/papers/loop.yaml:2: error: the value '2024-02-30' cannot be read",
        ),
        ("id: loop\nyear: " + "9" * 5000 + "\n", "content/papers/loop.yaml:2: error: the value '999"),
    ],
)
def test_records_that_python_cannot_hold_are_problems_with_a_line(
    review: Project, text: str, expected: str
) -> None:
    _paper(review, "loop", text)
    result = run("check", "-C", str(review.root))
    assert result.exit_code == 1
    assert expected in result.output


@pytest.mark.parametrize(
    "text",
    [
        "groups: &g {a: *g}\n",
        "groups: " + "[" * 999 + "]" * 999 + "\n",
        _alias_bomb().replace("id: bomb\n", ""),
    ],
)
def test_the_taxonomy_refuses_aliases_and_deep_nesting(review: Project, text: str) -> None:
    review.tags_file.write_text(text, encoding="utf-8")
    result = run("check", "-C", str(review.root))
    assert result.exit_code == 1
    assert "content/tags.yaml:" in result.output


def test_markup_in_user_text_is_printed_as_text(review: Project) -> None:
    _paper(
        review,
        "markup",
        "id: markup\ntitle: '[/yellow] [bold]x'\nabstract: A\ntags: ['[/yellow]', '[red]']\n",
    )
    result = run("check", "-C", str(review.root))
    assert result.exit_code == 1
    assert "'[/yellow]'" in result.output
    assert "MarkupError" not in result.output


def test_json_lines_of_the_wrong_types_and_lone_surrogates_import(review: Project, tmp_path: Path) -> None:
    abstract = "A study of attacks on readers, " * 5
    lines = [
        {"title": "Types paper one", "abstract": abstract, "arxiv_id": 2401.00001, "doi": 123, "authors": 5},
        {"title": "Types paper two", "abstract": abstract + "two", "authors": {"a": 1}, "categories": 7},
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    text += (
        '{"title": "Surrogate \\ud800 title", "abstract": "'
        + abstract
        + '\\udc00", "doi": "10.1/x\\ud800"}\n'
    )
    text += '{"title": "Big", "abstract": "' + abstract + '", "year": ' + "9" * 5000 + "}\n"
    source = tmp_path / "attack.jsonl"
    source.write_text(text, encoding="utf-8")
    result = run("import", str(source), "-C", str(review.root))
    # Entries that cannot be read in a file whose others can: warnings for import (README).
    assert result.exit_code == 0, result.output
    assert 'content/sources/attack.jsonl:1: warning: "authors" should be a list' in result.output
    assert (
        "content/sources/attack.jsonl:4: warning: a line that cannot be read (Exceeds the limit"
        in result.output
    )
    # Every later command reads the file again: it must still work.
    assert run("check", "-C", str(review.root)).exit_code in (0, 1)
    for record in review.papers_dir.glob("*.yaml"):
        record.read_text(encoding="utf-8")  # every record written is valid UTF-8


def test_a_csv_field_over_the_limit_is_an_error_at_its_line(review: Project, tmp_path: Path) -> None:
    source = tmp_path / "zotero.csv"
    source.write_text(
        'Item Type,Title,Abstract Note\njournalArticle,Fine,"An abstract"\n'
        f'journalArticle,Huge,"{"x" * 200_000}"\n',
        encoding="utf-8",
    )
    result = run("import", str(source), "-C", str(review.root))
    assert result.exit_code == 0  # the row above it came in; for check the file is an error until fixed
    assert "content/sources/zotero.csv:3: warning: the CSV cannot be read from this line on" in result.output
    result = run("check", "-C", str(review.root))
    assert result.exit_code == 1
    assert "content/sources/zotero.csv:3: error: the CSV cannot be read from this line on" in result.output


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        # The write that failed names no file; the message names the file being written.
        (OSError(errno.ENOSPC, "No space left on device"), ": there is no space left on the disk"),
        (
            OSError(errno.EROFS, "Read-only file system", "content/x.tmp"),
            "content/x.tmp: the file system is read-only",
        ),
        (PermissionError(errno.EACCES, "Permission denied", "content/y"), "content/y: permission denied"),
    ],
)
def test_failed_writes_are_messages(
    review: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, expected: str
) -> None:
    source = tmp_path / "new.txt"
    source.write_text(
        "Abstract:We present a new method for testing failed writes. " * 3 + "\n", encoding="utf-8"
    )

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(os, "replace", fail)
    result = run("import", str(source), "-C", str(review.root))
    assert result.exit_code == 1
    assert expected in result.output


def test_serve_on_a_port_in_use_is_a_message(review: Project) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "-C", str(review.root), "--dev-addr", f"127.0.0.1:{port}")
    assert result.exit_code in (1, 2)
    assert "already in use" in result.output
