"""Nearest neighbours over the stored paper embeddings: an exact scan in memory.

Each process keeps a float16 matrix of every embedding (384 x 2 bytes a paper: 115 MB for
150k papers) and, at most every few seconds, appends the embeddings created since its last
look. An exact scan of 150k rows takes a few milliseconds on 2 cores; an approximate index
is for larger catalogues.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from search.embeddings import DIMENSIONS
from search.models import PaperEmbedding

CHECK_EVERY = 5.0
_lock = threading.Lock()
_state: dict[str, object] = {}


def _rows(rows) -> tuple[list[int], list[np.ndarray], object]:
    pks, vectors, latest = [], [], None
    for pk, vector, created in rows.iterator(chunk_size=5000):
        pks.append(pk)
        vectors.append(np.frombuffer(bytes(vector), dtype=np.float32))
        latest = created if latest is None or created > latest else latest
    return pks, vectors, latest


def _load() -> tuple[np.ndarray, np.ndarray | None]:
    """The id array and float16 matrix, appending embeddings created since the last look
    (a full reload when counts disagree, e.g. after deletions)."""
    with _lock:
        if not _state:
            _state.update(ids=np.zeros(0, dtype=np.int64), matrix=None, checked=0.0, latest=None)
        now = time.monotonic()
        if now - float(_state["checked"]) <= CHECK_EVERY:
            return _state["ids"], _state["matrix"]  # type: ignore[return-value]
        _state["checked"] = now
        columns = ("pk", "vector", "created")
        rows = PaperEmbedding.objects.order_by("created", "pk").values_list(*columns)
        if _state["latest"] is not None:
            pks, vectors, latest = _rows(rows.filter(created__gt=_state["latest"]))
            if pks:
                known = set(_state["ids"].tolist())
                fresh = [(pk, v) for pk, v in zip(pks, vectors, strict=True) if pk not in known]
                if fresh:
                    _state["ids"] = np.concatenate(
                        [_state["ids"], np.array([pk for pk, _ in fresh], dtype=np.int64)]
                    )
                    block = np.vstack([v for _, v in fresh]).astype(np.float16)
                    matrix = _state["matrix"]
                    _state["matrix"] = block if matrix is None else np.vstack([matrix, block])
                _state["latest"] = latest
        if PaperEmbedding.objects.count() != len(_state["ids"]):
            pks, vectors, latest = _rows(rows)
            _state["ids"] = np.array(pks, dtype=np.int64)
            _state["matrix"] = np.vstack(vectors).astype(np.float16) if vectors else None
            _state["latest"] = latest
        return _state["ids"], _state["matrix"]  # type: ignore[return-value]


def forget() -> None:
    """Drop the cached matrix (tests, or after a bulk change)."""
    with _lock:
        _state.clear()


def nearest(vector: np.ndarray, k: int = 100, exclude: int | None = None) -> list[int]:
    """Paper ids of the k stored embeddings closest to `vector` (cosine), best first."""
    ids, matrix = _load()
    if matrix is None or len(ids) == 0 or vector.shape != (DIMENSIONS,):
        return []
    scores = matrix @ vector.astype(np.float16)
    take = min(k + 1, len(ids))
    top = np.argpartition(-scores, take - 1)[:take]
    ranked = [int(ids[i]) for i in top[np.argsort(-scores[top].astype(np.float32))]]
    return [pk for pk in ranked if pk != exclude][:k]


def stored_vector(paper_id: int) -> np.ndarray | None:
    """A paper's own embedding, or None before it has one."""
    row = PaperEmbedding.objects.filter(paper_id=paper_id).values_list("vector", flat=True).first()
    return np.frombuffer(bytes(row), dtype=np.float32) if row is not None else None


def available() -> bool:
    ids, _ = _load()
    return len(ids) > 0
