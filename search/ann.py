"""Approximate nearest neighbours: an inverted-file index (faiss IVF) in one file on disk.

The papers' vectors are split into lists by the nearest of a few thousand centroids (k-means
over a sample of them); a search compares the query with every centroid and scans the lists
of the `probes` nearest, exactly, in float16 (768 bytes a paper). Chosen over an HNSW graph
by measurement on real embeddings and corpora grown from them (docs/decisions.md,
2026-12-03): at 3M papers the graph needed 7.4 ms a search for recall@10 0.95; these lists
reach 0.959 in 4.0 ms, build in a sixth of the graph's time and release the GIL while they
search.

The file is written once by a builder (to a temporary name, then renamed into place) and
memory-mapped read-only by every process that searches, so several web workers share one
copy in the page cache. A new build trains its centroids on the embeddings it has;
extensions add papers to the lists as they are (a paper embedded again is replaced) until
the catalogue has outgrown them (`outgrown`), when the caller builds anew.
`bench/search.py` measures recall with every latency.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from search.embeddings import DIMENSIONS

# faiss logs at INFO which of its builds it loads, in every process that searches.
logging.getLogger("faiss.loader").setLevel(logging.WARNING)
# OpenMP's idle threads sleep at once instead of spinning, as libgomp does by default for a
# while after each parallel scan: spinning, they took the core the request's next steps and
# the next request's keyword side needed (a hybrid search at 1M papers: p50 19.8 ms with
# spinning threads against 16.3 sleeping; docs/decisions.md, 2026-12-03). Read when faiss
# loads libgomp, which it does only inside this module's functions; an operator's own value
# wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

FILE_NAME = "vectors.faiss"
EARLIER_FILE_NAMES = ("vectors.usearch",)  # removed by the first build of this format
STORED_AS = "f16"
TRAINING_PER_LIST = 64  # sample rows per centroid for k-means (faiss takes 39 to 256)
TRAINING_ROUNDS = 10
ADD_CHUNK = 100_000
# Lists scanned per search, whatever the size: the lists grow with the square root of the
# catalogue, and 128 of them gave recall@10 0.965 at 144k (1,024 lists), 0.963 at 1M (2,048)
# and 0.959 at 3M (4,096); 64 gave 0.926-0.938 (docs/benchmarks.md, "Vector recall on real
# embeddings").
PROBES = 128
SEED = 7


def lists_for(count: int) -> int:
    """How many lists (centroids) an index of `count` vectors gets: the power of two nearest
    2 * sqrt(count) (4,096 at 3M), halved until each list has 39 training rows (faiss's
    minimum). At 3M, 8,192 lists took 2.6 times as long to train for the same recall at
    equal search time (docs/benchmarks.md, "Inverted lists at 3M vectors")."""
    lists = 1 << max(0, round(math.log2(max(1.0, 2 * math.sqrt(count)))))
    while lists > 1 and count < 39 * lists:
        lists //= 2
    return lists


def probes_for(lists: int) -> int:
    """How many lists a search scans by default: PROBES, or every list of a small index."""
    return min(lists, PROBES)


def outgrown(path: Path, adding: int) -> bool:
    """Whether an index should be trained anew rather than extended by `adding` vectors: when
    its lists are fewer than half what its new size would get (each list scanned would hold
    over twice the rows its search time was measured with)."""
    import faiss

    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    return index.nlist * 2 < lists_for(index.ntotal + adding)


def _threads(threads: int) -> None:
    import faiss

    faiss.omp_set_num_threads(threads or os.cpu_count() or 1)


def _normalised(vectors: np.ndarray) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.ascontiguousarray(matrix / np.where(norms == 0, 1.0, norms))


def _rows(staged: np.ndarray) -> np.ndarray:
    """Staged rows (normalised when staged) as the float32 matrix faiss takes."""
    return np.ascontiguousarray(staged, dtype=np.float32)


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
    lists: int | None = None,
) -> int:
    """`build` from (ids, vectors) chunks. A new index stages the chunks in a float16 file
    beside `path` (the process never holds every vector as float32: at 3M papers that was
    4.6 GB), trains its centroids on a random sample of them, then fills its lists (by
    default `lists_for` their number; the benchmarks vary it)."""
    import faiss

    _threads(threads)
    path.parent.mkdir(parents=True, exist_ok=True)  # for the staging file and the index
    if extend and path.exists():
        index = faiss.read_index(str(path))
        for ids, vectors in chunks:
            if len(ids):
                keys = np.ascontiguousarray(ids, dtype=np.int64)
                index.remove_ids(faiss.IDSelectorBatch(keys))
                index.add_with_ids(_normalised(vectors), keys)
    else:
        index = _trained_and_filled(path, chunks, lists)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    faiss.write_index(index, str(partial))
    partial.replace(path)  # readers holding the old file keep their mapping
    return int(index.ntotal)


def _trained_and_filled(
    path: Path, chunks: Iterable[tuple[np.ndarray, np.ndarray]], lists: int | None
):
    staging = path.with_name(f".{path.name}.{os.getpid()}.staging")
    try:
        keys = _stage(staging, chunks)
        staged = (
            np.memmap(staging, dtype=np.float16, mode="r", shape=(len(keys), DIMENSIONS))
            if len(keys)
            else np.zeros((0, DIMENSIONS), dtype=np.float16)  # numpy maps no empty file
        )
        index = _trained(staged, lists or lists_for(len(staged)))
        for start in range(0, len(keys), ADD_CHUNK):
            end = start + ADD_CHUNK
            index.add_with_ids(_rows(staged[start:end]), keys[start:end])
        del staged
        return index
    finally:
        staging.unlink(missing_ok=True)


def _stage(staging: Path, chunks: Iterable[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Every chunk's vectors, normalised, appended to `staging` in float16; their keys."""
    keys = []
    with staging.open("wb") as out:
        for ids, vectors in chunks:
            if len(ids):
                out.write(_normalised(vectors).astype(np.float16).tobytes())
                keys.append(np.asarray(ids, dtype=np.int64))
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)


