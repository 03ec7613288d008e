"""A 2-D map of the review: papers placed by similarity (t-SNE of the related-papers vectors,
deterministic), coloured by the group of their first tag. Drawn in the browser by map.js."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from generator.model import Paper, Taxonomy

MAP_FILE = "map.json"
PCA_DIMS = 50


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
            reduced = PCA(PCA_DIMS, random_state=0, svd_solver="full").fit_transform(vectors)
        perplexity = float(min(30.0, max(2.0, (n - 1) / 3)))
        points = TSNE(
            2, perplexity=perplexity, init="pca", random_state=0, max_iter=750, n_jobs=1
        ).fit_transform(reduced.astype(np.float64))
    points = points - points.min(axis=0)
    span = points.max(axis=0)
    span[span == 0] = 1
    return np.round(points / span, 4)


def map_data(papers: Sequence[Paper], taxonomy: Taxonomy, vectors: np.ndarray) -> bytes:
    groups = list(taxonomy.groups)
    group_of = {tag.id: groups.index(tag.group) for tag in taxonomy.tags.values() if tag.group in groups}
    coordinates = layout(vectors)
    points = [
        [
            float(x),
            float(y),
            paper.id,
            paper.title,
            [t for t in paper.tags if t in taxonomy.tags],
            next((group_of[t] for t in paper.tags if t in group_of), -1),
        ]
        for paper, (x, y) in zip(papers, coordinates, strict=True)
    ]
    data = {
        "groups": [taxonomy.groups[g].label for g in groups],
        "tags": {t.id: t.label for t in taxonomy.tags.values()},
        "points": points,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
