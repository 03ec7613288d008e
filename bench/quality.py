"""Benchmark: how good are related papers, automatic tags, tag suggestions and derived titles?

    .venv/bin/python -m bench.quality [--papers 3000] [--only related|floor|tags|titles]

Prints the benchmark suite (bench/suite.py), each figure with its time:
- related papers: precision@5 of every method (random, TF-IDF, LSA, BM25, the previous default,
  litreview's default, and with the `embeddings` extra installed, sentence embeddings) on arXiv
  primary categories (3,000 papers, and seven small reviews of 400), all arXiv categories, and
  the hand-labelled lists of ../shared/corpora/labelled (with its random floors); each method's
  gain over TF-IDF and its worst case;
- the similarity floor: the default's candidates' precision by score, and papers without an
  abstract (related by title alone);
- automatic tags and `suggest` (bench/tags.py): precision, recall and coverage by threshold;
- derived titles: how often a title derived from the abstract names the method that the real
  title names before a colon, and the mean share of the real title's words it contains.
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np

from bench import suite, tags
from bench.common import arxiv_slice
from generator.records.titles import derive_title

STOP_WORDS = set(
    "a an the of for and in on with to via from by at as is are we our its into using based".split()
)


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS}


def bench_titles(rows: list[dict]) -> None:
    named = hits = 0
    overlaps = []
    for row in rows:
        real = " ".join(row["title"].split())
        derived = derive_title(row["abstract"])
        real_words = words(real)
        overlaps.append(len(real_words & words(derived)) / len(real_words) if real_words else 0.0)
        name = re.match(r"^([^:]{1,40}):\s", real)
        if name and len(name.group(1).split()) <= 3:
            named += 1
            hits += name.group(1).lower() in derived.lower()
    print(f"derived titles ({len(rows)} abstracts)")
    print(
        f"  real title names a method before a colon: {named}; "
        f"derived title names it: {hits} ({hits / named:.3f})"
    )
    print(f"  mean share of the real title's words in the derived title: {np.mean(overlaps):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=3000)
    parser.add_argument("--only", choices=["related", "floor", "tags", "titles"])
    args = parser.parse_args()
    started = time.perf_counter()
    if args.only in (None, "related", "floor"):
        suite.main(args.papers, args.only)
    if args.only in (None, "tags"):
        tags.bench_thresholds()
    if args.only in (None, "titles"):
        bench_titles(arxiv_slice(args.papers))
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
