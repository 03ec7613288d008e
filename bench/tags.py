"""Automatic tags and tag suggestions on the benchmark suite: precision, recall and coverage by
threshold, and the thresholds chosen (precision at least 0.8 on every benchmark).

    .venv/bin/python -m bench.tags [--init-review]

Tags: the arXiv categories of the first 3,000 papers of ../shared/corpora/arxiv-75k.jsonl.gz,
and the hand-labelled list sections of ../shared/corpora/labelled/. Every fifth paper's tags
are hidden and found again from the others' (a paper's own tags never count).
`--init-review`: a review made by `litreview init` with the first 2,000 arXiv papers imported:
the share of papers tagged automatically (by rule, by vote) and the precision of the tags that
an arXiv category can judge.
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from bench.common import arxiv_slice, run_python
from bench.suite import labelled_rows, to_papers
from generator.enrich import suggest, tagging
from generator.enrich.related import TextFeatures

TARGET = 0.8
SHARES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
SIMILARITIES = (0.0, 0.1, 0.2, 0.3)
SUGGEST_THRESHOLDS = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
# The starter tags (generator/scaffold/tags.yaml) mapped to arXiv categories, to judge the tags of
# a review made by `init`. "strict": a category that says the tag (only Healthcare has one);
# "compatible": the categories where a paper with the tag belongs (a transformer paper in cs.CL,
# say; clinical NLP in cs.CL): a tag on a paper in none of them (a power-grid "transformer" in
# eess.SY alone) is wrong. Compatible categories are a weak judge: read the papers they fail.
CATEGORY_TAGS: dict[str, dict[str, tuple[str, ...]]] = {
    "healthcare": {
        "strict": ("q-bio.", "physics.med-ph"),
        "compatible": (
            "q-bio.",
            "physics.med-ph",
            "eess.IV",
            "eess.SP",
            "cs.CV",
            "cs.CY",
            "stat.AP",
            "cs.CL",
            "cs.HC",
        ),
    },
    "transformers": {
        "strict": (),
        "compatible": (
            "cs.CL",
            "cs.CV",
            "cs.LG",
            "cs.AI",
            "cs.IR",
            "cs.SD",
            "cs.NE",
            "cs.MM",
            "cs.RO",
            "eess.AS",
            "eess.IV",
            "eess.SP",
            "stat.ML",
            "q-bio.",
            "physics.med-ph",
        ),
    },
    "reinforcement-learning": {
        "strict": (),
        "compatible": (
            "cs.LG",
            "cs.AI",
            "cs.RO",
            "cs.MA",
            "cs.GT",
            "cs.CL",
            "cs.CV",
            "cs.NE",
            "eess.SY",
            "math.OC",
            "stat.ML",
            "q-fin.",
        ),
    },
}


def tag_sets() -> dict[str, tuple[list[dict], list[set[str]]]]:
    arxiv = arxiv_slice(3000)
    labelled = labelled_rows()
    return {
        "arXiv categories, 3,000": (arxiv, [set(r.get("categories") or []) for r in arxiv]),
        f"labelled lists, {len(labelled):,}": (labelled, [set(r["labels"]) for r in labelled]),
    }


def vote_grid(rows: list[dict], labels: list[set[str]]) -> dict[tuple[float, float], tuple[float, float]]:
    """(share, similarity) -> (precision, coverage) of the vote on the hidden fifth."""
    papers = to_papers(rows)
    hidden = {p.id for i, p in enumerate(papers) if i % 5 == 0}
    papers = [
        p if p.id in hidden else replace(p, tags=tuple(sorted(labels[i]))) for i, p in enumerate(papers)
    ]
    position = {p.id: i for i, p in enumerate(papers)}
    found = tagging.vote_confidences(papers, hidden)
    grid = {}
    for share in SHARES:
        for similarity in SIMILARITIES:
            made = [(pid, tag) for pid, (tag, s, near) in found.items() if s >= share and near >= similarity]
            right = sum(tag in labels[position[pid]] for pid, tag in made)
            grid[(share, similarity)] = (right / len(made) if made else 1.0, len(made) / len(hidden))
    return grid


def suggest_grid(rows: list[dict], labels: list[set[str]]) -> dict[float, tuple[float, float, float]]:
    """threshold -> micro precision, recall and coverage (share of held-out papers given any
    suggestion) of `suggest`'s learned suggestions on the hidden fifth."""
    n = len(rows)
    features = TextFeatures.of(to_papers(rows))
    visible = [set() if i % 5 == 0 else labels[i] for i in range(n)]
    counts = Counter(tag for own in visible for tag in own)
    tags = sorted(tag for tag, c in counts.items() if c >= suggest.MIN_EXAMPLES)
    combined = suggest.combined_scores(features.matrix, visible, tags)
    test = [i for i in range(n) if i % 5 == 0]
    gold = [labels[i] & set(tags) for i in test]
    grid = {}
    for threshold in SUGGEST_THRESHOLDS:
        picked = [{t for t, _ in suggest.pick(combined, i, set(), threshold)} for i in test]
        tp = sum(len(p & g) for p, g in zip(picked, gold, strict=True))
        made = sum(len(p) for p in picked)
        wanted = sum(len(g) for g in gold)
        grid[threshold] = (
            tp / made if made else 1.0,
            tp / wanted if wanted else 0.0,
            sum(bool(p) for p in picked) / len(test),
        )
    return grid


