"""Approximate nearest neighbours: an HNSW graph (usearch) in one file on disk.

The file is written once by a builder (to a temporary name, then renamed into place) and
memory-mapped read-only by every process that searches, so several web workers share one
copy in the page cache. Vectors are stored in 16 bits (768 bytes a paper): bfloat16 where
the CPU multiplies it natively (AVX-512 BF16), float16 elsewhere. On the demo catalogue's
real embeddings both reach the same recall@10, and bfloat16 searches took 0.6-0.75 of the
time; int8 lost 5 points (docs/decisions.md, 2026-12-03). A file keeps the type it was built
with: readers and extensions follow the file, a rebuild picks the type anew.
`bench/search.py` measures recall with every latency.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import numpy as np

from search.embeddings import DIMENSIONS

CONNECTIVITY = 16  # graph degree (HNSW's M)
# Candidate list while building (efConstruction): 128 gave 3M papers 2-3 points more recall
# than 64 at the same search time, for a build about 1.8 times as long (decisions.md).
EXPANSION_ADD = 128
EXPANSION_SEARCH = 256  # candidate list while searching (ef) at the demo catalogue's size
# Larger graphs need a longer candidate list for the same recall: (up to this many vectors,
# ef). Measured on real embeddings and corpora grown from them (docs/benchmarks.md, "HNSW
# construction expansion at 144k / 3M vectors"): 0.955 at 144k with 256; 0.931 at 3M with
# 768 (3.4 ms a search), where 0.95 takes 1536 (7.4 ms), which the hybrid budget can't hold.
EXPANSIONS_BY_SIZE = ((300_000, EXPANSION_SEARCH), (1_500_000, 512), (None, 768))
FILE_NAME = "vectors.usearch"


# usearch's names for its kernels that multiply bfloat16 with AVX-512 BF16 instructions.
NATIVE_BF16 = frozenset({"genoa", "sapphire", "turin"})


@cache
def stored_type() -> str:
    """How a new index stores its vectors: "bf16" where usearch multiplies bfloat16 natively,
    "f16" elsewhere (where bfloat16 would be converted in software)."""
    import onnxruntime  # noqa: F401  (before usearch: see new_index)
    from usearch.index import Index

    probe = Index(ndim=DIMENSIONS, metric="cos", dtype="bf16")
    return "bf16" if probe.hardware_acceleration in NATIVE_BF16 else "f16"


def new_index(
    *,
    dtype: str | None = None,
    connectivity: int = CONNECTIVITY,
    expansion_add: int = EXPANSION_ADD,
):
    """An empty index with the site's settings (the benchmarks vary the graph's)."""
    # ONNX Runtime crashes the process (segfault) when imported after usearch's native
    # library is loaded; loading it first avoids that whatever the order of use.
    import onnxruntime  # noqa: F401
    from usearch.index import Index

    return Index(
        ndim=DIMENSIONS,
        metric="cos",
        dtype=dtype or stored_type(),
        connectivity=connectivity,
        expansion_add=expansion_add,
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
    index = new_index()
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


def expansion_for(count: int) -> int:
    """The search expansion (ef) for an index of `count` vectors."""
    for most, expansion in EXPANSIONS_BY_SIZE:
        if most is None or count <= most:
            return expansion
    raise AssertionError("the last size has no limit")


class Neighbours:
    """A read-only, memory-mapped view of a built index, searched with `expansion` (by
    default `expansion_for` its size)."""

    def __init__(self, path: Path, expansion: int | None = None) -> None:
        self.index = new_index()
        self.index.view(str(path))
        self.index.expansion_search = expansion or expansion_for(len(self.index))

    def __len__(self) -> int:
        return len(self.index)

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Keys and cosine similarities of (about) the k nearest, best first."""
        if len(self.index) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        found = self.index.search(vector.astype(np.float32), min(k, len(self.index)))
        return found.keys.astype(np.int64), 1.0 - found.distances.astype(np.float32)
