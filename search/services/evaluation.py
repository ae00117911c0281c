"""Evaluating search on a benchmark in BEIR layout, with the site's own ranking code.

The corpus goes into a temporary index that never touches the site's database or index;
queries run through the same parser and query builder as the site's search.
"""

from __future__ import annotations

import csv
import gzip
import json
import statistics
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import tantivy

from catalog.sources.base import SourceError
from search import lexical
from search.metrics import mrr_at, ndcg_at, recall_at
from search.query import QueryError, parse_query

MODES = ("lexical",)


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


def evaluate(
    folder: Path,
    *,
    split: str = "test",
    mode: str = "lexical",
    progress: Callable[[int], None] | None = None,
) -> Scores:
    """nDCG@10, recall@100 and MRR@10 over the judged queries of `split`."""
    if mode not in MODES:
        raise SourceError(f"mode {mode!r} is not available; use one of {', '.join(MODES)}")
    qrels = load_qrels(folder / "qrels" / f"{split}.tsv")
    queries = {q["_id"]: q["text"] for q in _lines(_find(folder, "queries.jsonl"))}
    with tempfile.TemporaryDirectory(prefix="paperboy-eval-") as tmp:
        index = tantivy.Index(lexical.build_schema(), path=tmp)
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        external_ids: list[str] = []
        for number, doc in enumerate(_lines(_find(folder, "corpus.jsonl"))):
            external_ids.append(str(doc["_id"]))
            writer.add_document(
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
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        ndcg, recall, mrr = [], [], []
        for query_id, relevant in qrels.items():
            ranked: list[str] = []
            if query_id in queries:
                try:
                    hits, _ = lexical.search(
                        parse_query(queries[query_id][:500]),
                        limit=100,
                        index=index,
                        snippets=False,
                    )
                    ranked = [external_ids[hit.paper_id] for hit in hits]
                except QueryError:
                    ranked = []
            ndcg.append(ndcg_at(ranked, relevant, 10))
            recall.append(recall_at(ranked, relevant, 100))
            mrr.append(mrr_at(ranked, relevant, 10))
            if progress:
                progress(1)
    return Scores(
        statistics.fmean(ndcg) if ndcg else 0.0,
        statistics.fmean(recall) if recall else 0.0,
        statistics.fmean(mrr) if mrr else 0.0,
        len(ndcg),
    )
