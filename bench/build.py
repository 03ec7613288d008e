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

from generator.build.pipeline import generate
from generator.build.site import build_site, mkdocs_config, site_title
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
    log = ProblemLog(project.root)
    report = generate(project, log, site_title=site_title(project))
    build_site(project, report.taxonomy, strict=True)
    return time.perf_counter() - started


def mkdocs_alone(project: Project, out: Path) -> float:
    started = time.perf_counter()
    from generator.records.taxonomy import load_taxonomy

    config = mkdocs_config(project, load_taxonomy(project.tags_file, ProblemLog()), out, strict=True)
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
