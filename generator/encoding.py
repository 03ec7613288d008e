"""The one JSON encoding of the generated data files: compact, keys sorted, one item a line."""

from __future__ import annotations

import json
from collections.abc import Mapping


def compact_json(item: object) -> str:
    """One line of JSON, keys sorted: the form json_lines gives each item."""
    return json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def json_lines(value: object, encoded: Mapping[str, list[str]] | None = None) -> str:
    """JSON with one line per item of each top-level list: diffs stay per paper, and the
    C encoder does the work (indent= would use the pure-Python one, ten times slower).
    `encoded`: top-level lists given as their items' compact_json lines (made earlier)."""

    def lines(items: list[str]) -> str:
        return "[\n" + ",\n".join(items) + "\n]" if items else "[]"

    def block(item: object) -> str:
        if isinstance(item, list):
            return lines([compact_json(x) for x in item])
        return compact_json(item)

    if isinstance(value, dict):
        given = encoded or {}
        body = ",\n".join(
            f"{compact_json(k)}: {lines(given[k]) if k in given else block(v)}"
            for k, v in sorted(value.items())
        )
        return "{\n" + body + "\n}\n"
    return block(value) + "\n"