def bench_thresholds() -> None:
    sets = tag_sets()
    votes, suggestions = {}, {}
    for name, (rows, labels) in sets.items():
        started = time.perf_counter()
        votes[name] = vote_grid(rows, labels)
        voted = time.perf_counter() - started
        suggestions[name] = suggest_grid(rows, labels)
        print(f"  {name}: vote {voted:.1f} s, suggest {time.perf_counter() - started - voted:.1f} s")
    print("automatic tags (vote of the 5 most similar tagged papers): precision / coverage")
    for key in votes[next(iter(votes))]:
        cells = "   ".join(f"{votes[n][key][0]:.2f} / {votes[n][key][1]:.2f}" for n in votes)
        mark = " <- chosen" if key == (tagging.VOTE_SHARE, tagging.MIN_SIMILARITY) else ""
        print(f"  share >= {key[0]:.1f}, nearest >= {key[1]:.1f}:   {cells}{mark}")
    print("suggest (classifier + neighbours' vote): precision / recall / coverage")
    for threshold in SUGGEST_THRESHOLDS:
        cells = "   ".join("{:.2f} / {:.2f} / {:.2f}".format(*suggestions[n][threshold]) for n in suggestions)
        mark = " <- chosen" if threshold == suggest.THRESHOLD else ""
        print(f"  score >= {threshold:.2f}:   {cells}{mark}")
    print(f"  (columns: {'; '.join(sets)})")


def init_review(papers: int = 2000) -> None:
    """A review made by `litreview init` with the first `papers` arXiv papers imported: how its
    papers were tagged, and how right the tags that a category can judge are."""
    from generator.errors import ProblemLog
    from generator.project import Project
    from generator.records.review import load_review

    rows = arxiv_slice(papers)
    with tempfile.TemporaryDirectory() as tmp:
        folder, source = Path(tmp) / "review", Path(tmp) / "arxiv.jsonl.gz"
        with gzip.open(source, "wt", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r) + "\n" for r in rows)
        run_python(["-m", "generator", "init", str(folder)], Path.cwd(), "init")
        started = time.perf_counter()
        run_python(["-m", "generator", "import", str(source), "-C", str(folder)], Path.cwd(), "import")
        seconds = time.perf_counter() - started
        review = load_review(Project.at(folder), ProblemLog())
    found = review.papers
    by_rule = tagging.rule_tags(found, review.taxonomy)
    ruled = [i for i, tags in enumerate(by_rule) if tags]
    voted = [i for i, p in enumerate(found) if p.tags and not by_rule[i]]
    n = len(found)
    print(f"review made by init, {n:,} papers imported in {seconds:.1f} s")
    print(f"  tagged automatically: {len(ruled) + len(voted):,} ({(len(ruled) + len(voted)) / n:.3f})")
    left = n - len(ruled) - len(voted)
    print(f"    by a match rule: {len(ruled):,}; by the vote: {len(voted):,}; left for the curator: {left:,}")
    print(f"  tags: {dict(Counter(t for p in found for t in p.tags).most_common())}")
    print("  the vote's tags, to read (no category says these starter tags):")
    for i in voted:
        print(f"    {', '.join(found[i].tags)}: {found[i].title[:90]}")
    # The vote on this review, judged by the rules: every fifth rule-tagged paper's tags hidden.
    hidden = {found[i].id for i in ruled[::5]}
    stripped = [replace(p, tags=()) if p.id in hidden else p for p in found]
    votes = tagging.vote_tags(stripped, hidden)
    right = sum(votes[p.id] in p.tags for p in found if p.id in votes)
    print(
        f"  vote on rule-tagged papers with their tags hidden: {len(votes)} of {len(hidden)} tagged, "
        f"precision {right / max(len(votes), 1):.3f}"
    )
    arxiv_of = {r["id"]: r.get("categories") or [] for r in rows}
    print("  automatic tags judged by the papers' arXiv categories (right / judged):")
    for how, indices in (("by rule", ruled), ("by vote", voted)):
        for tag, judge in CATEGORY_TAGS.items():
            judged = [arxiv_of.get(found[i].meta.arxiv_id or "", []) for i in indices if tag in found[i].tags]
            cells = []
            for kind, prefixes in judge.items():
                if prefixes:
                    right = sum(any(c.startswith(prefixes) for c in cats) for cats in judged)
                    cells.append(f"{kind} {right}/{len(judged)}")
            print(f"    {how}, {tag}: " + ", ".join(cells))
    every = [(i, t) for i in ruled + voted for t in found[i].tags if t in CATEGORY_TAGS]
    categories = [arxiv_of.get(found[i].meta.arxiv_id or "", []) for i, _ in every]
    right = sum(
        any(c.startswith(CATEGORY_TAGS[t]["compatible"]) for c in cats)
        for (_, t), cats in zip(every, categories, strict=True)
    )
    share = right / max(len(every), 1)
    print(f"    all automatic tags, compatible categories: {right}/{len(every)} = {share:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--init-review", action="store_true")
    args = parser.parse_args()
    if args.init_review:
        init_review()
    else:
        bench_thresholds()


if __name__ == "__main__":
    main()
