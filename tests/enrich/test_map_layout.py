"""The map layout: large maps by landmarks, and papers that cannot be told apart."""

from __future__ import annotations

import numpy as np
import pytest

from generator.enrich import map_layout as maplayout
from generator.enrich.map_layout import layout


def test_a_large_map_places_papers_near_their_landmarks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maplayout, "LANDMARKS", 60)
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 20)) * 5
    vectors = np.vstack([c + rng.normal(size=(100, 20)) for c in centres])
    points = maplayout.layout(vectors)
    assert points.shape == (300, 2) and points.min() >= 0 and points.max() <= 1
    assert np.array_equal(points, maplayout.layout(vectors))
    # Papers of one cluster stay together: nearer their own cluster's centre than any other.
    means = np.array([points[k * 100 : (k + 1) * 100].mean(axis=0) for k in range(3)])
    own = np.linalg.norm(points - np.repeat(means, 100, axis=0), axis=1)
    others = np.min(
        [np.linalg.norm(points - means[k], axis=1) + np.repeat(np.arange(3) == k, 100) * 9 for k in range(3)],
        axis=0,
    )
    assert (own < others).mean() > 0.95


def test_map_layout_of_indistinguishable_papers() -> None:
    for vectors in (np.zeros((6, 2)), np.ones((6, 3)), np.ones((7, 1))):
        points = layout(vectors)
        assert points.shape == (len(vectors), 2) and np.isfinite(points).all()
