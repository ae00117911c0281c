"""Nearest neighbours over the stored paper embeddings.

Two parts, merged per query:
- the bulk, in an approximate (inverted-file) index on disk (search/ann.py), memory-mapped, built
  once PAPERBOY_VECTOR_INDEX_MIN embeddings exist and extended as more arrive;
- the tail, every embedding created since that index was last extended (all of them when
  there is none): a float32 matrix in memory, scanned exactly, appended to at most every few
  seconds. The tail stays below PAPERBOY_VECTOR_INDEX_MIN rows (20,000 by default: about
  30 MB and a few milliseconds a scan); numpy has no fast float16 product (600 ms for 144k
  rows here against 40 ms in float32), so the tail is kept in float32.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
from django.conf import settings

from search import replica
from search.embeddings import DIMENSIONS
from search.models import PaperEmbedding

logger = logging.getLogger("paperboy.search")

CHECK_EVERY = 5.0
# Embeddings are stamped when written but visible on commit; the tail looks back this far
# past the approximate index's watermark (papers in both are merged by id).
OVERLAP = dt.timedelta(minutes=2)
_lock = threading.Lock()
_state: dict[str, object] = {}


def _rows(rows) -> tuple[list[int], list[np.ndarray], object]:
    pks, vectors, latest = [], [], None
    for pk, vector, created in rows.iterator(chunk_size=5000):
        pks.append(pk)
        vectors.append(np.frombuffer(bytes(vector), dtype=np.float32))
        latest = created if latest is None or created > latest else latest
    return pks, vectors, latest


def bulk_path() -> Path:
    """This node's approximate index file (beside the keyword index's folders)."""
    from search import ann, lexical

    return lexical.index_path().parent / ann.FILE_NAME


def watermark_path() -> Path:
    """The approximate index's own watermark, beside its file (search/replica.py)."""
    path = bulk_path()
    return path.with_name(f"{path.name}.{replica.FILE_NAME}")


def _open_bulk(state: replica.Watermark | None):
    """The memory-mapped approximate index the watermark describes, if its file exists."""
    from search import ann

    if state is None:
        return None
    path = bulk_path()
    if not path.exists():
        return None
    try:
        return ann.Neighbours(
            path,
            probes=settings.PAPERBOY_VECTOR_PROBES or None,
            threads=settings.PAPERBOY_VECTOR_THREADS,
        )
    except (ValueError, RuntimeError, OSError):
        # Damaged (a disk fault; the builder renames only whole files): searched exactly
        # until `paperboy index vectors --rebuild` writes it again.
        logger.exception("the vector index %s cannot be read; scanning exactly", path)
        return None


def _load() -> tuple[np.ndarray, np.ndarray | None, object]:
    """The tail's ids and float32 matrix, and the approximate index (or None), refreshed at
    most every CHECK_EVERY seconds; a full reload of the tail when the approximate index
    changed or counts disagree (e.g. after deletions)."""
    with _lock:
        if not _state:
            _state.update(ids=np.zeros(0, dtype=np.int64), matrix=None, checked=0.0)
            _state.update(latest=None, bulk=None, bulk_version=None, bulk_count=0)
        now = time.monotonic()
        if now - float(_state["checked"]) <= CHECK_EVERY:
            return _state["ids"], _state["matrix"], _state["bulk"]  # type: ignore[return-value]
        _state["checked"] = now
        vectors_state = replica.read(watermark_path())
        version = (vectors_state, _modified(bulk_path())) if vectors_state else None
        if version != _state["bulk_version"]:
            _state["bulk"] = _open_bulk(vectors_state)
            _state["bulk_version"] = version
            _state["bulk_count"] = len(_state["bulk"]) if _state["bulk"] is not None else 0
            _state["latest"] = None
            _state["ids"], _state["matrix"] = np.zeros(0, dtype=np.int64), None
        columns = ("pk", "vector", "created")
        rows = PaperEmbedding.objects.all()
        if _state["bulk"] is not None and vectors_state and vectors_state.indexed_until:
            rows = made_since(vectors_state.indexed_until - OVERLAP)
        rows = rows.order_by("created", "pk").values_list(*columns)
        if _state["latest"] is not None:
            pks, vectors, latest = _rows(rows.filter(created__gt=_state["latest"]))
            if pks:
                position = {pk: i for i, pk in enumerate(_state["ids"].tolist())}
                fresh = []
                for pk, vector in zip(pks, vectors, strict=True):
                    if pk in position:  # embedded again (its text changed): replace it
                        _state["matrix"][position[pk]] = vector
                    else:
                        fresh.append((pk, vector))
                if fresh:
                    _state["ids"] = np.concatenate(
                        [_state["ids"], np.array([pk for pk, _ in fresh], dtype=np.int64)]
                    )
                    block = np.vstack([v for _, v in fresh])
                    matrix = _state["matrix"]
                    _state["matrix"] = block if matrix is None else np.vstack([matrix, block])
                _state["latest"] = latest
        if _state["latest"] is None or rows.count() != len(_state["ids"]):
            pks, vectors, latest = _rows(rows)
            _state["ids"] = np.array(pks, dtype=np.int64)
            _state["matrix"] = np.vstack(vectors) if vectors else None
            _state["latest"] = latest or dt.datetime.min.replace(tzinfo=dt.UTC)
        return _state["ids"], _state["matrix"], _state["bulk"]  # type: ignore[return-value]


