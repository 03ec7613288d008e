"""YAML reading with line numbers, and the one place that writes YAML files (atomically).

Reading uses PyYAML's C loader where available (fast at thousands of files) and keeps the line of
every mapping key, so validation can say `content/papers/x.yaml:7`. Updating a file a person may
have edited goes through ruamel.yaml's round-trip mode, which keeps their comments and key order.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML

from generator.errors import ProblemLog
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


MAX_DEPTH = 40  # nesting levels of a record or the taxonomy (they need four or five)


def _key_of(key_node: yaml.Node) -> str:
    return key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)


def _children(node: yaml.Node, path: KeyPath) -> list[tuple[yaml.Node, KeyPath, int]]:
    """(child, its key path, the line that names it) of a mapping or sequence node."""
    if isinstance(node, yaml.MappingNode):
        return [(value, (*path, _key_of(key)), key.start_mark.line + 1) for key, value in node.value]
    if isinstance(node, yaml.SequenceNode):
        return [(item, (*path, i), item.start_mark.line + 1) for i, item in enumerate(node.value)]
    return []


def _walk(root: yaml.Node) -> dict[KeyPath, int]:
    """The line of each key path, visiting each node once, in document order and without
    recursion. Refuses (with the line) a node reached twice, which is what an alias (`*name`)
    makes, and deep nesting: records and the taxonomy never need either, and both can make
    reading take unbounded time or memory (an "alias bomb") or exhaust the stack."""
    lines: dict[KeyPath, int] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, KeyPath, int]] = [(root, (), root.start_mark.line + 1)]
    while stack:
        node, path, line = stack.pop()
        if id(node) in seen:  # an alias: at the key, or the list, that holds it
            raise YamlSyntaxError(
                line, "YAML anchors and aliases (&name, *name) are not allowed here; write the value out"
            )
        seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise YamlSyntaxError(line, f"the YAML is nested more than {MAX_DEPTH} levels deep")
        lines[path] = line
        in_list = isinstance(node, yaml.SequenceNode)
        children = _children(node, path)
        stack.extend(
            (child, child_path, node.start_mark.line + 1 if in_list and id(child) in seen else at)
            for child, child_path, at in reversed(children)
        )
    return lines


def duplicate_keys(node: yaml.Node) -> list[tuple[str, int]]:
    """The keys that appear twice in one mapping, with their lines (each node visited once)."""
    found = []
    stack, seen = [node], {id(node)}
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, _ in current.value:
                key = str(key_node.value)
                if key in keys:
                    found.append((key, key_node.start_mark.line + 1))
                keys.add(key)
        children = [child for child, _, _ in _children(current, ())]
        stack.extend(child for child in reversed(children) if id(child) not in seen)
        seen.update(id(child) for child in children)
    return found


# A line `key: value` (or `- key: value`): where the key's colon is, to tell a colon inside a
# value from a key's own colon.
_KEY_LINE = re.compile(r"^(?P<lead>\s*(?:-\s+)?)(?P<key>[^\s#:'\"\[{][^:#]*?):(?:\s+|$)")
_INDENT_CONTEXTS = ("while parsing a block mapping", "while parsing a block collection")
_INDENT_ADVICE = (
    "keys of one mapping must start in the same column, and each list item goes on its own "
    'line starting with "- ", indented like the first'
)


def _content_lines(lines: list[str]) -> list[int]:
    """The indexes of the lines that hold YAML (not blank, not only a comment)."""
    return [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _opens_block(line: str) -> bool:
    """Whether a line's value is on the lines below it (`key:` or `- key:` with nothing after)."""
    body = line.split(" #", 1)[0].rstrip()
    return body.endswith(":") or body.endswith("-")


def _indent_step(lines: list[str], content: list[int]) -> int:
    """The file's usual indentation step: how much deeper a block's first line mostly is."""
    steps: dict[int, int] = {}
    for a, b in itertools.pairwise(content):
        step = _indent(lines[b]) - _indent(lines[a])
        if step > 0 and _opens_block(lines[a]):
            steps[step] = steps.get(step, 0) + 1
    return max(sorted(steps), key=lambda k: steps[k]) if steps else 2


