"""YAML reading with line numbers, and the one place that writes YAML files (atomically).

Reading uses PyYAML's C loader where available (fast at thousands of files) and keeps the line of
every mapping key, so validation can say `content/papers/x.yaml:7`. Updating a file a person may
have edited goes through ruamel.yaml's round-trip mode, which keeps their comments and key order.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML

from generator.files import atomic_write_text

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


def dump_new(data: dict[str, Any], header: str = "") -> str:
    """YAML text for a file the generator creates: keys in the given order, readable widths."""
    # libyaml's emitter: the same text as PyYAML's pure-Python one, much faster.
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
