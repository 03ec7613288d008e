"""A 2-D map of the review: papers placed by similarity (t-SNE of the related-papers vectors,
deterministic), coloured by the group of their first tag. Drawn in the browser by map.js."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from generator.encoding import compact_json
from generator.model import Paper, Taxonomy

MAP_FILE = "map.json"
PCA_DIMS = 50
# Above this many papers t-SNE lays out an even sample of them (landmarks) and every other paper
# goes near the landmarks it is most similar to: t-SNE of every paper of a large review is slow.
LANDMARKS = 3000
PLACED_BY = 5


def layout(vectors: np.ndarray) -> np.ndarray:
    """Coordinates in [0, 1] x [0, 1] for each row, the same for the same input."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2))
    spread = float(np.ptp(vectors, axis=0).max()) if vectors.size else 0.0
    if n < 5 or vectors.shape[1] < 2 or spread < 1e-9:
        # Too few papers, or nothing tells them apart (t-SNE would fail or even crash): a circle.
        points = np.array([[np.cos(a), np.sin(a)] for a in np.linspace(0, 2 * np.pi, n, endpoint=False)])
    else:
        reduced = vectors
        if vectors.shape[1] > PCA_DIMS and n > PCA_DIMS:
            from sklearn.decomposition import PCA

            solver = "full" if n <= LANDMARKS else "randomized"
            reduced = PCA(PCA_DIMS, random_state=0, svd_solver=solver).fit_transform(vectors)
        if n <= LANDMARKS:
            points = _tsne(reduced)
        else:
            landmarks = np.unique(np.linspace(0, n - 1, LANDMARKS).round().astype(np.int64))
            points = _place_near(reduced, landmarks, _tsne(reduced[landmarks]))
    points = points - points.min(axis=0)
    span = points.max(axis=0)
    span[span == 0] = 1
    return np.round(points / span, 4)


def _tsne(rows: np.ndarray) -> np.ndarray:
    from sklearn.manifold import TSNE

    perplexity = float(min(30.0, max(2.0, (len(rows) - 1) / 3)))
    return TSNE(2, perplexity=perplexity, init="pca", random_state=0, max_iter=750, n_jobs=1).fit_transform(
        rows.astype(np.float64)
    )


def _place_near(rows: np.ndarray, landmarks: np.ndarray, placed: np.ndarray) -> np.ndarray:
    """Every row at the similarity-weighted mean of its most similar landmarks' positions."""
    unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    points = np.zeros((len(rows), 2))
    for start in range(0, len(rows), 2048):
        similar = unit[start : start + 2048] @ unit[landmarks].T
        nearest = np.argsort(-similar, axis=1, kind="stable")[:, :PLACED_BY]
        weights = np.maximum(np.take_along_axis(similar, nearest, 1), 0) ** 4 + 1e-9
        weights /= weights.sum(axis=1, keepdims=True)
        points[start : start + 2048] = np.einsum("rk,rkd->rd", weights, placed[nearest])
    points[landmarks] = placed
    return points


def map_data(papers: Sequence[Paper], taxonomy: Taxonomy, coordinates: np.ndarray) -> bytes:
    """map.json: each paper at its `layout` coordinates, with its title and tags."""
    groups = list(taxonomy.groups)
    group_of = {tag.id: groups.index(tag.group) for tag in taxonomy.tags.values() if tag.group in groups}
    points = [
        [
            float(x),
            float(y),
            paper.id,
            paper.title,
            [t for t in paper.tags if t in taxonomy.tags],
            next((group_of[t] for t in paper.tags if t in group_of), -1),
        ]
        # As Python floats: unpacking NumPy rows one by one is slow in a large review.
        for paper, (x, y) in zip(papers, np.asarray(coordinates, dtype=np.float64).tolist(), strict=True)
    ]
    data = {
        "groups": [taxonomy.groups[g].label for g in groups],
        "tags": {t.id: t.label for t in taxonomy.tags.values()},
        "points": points,
    }
    return compact_json(data).encode("utf-8")