def _first_child_off(lines: list[str], content: list[int], at: int, step: int) -> int | None:
    """When the line at content[at] is indented as the first line of a block above it should
    be, and that first line is not: the first line (0-based)."""
    here = _indent(lines[content[at]])
    opener = next((i for i in reversed(content[:at]) if _indent(lines[i]) <= here), None)
    if opener is not None and _indent(lines[opener]) < here and _opens_block(lines[opener]):
        first = content[content.index(opener) + 1]
        if first != content[at] and _indent(lines[first]) != here == _indent(lines[opener]) + step:
            return first
    if at >= 2 and _opens_block(lines[content[at - 2]]):  # the line above is a block's first
        expected = _indent(lines[content[at - 2]]) + step
        if _indent(lines[content[at - 1]]) != expected == here:
            return content[at - 1]
    return None


def _misindented_line(lines: list[str], noticed: int) -> int:
    """The line (0-based) whose indentation is wrong when the parser noticed a problem on line
    `noticed`: a block's first line indented unlike the rest of the block, else the line above
    `noticed` when it is the odd one out (the lines on both sides agree with `noticed`), else
    `noticed` itself."""
    content = _content_lines(lines)
    if noticed not in content or content.index(noticed) == 0:
        return noticed
    at = content.index(noticed)
    first = _first_child_off(lines, content, at, _indent_step(lines, content))
    if first is not None:
        return first
    above = content[at - 1]
    here, there = _indent(lines[noticed]), _indent(lines[above])
    if here == there or (_opens_block(lines[above]) and there < here):
        return noticed
    before = _indent(lines[content[at - 2]]) if at >= 2 else None
    after = _indent(lines[content[at + 1]]) if at + 1 < len(content) else None
    return above if here in (before, after) else noticed


def _quoted(value: str) -> str:
    """`value` as a quoted YAML scalar: double quotes, or single ones if it holds a double quote."""
    if '"' in value:
        return "'" + value.replace("'", "''") + "'"
    return '"' + value.replace("\\", "\\\\") + '"'


def _colon_in_value(lines: list[str], mark: yaml.Mark) -> tuple[int, str] | None:
    """The message for a `: ` inside an unquoted value (`title: LoRA: Low-Rank ...`), or None
    when the colon the parser stopped at is a key's own (a line indented too far)."""
    line = lines[mark.line] if mark.line < len(lines) else ""
    found = _KEY_LINE.match(line)
    if found is None or mark.column < found.end("key") + 1:
        return None
    value = line[found.end() :].rstrip()
    fixed = f"{found.group('lead')}{found.group('key')}: {_quoted(value)}"
    return mark.line + 1, (
        f'YAML syntax error: the value of {found.group("key").strip()!r} contains ": ", so it must be '
        f"quoted; write the line as: {fixed.strip()}"
    )


def _indentation(lines: list[str], exc: yaml.MarkedYAMLError) -> tuple[int, str] | None:
    """The message for a line indented unlike the lines around it, at that line."""
    mark = exc.problem_mark
    if mark is None:
        return None
    culprit = _misindented_line(lines, mark.line)
    noticed = "" if culprit == mark.line else f", noticed on line {mark.line + 1}"
    return culprit + 1, (
        f"YAML syntax error: line {culprit + 1} is not indented like the lines around it: "
        f"{_INDENT_ADVICE} ({exc.problem}{noticed})"
    )


def _explain(text: str, exc: yaml.MarkedYAMLError) -> tuple[int | None, str]:
    """(line, message) for a YAML syntax error: what to fix, at the line to fix."""
    lines = text.splitlines()
    problem = exc.problem or "invalid YAML"
    if problem.startswith("mapping values are not allowed") and exc.problem_mark is not None:
        explained = _colon_in_value(lines, exc.problem_mark) or _indentation(lines, exc)
        if explained is not None:
            return explained
    if exc.context in _INDENT_CONTEXTS and problem.startswith(("did not find expected", "expected")):
        explained = _indentation(lines, exc)
        if explained is not None:
            return explained
    # Otherwise point at where the broken construct starts (an unclosed quote or bracket), which
    # is where a person has to look; the parser only notices the problem later.
    mark = exc.context_mark or exc.problem_mark
    line = mark.line + 1 if mark is not None else None
    if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
        problem += f" ({exc.context} that starts here, noticed on line {exc.problem_mark.line + 1})"
    return line, f"YAML syntax error: {problem}"


