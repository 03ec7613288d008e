"""The optional embeddings: cached by content hash, rebuilt when missing, stale or corrupt.

The real model needs `litreview[embeddings]` (PyTorch); these tests use a stand-in encoder so the
caching and the wiring are tested everywhere. bench/quality measures the real model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.enrich.embeddings import cached_embeddings, embedding_vectors
from generator.enrich.related import related_papers
from generator.model import Paper
from tests.conftest import synthetic_abstract


class CountingEncoder:
    def __init__(self, dims: int = 8):
        self.dims = dims
        self.calls: list[int] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return np.array([np.random.RandomState(len(t)).rand(self.dims) for t in texts], dtype=np.float32)


def test_only_new_or_changed_texts_are_embedded(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "e.npz"
    texts = [synthetic_abstract(i) for i in range(6)]
    encode = CountingEncoder()
    first, embedded = cached_embeddings(texts, cache, encode)
    assert embedded == 6 and cache.is_file()
    again, embedded = cached_embeddings(texts, cache, encode)
    assert embedded == 0 and np.array_equal(first, again)
    changed = [*texts[:5], texts[5] + " Revised."]
    _, embedded = cached_embeddings(changed, cache, encode)
    assert embedded == 1
    assert encode.calls == [6, 1]
    assert np.allclose(np.linalg.norm(again, axis=1), 1.0)


@pytest.mark.parametrize("damage", [b"", b"not a numpy file", b"PK\x03\x04broken zip"])
def test_a_corrupt_cache_is_rebuilt_not_trusted(tmp_path: Path, damage: bytes) -> None:
    cache = tmp_path / "e.npz"
    texts = [synthetic_abstract(i) for i in range(3)]
    cache.write_bytes(damage)
    encode = CountingEncoder()
    vectors, embedded = cached_embeddings(texts, cache, encode)
    assert embedded == 3 and vectors.shape == (3, 8)
    assert cached_embeddings(texts, cache, encode)[1] == 0


def test_a_cache_from_another_model_is_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "e.npz"
    texts = [synthetic_abstract(i) for i in range(3)]
    cached_embeddings(texts, cache, CountingEncoder(dims=8))
    other = CountingEncoder(dims=12)
    vectors, _ = cached_embeddings([*texts, synthetic_abstract(9)], cache, other)
    assert vectors.shape == (4, 12) and other.calls[-1] == 4


def test_embedding_vectors_feed_related_papers(tmp_path: Path) -> None:
    papers = [
        Paper(id=f"p{i}", title=f"Paper {i}", abstract=synthetic_abstract(i), tags=(), fingerprint="")
        for i in range(12)
    ]
    vectors = embedding_vectors(papers, tmp_path, CountingEncoder())
    assert vectors.shape[0] == 12
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    related = related_papers(papers, vectors=vectors)
    assert all(len(r) == 5 for r in related.values())


def test_an_unknown_related_method_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "r"
    CliRunner().invoke(cli, ["init", str(root)])
    mkdocs = root / "mkdocs.yml"
    text = mkdocs.read_text().replace("    search: auto\n", "    search: auto\n    related: magic\n")
    mkdocs.write_text(text)
    result = CliRunner().invoke(cli, ["build", "-C", str(root)])
    assert result.exit_code == 1
    assert "extra.litreview.related is 'magic'; use one of: lsa, embeddings" in result.output
