"""Benchmark: a screening decision on one paper of a large systematic review, against a tag edit.

    .venv/bin/python -m bench.screening                 # 20,000 papers, 3 runs of each edit
    .venv/bin/python -m bench.screening --size 5000 --runs 2

Makes the review as bench.scale does (the first N papers of the shared arXiv corpus, a topic per
category), imports it, then makes it systematic: content/review.yaml names the source's database
and declares reasons, and the records get decisions in the proportions of a typical review (5%
removed before screening, 60% excluded on title and abstract, 1% not retrieved, 10% excluded
after reading the full text; the rest included). Then, each build in a fresh process:
- the full build, and a rebuild with nothing changed;
- rebuilds after one tag edit (bench.scale's edit_one_tag); after one screening decision that
  leaves the included papers as they are (an excluded record re-decided at another stage, as
  most of screening is); and after one that excludes an included paper or includes it again
  (its page goes or comes, as with `litreview remove`). Decisions are written as
  `litreview screen` writes them; the three kinds are interleaved, run by run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from bench.common import arxiv_slice
from bench.scale import edit_one_tag, median, step, write_review

REVIEW_YAML = """\
title: Benchmark review
sources:
  sources/arxiv.jsonl.gz: {database: arXiv, searched: 2026-11-01}
reasons:
  out-of-range: {label: Outside the date range, stage: identification}
  off-topic: {label: Off topic, stage: title-abstract}
  no-full-text: {label: Full text not available, stage: retrieval}
  wrong-design: {label: Wrong study design, stage: full-text}
"""
# Every twentieth record removed before screening, and so on: (every, skip, stage, reason).
SHARES = (
    (20, 0, "identification", "out-of-range"),
    (100, 7, "retrieval", "no-full-text"),
    (10, 3, "full-text", "wrong-design"),
)


def _decision(index: int) -> tuple[str, str] | None:
    for every, skip, stage, reason in SHARES:
        if index % every == skip:
            return stage, reason
    if index % 5 in (1, 2, 4):  # 60% of the rest, roughly
        return "title-abstract", "off-topic"
    return None


def make_systematic(root: Path, keep: Path) -> int:
    """content/review.yaml and a decision in most records (written as `litreview screen` writes
    them: status and excluded after the title); `keep` stays included. The records excluded."""
    (root / "content" / "review.yaml").write_text(REVIEW_YAML, encoding="utf-8")
    records = sorted((root / "content" / "papers").glob("*.yaml"))
    excluded = 0
    for index, path in enumerate(records):
        decision = _decision(index)
        if decision is None or path == keep:
            continue
        stage, reason = decision
        text = path.read_text(encoding="utf-8")
        block = f"status: excluded\nexcluded:\n  stage: {stage}\n  reason: {reason}\n  date: '2026-11-02'\n"
        path.write_text(text.replace("\ntags:", "\n" + block + "tags:", 1), encoding="utf-8")
        excluded += 1
    return excluded


def _record_at(root: Path, kind: str) -> Path:
    """A record past the middle: an excluded one ("excluded"), or one left included ("included")."""
    records = sorted((root / "content" / "papers").glob("*.yaml"))
    want_excluded = kind == "excluded"
    return next(
        p
        for i, p in enumerate(records)
        if i > len(records) // 2 and (_decision(i) is not None) == want_excluded
    )


def decide_within(root: Path, run: int) -> None:
    """A decision that leaves the included papers as they are: an excluded record re-decided
    at full text (or, on alternate runs, back on title and abstract), as most screening is."""
    from generator.records.screening import Decision, set_decision

    stage, reason = ("full-text", "wrong-design") if run % 2 == 0 else ("title-abstract", "off-topic")
    set_decision(_record_at(root, "excluded"), Decision("excluded", stage, reason, "2026-11-03"))


def decide_inclusion(root: Path, run: int) -> None:
    """A decision that changes the included papers: one included paper excluded at full text,
    or (alternate runs) included again."""
    from generator.records.screening import Decision, set_decision

    path = _record_at(root, "included")
    if run % 2 == 0:
        set_decision(path, Decision("excluded", "full-text", "wrong-design", "2026-11-03"))
    else:
        set_decision(path, Decision("included"))


EDITS = (
    ("tag_edit", "one tag edit", edit_one_tag),
    ("decision", "one screening decision (included papers unchanged)", decide_within),
    ("inclusion", "one decision that excludes or includes a paper", decide_inclusion),
)


def measure(size: int, workdir: Path, runs: int) -> dict[str, Any]:
    root = workdir / f"review-{size}"
    write_review(root, arxiv_slice(size))
    step("import", root)
    records = sorted((root / "content" / "papers").glob("*.yaml"))
    result: dict[str, Any] = {"papers": size}
    result["excluded"] = make_systematic(root, keep=records[len(records) // 3])  # edit_one_tag's paper
    result["build"] = step("build", root)
    result["unchanged"] = [step("build", root) for _ in range(runs)]
    for name, _, _ in EDITS:
        result[name] = []
    for run in range(runs):  # interleaved, so that each kind sees the same machine
        for name, _, edit in EDITS:
            edit(root, run)
            result[name].append(step("build", root))
    return result


def report(result: dict[str, Any]) -> None:
    print(f"\n## {result['papers']:,} papers, {result['excluded']:,} of them not included")
    print(f"full build: {result['build']['seconds']:.1f} s")
    for name, label in (
        ("unchanged", "nothing changed"),
        ("tag_edit", "one tag edit"),
        ("decision", "one screening decision"),
    ):
        runs = result[name]
        seconds = [r["seconds"] for r in runs]
        print(
            f"rebuild after {label}: median {median(seconds):.2f} s of {len(seconds)} "
            f"({', '.join(f'{s:.2f}' for s in seconds)}; "
            f"{median([r.get('written', 0) for r in runs]):.0f} files rewritten, "
            f"{median([r.get('pages_built', 0) for r in runs]):.0f} pages rebuilt by MkDocs)"
        )
    tag = median([r["seconds"] for r in result["tag_edit"]])
    for name in ("decision", "inclusion"):
        print(f"{name} / tag edit: {median([r['seconds'] for r in result[name]]) / tag:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each rebuild (median shown)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--workdir", type=Path, help="where to build (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        result = measure(args.size, Path(tmp), args.runs)
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
