"""Approximate nearest neighbours: an HNSW graph (usearch) in one file on disk.

The file is written once by a builder (to a temporary name, then renamed into place) and
memory-mapped read-only by every process that searches, so several web workers share one
copy in the page cache. Vectors are stored as float16 (768 bytes a paper): on 300k vectors
derived from real embeddings, int8 reached recall@10 0.90 and float16 0.95 at the same
speed (docs/decisions.md); `bench/search.py` measures recall with every latency.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from search.embeddings import DIMENSIONS

CONNECTIVITY = 16  # graph degree (HNSW's M)
EXPANSION_ADD = 64  # candidate list while building (efConstruction)
EXPANSION_SEARCH = 256  # candidate list while searching (ef): recall on real vectors, decisions.md
FILE_NAME = "vectors.usearch"


def _new_index():
    # ONNX Runtime crashes the process (segfault) when imported after usearch's native
    # library is loaded; loading it first avoids that whatever the order of use.
    import onnxruntime  # noqa: F401
    from usearch.index import Index

    return Index(
        ndim=DIMENSIONS,
        metric="cos",
        dtype="f16",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )


def build(
    path: Path, ids: np.ndarray, vectors: np.ndarray, *, extend: bool = False, threads: int = 0
) -> int:
    """Write an index of `vectors` keyed by `ids` to `path` (atomically); with `extend`, the
    index already there with `ids` added, or replaced where it held them already (a paper
    embedded again after its text changed). Returns its size."""
    return build_from(path, [(ids, vectors)], extend=extend, threads=threads)


def build_from(
    path: Path,
    chunks: Iterable[tuple[np.ndarray, np.ndarray]],
    *,
    extend: bool = False,
    threads: int = 0,
) -> int:
    """`build` from (ids, vectors) chunks, each added to the graph as it comes: the process
    holds the graph and one chunk, never every vector as float32 beside it (at 3M papers
    that was 4.6 GB twice over, and it pushed the database out of the page cache)."""
    index = _new_index()
    loaded = extend and path.exists()
    if loaded:
        index.load(str(path))
    for ids, vectors in chunks:
        if not len(ids):
            continue
        keys = ids.astype(np.uint64)
        if loaded:  # chunks come by key, each paper once: only the loaded index can hold one
            held = np.asarray(index.contains(keys), dtype=bool)
            if held.any():
                index.remove(keys[held])
        index.add(keys, np.asarray(vectors, dtype=np.float32), threads=threads)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    index.save(str(partial))
    partial.replace(path)  # readers holding the old file keep their mapping
    return len(index)


class Neighbours:
    """A read-only, memory-mapped view of a built index."""

    def __init__(self, path: Path) -> None:
        self.index = _new_index()
        self.index.view(str(path))
        self.index.expansion_search = EXPANSION_SEARCH

    def __len__(self) -> int:
        return len(self.index)

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Keys and cosine similarities of (about) the k nearest, best first."""
        if len(self.index) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        found = self.index.search(vector.astype(np.float32), min(k, len(self.index)))
        return found.keys.astype(np.int64), 1.0 - found.distances.astype(np.float32)
