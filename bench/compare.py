"""Benchmark: two checkouts of litreview on one review, interleaved (A, B, A, B, ...), so that the
machine's slow and fast periods fall on both alike.

    .venv/bin/python -m bench.compare --before /path/to/other/checkout --size 5000 --runs 3
    git archive REV | tar -x -C /tmp/rev    # a checkout of any commit, for --before or --after

The review is the first --size papers of the shared arXiv corpus (as bench/scale makes it),
imported once and copied for each side. Each side then makes --runs full builds from a cold
state (no cache, no site) and --runs rebuilds after editing one paper's tags (the same edits on
both sides), each `litreview build` in a fresh process run from its checkout. Prints every time,
the medians and the ratio of this checkout's median to the other's.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import REPO, arxiv_slice, run_python
from bench.scale import edit_one_tag, step, write_review


def timed_build(code: Path, review: Path) -> float:
    """One `litreview build` of `review` by the checkout at `code`, in seconds."""
    started = time.perf_counter()
    # python -m puts the working folder first on the path: the checkout's package is the one run.
    run_python(["-m", "generator", "build", "-q", "--no-strict", "-C", str(review)], code, f"build by {code}")
    return time.perf_counter() - started


def cold(review: Path) -> None:
    shutil.rmtree(review / ".litreview", ignore_errors=True)
    shutil.rmtree(review / "site", ignore_errors=True)


def compare(sides: dict[str, Path], reviews: dict[str, Path], runs: int) -> dict[str, dict[str, list[float]]]:
    times: dict[str, dict[str, list[float]]] = {name: {"full": [], "tag_edit": []} for name in sides}
    order = list(sides)
    for run in range(runs):
        for name in order if run % 2 == 0 else reversed(order):
            cold(reviews[name])
            times[name]["full"].append(timed_build(sides[name], reviews[name]))
            print(f"full build {run + 1}, {name}: {times[name]['full'][-1]:.1f} s", flush=True)
    for run in range(runs):
        for name in order if run % 2 == 0 else reversed(order):
            edit_one_tag(reviews[name], run)
            times[name]["tag_edit"].append(timed_build(sides[name], reviews[name]))
            print(f"tag edit {run + 1}, {name}: {times[name]['tag_edit'][-1]:.2f} s", flush=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--after", type=Path, default=REPO, help="the checkout compared (default: this one)")
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="where to build (default: a temporary folder)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="litreview-compare-"))
    base = workdir / "review"
    write_review(base, arxiv_slice(args.size))
    step("import", base)
    sides = {"before": args.before.resolve(), "after": args.after.resolve()}
    reviews = {}
    for name in sides:
        reviews[name] = workdir / name
        shutil.copytree(base, reviews[name])
        # A review keeps its own copy of the templates: each side's, as its `init` would write.
        shutil.rmtree(reviews[name] / "templates")
        shutil.copytree(sides[name] / "templates", reviews[name] / "templates")
    times = compare(sides, reviews, args.runs)
    print(f"\n## {args.size:,} papers, {args.runs} runs each, interleaved")
    for kind in ("full", "tag_edit"):
        before, after = (statistics.median(times[name][kind]) for name in ("before", "after"))
        print(
            f"{kind:<10} before: median {before:.2f} s {times['before'][kind]}; "
            f"after: median {after:.2f} s {times['after'][kind]}; after / before {after / before:.3f}"
        )
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
