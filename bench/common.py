"""Shared by the benchmarks: reading fixed slices of the shared arXiv corpus."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ARXIV = REPO.parent / "shared" / "corpora" / "arxiv-75k.jsonl.gz"


def arxiv_slice(count: int, start: int = 0, path: Path = ARXIV) -> list[dict[str, Any]]:
    """Lines start .. start+count of the corpus (a fixed, repeatable slice)."""
    if not path.is_file():
        raise SystemExit(f"{path} is missing: the benchmarks read the shared corpora beside the repository")
    rows: list[dict[str, Any]] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number < start:
                continue
            if len(rows) == count:
                break
            rows.append(json.loads(line))
    return rows


def primary_category(row: dict[str, Any]) -> str:
    return (row.get("categories") or [""])[0]