def _trained(staged: np.ndarray, lists: int):
    """An empty index whose `lists` centroids are k-means over a random sample of
    `staged`."""
    import faiss

    quantizer = faiss.IndexFlatIP(DIMENSIONS)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, DIMENSIONS, lists, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
    )
    index.by_residual = False  # float16 keeps each vector itself: no residuals to encode
    index.cp.niter = TRAINING_ROUNDS
    index.cp.seed = SEED
    index.cp.max_points_per_centroid = TRAINING_PER_LIST
    index.cp.min_points_per_centroid = 1  # lists_for keeps 39 a list; a tiny index gets one
    size = min(len(staged), lists * TRAINING_PER_LIST)
    rows = np.sort(np.random.default_rng(SEED).choice(len(staged), size, replace=False))
    index.train(_rows(staged[rows]) if size else np.zeros((1, DIMENSIONS), np.float32))
    return index


class Neighbours:
    """A read-only, memory-mapped view of a built index, searched in `probes` lists (by
    default `probes_for` its number of lists) on `threads` threads.

    With several threads one search scans its lists in parallel (faiss's parallel_mode 1;
    by default faiss parallelises over queries, and a site searches one at a time). At 1M
    vectors on 2 cores, 128 lists took 3.2 ms on two threads against 5.8 ms on one; inside a
    hybrid search on 2 cores that time came from the keyword side, so the site's default is
    one (docs/decisions.md, 2026-12-03). A search may ask for another team size: the
    semantic side does once its request's keyword side is done (search/queries.py)."""

    def __init__(self, path: Path, probes: int | None = None, threads: int = 1) -> None:
        import faiss

        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
        self.index = faiss.read_index(str(path), flags)
        self.index.nprobe = min(probes or probes_for(self.index.nlist), self.index.nlist)
        self.threads = max(1, threads)
        self.index.parallel_mode = 1  # one query's lists shared by the team, however large

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def probes(self) -> int:
        return int(self.index.nprobe)

    def search(
        self, vector: np.ndarray, k: int, threads: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Keys and cosine similarities of (about) the k nearest, best first, scanned on
        `threads` threads (by default the index's own number)."""
        if self.index.ntotal == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = _normalised(vector.reshape(1, DIMENSIONS))
        # OpenMP's team size is the calling thread's own setting: set before every search,
        # as searches run on whichever request or helper thread asks, with a team of their
        # own size. A team of one runs on the caller.
        _threads(threads or self.threads)
        similarities, keys = self.index.search(query, min(k, len(self)))
        found = keys[0] >= 0
        return keys[0][found].astype(np.int64), similarities[0][found].astype(np.float32)
