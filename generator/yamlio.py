"""YAML reading with line numbers, and the one place that writes YAML files (atomically).

Reading uses PyYAML's C loader where available (fast at thousands of files) and keeps the line of
every mapping key, so validation can say `content/papers/x.yaml:7`. Updating a file a person may
have edited goes through ruamel.yaml's round-trip mode, which keeps their comments and key order.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

KeyPath = tuple[str | int, ...]


class YamlSyntaxError(Exception):
    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _key_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _key_lines(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _key_lines(item, (*path, i), lines)


def duplicate_keys(node: yaml.Node) -> list[tuple[str, int]]:
    found = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                found.append((key, key_node.start_mark.line + 1))
            seen.add(key)
            found.extend(duplicate_keys(value_node))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found.extend(duplicate_keys(item))
    return found


def load_with_lines(text: str) -> tuple[Any, dict[KeyPath, int], list[tuple[str, int]]]:
    """Parse one YAML document: (data, line of each key path, duplicate keys with lines)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        # Point at where the broken construct starts (an unclosed quote or bracket), which is
        # where a person has to look; the parser only notices the problem later.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
            problem += f" ({exc.context} that starts here, noticed on line {exc.problem_mark.line + 1})"
        raise YamlSyntaxError(line, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, f"YAML syntax error: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}
    _key_lines(node, (), lines)
    return data, lines, duplicate_keys(node)


def files_under(root: Path) -> list[str]:
    """Every file under root, as paths relative to it with "/" separators. Strings, not Paths:
    pathlib takes most of a second for the 20,000 pages of a large site."""
    found = []
    top = str(root)
    for dirpath, _, filenames in os.walk(top):
        folder = os.path.relpath(dirpath, top).replace(os.sep, "/")
        prefix = "" if folder == "." else folder + "/"
        found.extend(prefix + name for name in filenames)
    return found


def holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` already has exactly these bytes (so writing it can be skipped,
    keeping its mtime for MkDocs' dirty builds)."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half.

    `durable` flushes it to disk first; files that can be generated again skip that (an fsync
    per file is most of the cost of writing thousands of pages)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); keep the mode the file had, or the usual one.
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def dump_new(data: dict[str, Any], header: str = "") -> str:
    """YAML text for a file the generator creates: keys in the given order, readable widths."""
    # libyaml's emitter: the same text as PyYAML's pure-Python one, ten times faster.
    body = yaml.dump(
        data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=96, default_flow_style=False
    )
    return header + body


def _round_trip() -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 96
    rt.indent(mapping=2, sequence=2, offset=0)
    return rt


def update_in_place(path: Path, change: Callable[[Any], bool]) -> bool:
    """Apply `change` to a file a person may have edited, keeping comments and key order.

    `change` edits the loaded data and says whether it changed anything; the file is rewritten
    (atomically) only then, so an unchanged record keeps its exact bytes.
    """
    original = path.read_text(encoding="utf-8")
    rt = _round_trip()
    data = rt.load(original)
    if not change(data):
        return False
    out = io.StringIO()
    rt.dump(data, out)
    updated = out.getvalue()
    if updated == original:
        return False
    atomic_write_text(path, updated)
    return True
