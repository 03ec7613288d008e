"""Benchmark: the bundled review's full build against `mkdocs build` alone on the same pages.

    .venv/bin/python -m bench.build [--runs 5]

Each full build starts from a fresh copy of the review (no generated pages, no site), as on a
new clone; `mkdocs build` alone then runs on the pages that build generated. Prints the medians.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build

from generator.build.mkdocs_config import mkdocs_config
from generator.build.pipeline import Options, build_review
from generator.config import Settings
from generator.errors import ProblemLog
from generator.project import Project

REPO = Path(__file__).resolve().parent.parent


def fresh_copy(target: Path) -> Project:
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "mkdocs.yml", target / "mkdocs.yml")
    return Project.at(target)


def full_build(project: Project) -> float:
    started = time.perf_counter()
    build_review(project, ProblemLog(project.root), Options(worker=False))
    return time.perf_counter() - started


def mkdocs_alone(project: Project, out: Path) -> float:
    started = time.perf_counter()
    from generator.records.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(project.tags_file, ProblemLog())
    config = mkdocs_config(project, Settings.of(project), taxonomy, out, strict=True)
    mkdocs_build(config)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    full, alone = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            project = fresh_copy(Path(tmp) / f"run{run}")
            full.append(full_build(project))
            alone.append(mkdocs_alone(project, Path(tmp) / f"alone{run}"))
    full_median, alone_median = statistics.median(full), statistics.median(alone)
    print(f"bundled review ({args.runs} runs)")
    print(f"  full build (import+generate+mkdocs) median {full_median:6.2f} s   min {min(full):6.2f} s")
    print(f"  mkdocs build alone                  median {alone_median:6.2f} s   min {min(alone):6.2f} s")
    print(f"  ratio full / mkdocs alone           {full_median / alone_median:6.2f}")


if __name__ == "__main__":
    main()
