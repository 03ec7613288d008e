"""Shared by the benchmarks: reading fixed slices of the shared arXiv corpus."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
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


def run_python(args: list[str], cwd: Path, what: str) -> str:
    """`python ARGS` in `cwd` with the benchmarks' fixed day and hash seed; its standard output.
    Stops the benchmark, with the end of its errors, if it fails."""
    env = {**os.environ, "LITREVIEW_TODAY": "2026-11-21", "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stderr[-4000:]}")
    return done.stdout