def _modified(path: Path) -> float | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def made_since(moment: dt.datetime):
    """Embeddings created after `moment` (through the index on `created`)."""
    return PaperEmbedding.objects.filter(created__gt=moment)


def forget() -> None:
    """Drop the cached matrix and index (tests, or after a bulk change)."""
    with _lock:
        _state.clear()


class Loaded(NamedTuple):
    """What a search reads: the tail's ids and matrix, and the approximate index (or None).
    Taken by `loaded()` in a thread that may use the database; searched in any thread."""

    ids: np.ndarray
    matrix: np.ndarray | None
    bulk: object

    @property
    def available(self) -> bool:
        return len(self.ids) > 0 or (self.bulk is not None and len(self.bulk) > 0)


def loaded() -> Loaded:
    """The vectors as they stand (refreshed from the database at most every CHECK_EVERY
    seconds, in the calling thread)."""
    return Loaded(*_load())


def nearest(vector: np.ndarray, k: int = 100, exclude: int | None = None) -> list[int]:
    """Paper ids of the k stored embeddings closest to `vector` (cosine), best first."""
    return [pk for pk, _ in nearest_scored(vector, k=k, exclude=exclude)]


def nearest_scored(
    vector: np.ndarray,
    k: int = 100,
    exclude: int | None = None,
    vectors: Loaded | None = None,
    threads: int | None = None,
) -> list[tuple[int, float]]:
    """The k stored embeddings closest to `vector` as (paper id, cosine similarity), best
    first (the approximate index's similarity for its papers). With `vectors` (from
    `loaded()`), those are searched and the database is not touched, so any thread may call
    it; without, they are loaded here. `threads` scan the approximate index's lists (by
    default PAPERBOY_VECTOR_THREADS)."""
    ids, matrix, bulk = vectors if vectors is not None else _load()
    if vector.shape != (DIMENSIONS,):
        return []
    best: dict[int, float] = {}
    if bulk is not None:
        keys, similarities = bulk.search(vector, k + 1, threads=threads)
        best.update(zip(keys.tolist(), similarities.tolist(), strict=True))
    if matrix is not None and len(ids):
        scores = matrix @ vector.astype(np.float32)
        take = min(k + 1, len(ids))
        for i in np.argpartition(-scores, take - 1)[:take]:
            pk, score = int(ids[i]), float(scores[i])
            best[pk] = max(score, best.get(pk, -2.0))
    best.pop(exclude, None)  # type: ignore[arg-type]
    return sorted(best.items(), key=lambda item: -item[1])[:k]


def stored_vector(paper_id: int) -> np.ndarray | None:
    """A paper's own embedding, or None before it has one."""
    row = PaperEmbedding.objects.filter(paper_id=paper_id).values_list("vector", flat=True).first()
    return np.frombuffer(bytes(row), dtype=np.float32) if row is not None else None


def available() -> bool:
    return loaded().available
