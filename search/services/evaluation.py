"""Evaluating search on a benchmark in BEIR layout, with the site's own ranking code.

The corpus goes into a temporary index that never touches the site's database or index;
queries run through the same parser and query builder as the site's search.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import statistics
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from catalog.sources.base import SourceError
from search import lexical
from search.embeddings import embedder, paper_text
from search.fusion import reciprocal_rank_fusion
from search.metrics import mrr_at, ndcg_at, recall_at
from search.query import QueryError, parse_query
from search.services.indexing import shard_writers

MODES = ("lexical", "dense", "hybrid")
DEPTH = 100  # candidates each side contributes to fusion


@dataclass(frozen=True)
class Scores:
    ndcg_at_10: float
    recall_at_100: float
    mrr_at_10: float
    queries: int

    def as_json(self) -> dict[str, float]:
        return {
            "ndcg@10": round(self.ndcg_at_10, 4),
            "recall@100": round(self.recall_at_100, 4),
            "mrr@10": round(self.mrr_at_10, 4),
        }


def _lines(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as error:
                    raise SourceError(f"{path}:{number}: not valid JSON ({error})") from None


def _find(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.exists():
            return candidate
    raise SourceError(f"{folder}: no {name} or {name}.gz (expected BEIR layout)")


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    if not path.exists():
        raise SourceError(f"{path}: no such judgements file")
    judged: dict[str, dict[str, int]] = {}
    with path.open(newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        for row in rows:
            if len(row) < 3 or row[0] == "query-id":
                continue
            judged.setdefault(row[0], {})[row[1]] = int(row[2])
    return judged


def _corpus_vectors(path: Path, corpus: list[dict]) -> np.ndarray:
    """Corpus embeddings, cached on disk by file content and model so tuning runs are fast."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    cache = Path(settings.DATA_DIR) / "eval-cache" / f"{digest}-{embedder().model_id}.npy"
    if cache.exists():
        vectors = np.load(cache)
        if len(vectors) == len(corpus):
            return vectors
    texts = [paper_text(doc.get("title") or "", doc.get("text") or "") for doc in corpus]
    vectors = embedder().embed(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def evaluate(
    folder: Path,
    *,
    split: str = "test",
    mode: str = "hybrid",
    progress: Callable[[int], None] | None = None,
) -> Scores:
    """nDCG@10, recall@100 and MRR@10 over the judged queries of `split`."""
    if mode not in MODES:
        raise SourceError(f"mode {mode!r} is not available; use one of {', '.join(MODES)}")
    qrels = load_qrels(folder / "qrels" / f"{split}.tsv")
    queries = {q["_id"]: q["text"] for q in _lines(_find(folder, "queries.jsonl"))}
    corpus_path = _find(folder, "corpus.jsonl")
    corpus = list(_lines(corpus_path))
    external_ids = [str(doc["_id"]) for doc in corpus]
    vectors = _corpus_vectors(corpus_path, corpus) if mode != "lexical" else None
    ndcg, recall, mrr = [], [], []
    with tempfile.TemporaryDirectory(prefix="paperboy-eval-") as tmp:
        # Split into shards the way the site's index is, so the BM25 statistics match.
        index = lexical.open_for_writing(Path(tmp))
        writers = shard_writers(index)
        for number, doc in enumerate(corpus):
            writers[index.shard_number(number)].add_document(
                lexical.make_document(
                    paper_id=number,
                    arxiv_id=str(doc["_id"]),
                    title=doc.get("title") or "",
                    abstract=doc.get("text") or "",
                    authors=[],
                    categories=[],
                    day=0,
                    has_code=False,
                )
            )
        for writer in writers:
            writer.commit()
            writer.wait_merging_threads()
        index.reload()
        judged = [(qid, rel) for qid, rel in qrels.items()]
        query_vectors = (
            embedder().embed([queries.get(qid, "") for qid, _ in judged])
            if vectors is not None
            else None
        )
        for position, (query_id, relevant) in enumerate(judged):
            ranked_lexical: list[int] = []
            if mode != "dense" and query_id in queries:
                try:
                    hits, _ = lexical.search(
                        parse_query(queries[query_id][:500]),
                        limit=DEPTH,
                        index=index,
                        count=False,
                    )
                    ranked_lexical = [hit.paper_id for hit in hits]
                except QueryError:
                    ranked_lexical = []
            ranked_dense: list[int] = []
            if query_vectors is not None and query_id in queries:
                scores = vectors @ query_vectors[position]
                top = np.argpartition(-scores, min(DEPTH, len(scores) - 1))[:DEPTH]
                ranked_dense = [int(i) for i in top[np.argsort(-scores[top])]]
            if mode == "lexical":
                ranked = ranked_lexical
            elif mode == "dense":
                ranked = ranked_dense
            else:
                ranked = reciprocal_rank_fusion(
                    [ranked_lexical, ranked_dense],
                    k=settings.PAPERBOY_FUSION_K,
                    weights=[1.0, settings.PAPERBOY_FUSION_DENSE_WEIGHT],
                )
            names = [external_ids[i] for i in ranked]
            ndcg.append(ndcg_at(names, relevant, 10))
            recall.append(recall_at(names, relevant, 100))
            mrr.append(mrr_at(names, relevant, 10))
            if progress:
                progress(1)
    return Scores(
        statistics.fmean(ndcg) if ndcg else 0.0,
        statistics.fmean(recall) if recall else 0.0,
        statistics.fmean(mrr) if mrr else 0.0,
        len(ndcg),
    )
