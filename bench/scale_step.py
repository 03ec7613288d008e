"""One measured step of bench/scale, run in its own process so its peak memory is its own.

    python -m bench.scale_step import|build|mkdocs-alone REVIEW_DIR [OUT_DIR]

Prints one JSON object: the step's wall time, its peak resident memory, and the same for each
phase the pipeline reports (import, validate, related, render, search index, map, MkDocs).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def _rss(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_BYTES
    except OSError:
        return 0


def resident_bytes() -> int:
    """This process and its children (the worker that computes the search index and map while
    MkDocs runs). Pages they share after the fork count twice: an upper bound."""
    total = _rss("self")
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as handle:
                total += sum(_rss(pid) for pid in handle.read().split())
        except OSError:
            pass
    return total


class Phases:
    """A progress callback that times each phase and samples the process's memory during it."""

    def __init__(self, interval: float = 0.02) -> None:
        self.phases: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self.started = time.perf_counter()
        self.peak = resident_bytes()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sampler = threading.Thread(target=self._sample, args=(interval,), daemon=True)
        self._sampler.start()

    def _sample(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self._note(resident_bytes())

    def _note(self, rss: int) -> None:
        with self._lock:
            self.peak = max(self.peak, rss)
            if self.current is not None:
                self.current["peak_bytes"] = max(self.current["peak_bytes"], rss)

    def __call__(self, name: str) -> None:
        now, rss = time.perf_counter(), resident_bytes()
        with self._lock:
            if self.current is not None:
                self.current["seconds"] = now - self.current.pop("_start")
                self.phases.append(self.current)
            self.current = {"phase": name, "_start": now, "peak_bytes": rss}
        self._note(rss)

    def finish(self) -> dict[str, Any]:
        self("end")
        self._stop.set()
        self.current = None
        return {
            "seconds": time.perf_counter() - self.started,
            "peak_bytes": self.peak,
            "phases": self.phases,
        }


def main() -> None:
    step, root = sys.argv[1], Path(sys.argv[2])
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    from generator.errors import ProblemLog
    from generator.project import Project

    project = Project.at(root)
    log = ProblemLog(project.root)
    phases = Phases()
    extra: dict[str, Any] = {}
    if step == "import":
        from click.testing import CliRunner

        from generator.cli import cli

        # `litreview import` of the review's own source (already in place).
        phases("import")
        source = next(project.sources_dir.glob("arxiv.jsonl*"))
        result = CliRunner().invoke(cli, ["import", str(source), "-C", str(project.root)])
        if result.exit_code != 0:
            raise SystemExit(result.output)
        extra = {"output": result.output.strip().splitlines()[0]}
    elif step == "build":
        from generator.build.pipeline import Options, build_review

        # As `litreview build` does it (its last phase: MkDocs, with the search index and map).
        report, built = build_review(project, log, Options(progress=phases, worker=True), strict=False)
        extra = {"written": report.written, "mkdocs": built.mode, "pages_built": built.pages_built}
    elif step == "mkdocs-alone":
        from mkdocs.commands.build import build as mkdocs_build

        from generator.build.mkdocs_config import mkdocs_config
        from generator.config import Settings
        from generator.records.taxonomy import load_taxonomy

        taxonomy = load_taxonomy(project.tags_file, log)
        config = mkdocs_config(project, Settings.of(project), taxonomy, Path(sys.argv[3]), False)
        phases("mkdocs build")
        mkdocs_build(config)
    else:
        raise SystemExit(f"unknown step {step!r}")
    print(json.dumps({**phases.finish(), **extra}))


if __name__ == "__main__":
    main()