def _unreadable_value(loader: Any, root: yaml.Node, error: Exception) -> YamlSyntaxError:
    """The error for a value YAML reads but Python cannot hold (`date: 2024-02-30`, an integer
    of thousands of digits), at its line: the first scalar that fails to construct alone."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            loader.recursive_objects, loader.constructed_objects = {}, {}  # left by the failure
            try:
                loader.construct_object(node, deep=True)
            except (ValueError, OverflowError, yaml.YAMLError) as exc:
                return YamlSyntaxError(
                    node.start_mark.line + 1,
                    f"the value {node.value[:80]!r} cannot be read ({str(exc).split(';')[0][:120]}); "
                    "write a valid value, or put it in quotes to keep it as text",
                )
        stack.extend(reversed([child for child, _, _ in _children(node, ())]))
    return YamlSyntaxError(None, f"a value cannot be read: {error}")


def _compose(loader: Any, text: str) -> yaml.Node | None:
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        line, message = _explain(text, exc)
        raise YamlSyntaxError(line, message) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, f"YAML syntax error: {exc}") from None
    except RecursionError:
        raise YamlSyntaxError(None, f"the YAML is nested more than {MAX_DEPTH} levels deep") from None


def load_with_lines(text: str) -> tuple[Any, dict[KeyPath, int], list[tuple[str, int]]]:
    """Parse one YAML document: (data, line of each key path, duplicate keys with lines).

    Every problem is a YamlSyntaxError with a line where one is known: syntax, aliases, nesting
    deeper than MAX_DEPTH, and values Python cannot hold."""
    loader = _Loader(text)
    try:
        node = _compose(loader, text)
        if node is None:
            return None, {}, []
        lines = _walk(node)  # before constructing: refuses aliases and deep nesting
        try:
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            line, message = _explain(text, exc)
            raise YamlSyntaxError(line, message) from None
        except (ValueError, OverflowError) as exc:
            raise _unreadable_value(loader, node, exc) from None
    finally:
        loader.dispose()
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


def _round_trip_like(text: str) -> YAML:
    """A round-trip YAML that writes as `text` is written: its indentation, lines unwrapped."""
    from ruamel.yaml.util import load_yaml_guess_indent

    _, indent, block_seq_indent = load_yaml_guess_indent(text)
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=indent or 2, offset=block_seq_indent or 0)
    return rt


def update_in_place(path: Path, change: Callable[[Any], bool], *, keep_layout: bool = False) -> bool:
    """Apply `change` to a file a person may have edited, keeping comments and key order.

    `change` edits the loaded data and says whether it changed anything; the file is rewritten
    (atomically) only then, so an unchanged record keeps its exact bytes. With `keep_layout`
    (a file written by hand, such as the taxonomy), the file's own indentation is kept and no
    line is wrapped.
    """
    original = path.read_text(encoding="utf-8")
    rt = _round_trip_like(original) if keep_layout else _round_trip()
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


def flow_list(items: list[Any]) -> Any:
    """A list that a round-trip update writes in flow style, `[a, b]`."""
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def rename_key(mapping: Any, old: str, new: str) -> None:
    """Rename a key of a round-trip mapping in place: same position, its comments kept."""
    position = list(mapping).index(old)
    value = mapping.pop(old)
    mapping.insert(position, new, value)
    comments = getattr(mapping, "ca", None)
    if comments is not None and old in comments.items:
        comments.items[new] = comments.items.pop(old)


def read_yaml_mapping(path: Path, log: ProblemLog, keys: str) -> tuple[dict[str, Any], Any] | None:
    """A review-level YAML file (tags.yaml, fields.yaml, review.yaml) as a mapping and its key
    lines; None, with the problem logged (file and line), if it cannot be read as one. An empty
    file is an empty mapping; `keys` says what the mapping should hold, for the message."""
    try:
        data, lines, duplicates = load_with_lines(path.read_text(encoding="utf-8"))
    except YamlSyntaxError as exc:
        log.error(path, exc.line, exc.message)
        return None
    except UnicodeDecodeError:
        log.error(path, None, "the file is not UTF-8 text")
        return None
    for key, line in duplicates:
        log.error(path, line, f"the key {key!r} appears twice; keep one")
    data = data if data is not None else {}
    if not isinstance(data, dict):
        log.error(path, 1, f"expected a mapping with {keys}")
        return None
    return data, lines
