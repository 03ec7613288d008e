"""Benchmark: the time to find related papers (with their "why" terms) for N papers.

    .venv/bin/python -m bench.related_scale [--sizes 200 2000 20000] [--runs 3]

Each run is a fresh process on the first N papers of the shared arXiv corpus, timing what a cold
build computes for related papers: TF-IDF features, the LSA vectors, the hybrid neighbourhood and
the related lists (with tag support: each paper is tagged with its primary arXiv category).
Prints the median of the runs and the machine's load average (other work on the machine slows
every figure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import replace

from bench.common import REPO, arxiv_slice, run_python


def one_run(size: int) -> dict[str, float]:
    from bench.suite import to_papers
    from generator.enrich import related

    rows = arxiv_slice(size)
    # Tagged as a curated review is (each paper with its primary arXiv category), so that the
    # time includes the tag support that a tagged review's related lists get.
    papers = [
        replace(p, tags=tuple((r.get("categories") or [])[:1]))
        for p, r in zip(to_papers(rows), rows, strict=True)
    ]
    times: dict[str, float] = {}
    started = time.perf_counter()
    features = related.TextFeatures.of(papers)
    times["features"] = time.perf_counter() - started
    vectors = related.semantic_vectors(papers)
    times["vectors"] = time.perf_counter() - started - sum(times.values())
    near = related.Neighbourhood.of(vectors, features.id_rank(), features=features)
    times["neighbours"] = time.perf_counter() - started - sum(times.values())
    related.related_choices(papers, features, vectors=vectors, neighbours=near)
    times["lists and why"] = time.perf_counter() - started - sum(times.values())
    times["total"] = time.perf_counter() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one)))
        return
    for size in args.sizes:
        runs, loads = [], []
        for _ in range(args.runs):
            loads.append(os.getloadavg()[0])
            out = run_python(["-m", "bench.related_scale", "--one", str(size)], REPO, "related")
            runs.append(json.loads(out.strip().splitlines()[-1]))
        parts = "  ".join(f"{k} {statistics.median(r[k] for r in runs):.1f} s" for k in runs[0])
        load = statistics.median(loads)
        print(f"{size:>6,} papers: {parts}   (median of {len(runs)}; load average {load:.1f})")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
