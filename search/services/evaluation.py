"""Evaluating search on a benchmark in BEIR layout, with the site's own ranking code.

The corpus goes into a temporary index that never touches the site's database or index;
queries run through the same parser and query builder as the site's search.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import random
import statistics
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

from catalog.sources.base import SourceError
from search import lexical, ranking
from search import query as query_module
from search.embeddings import embedder, paper_text
from search.embeddings import query_vectors as embed_queries
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


@dataclass(frozen=True)
class Report:
    """Scores over every judged query, and apart for short and long ones (by ranking's
    treatment); with `cv`, the held-out figures and the profiles each fold chose."""

    scores: Scores
    by_treatment: dict[str, Scores]
    folds: list[dict[str, ranking.Profile]] = field(default_factory=list)
    chosen: dict[str, ranking.Profile] = field(default_factory=dict)
    ndcg: list[float] = field(default_factory=list)  # per judged query, in query-id order
    mrr: list[float] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = dict(self.scores.as_json())
        out["queries"] = self.scores.queries
        out["by_treatment"] = {
            name: {**scores.as_json(), "queries": scores.queries}
            for name, scores in self.by_treatment.items()
        }
        if self.folds:
            out["cv_folds"] = [
                {name: asdict(profile) for name, profile in fold.items()} for fold in self.folds
            ]
            out["chosen"] = {name: asdict(profile) for name, profile in self.chosen.items()}
        return out


@dataclass
class Evidence:
    """What both sides returned for one judged query; keyword hits per title weight."""

    query_id: str
    relevant: dict[str, int]
    treatment: str
    keyword: dict[float, list[tuple[int, float]]] = field(default_factory=dict)
    semantic: list[tuple[int, float]] = field(default_factory=list)


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


def build_index(folder: Path, corpus: list[dict]) -> lexical.Shards:
    """A temporary keyword index over a BEIR corpus (paper ids are corpus positions)."""
    # Split into shards the way the site's index is, so the BM25 statistics match.
    index = lexical.open_for_writing(folder)
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
    return index


def _keyword_hits(index: lexical.Shards, text: str, title_boost: float) -> list[tuple[int, float]]:
    try:
        query = parse_query(ranking_text(text))
    except QueryError:
        return []
    hits, _ = lexical.search(query, limit=DEPTH, index=index, count=False, title_boost=title_boost)
    return [(hit.paper_id, hit.score) for hit in hits]


def ranking_text(text: str) -> str:
    """A benchmark query as the site would run it: a long text is cut to the words the
    keyword side takes (the semantic side embeds it whole)."""
    words = text.split()
    return " ".join(words[: query_module.MAX_CLAUSES])[: query_module.MAX_LENGTH]


def _semantic_hits(vectors: np.ndarray, query_vector: np.ndarray) -> list[tuple[int, float]]:
    scores = vectors @ query_vector
    top = np.argpartition(-scores, min(DEPTH, len(scores) - 1))[:DEPTH]
    return [(int(i), float(scores[i])) for i in top[np.argsort(-scores[top])]]


def collect(
    folder: Path,
    *,
    split: str,
    mode: str,
    title_boosts: tuple[float, ...],
    progress: Callable[[int], None] | None = None,
) -> tuple[list[str], list[Evidence]]:
    """Run every judged query of `split` through both sides once (keyword side once per
    title weight), so that rankings can then be fused many ways."""
    qrels = load_qrels(folder / "qrels" / f"{split}.tsv")
    queries = {q["_id"]: q["text"] for q in _lines(_find(folder, "queries.jsonl"))}
    corpus_path = _find(folder, "corpus.jsonl")
    corpus = list(_lines(corpus_path))
    external_ids = [str(doc["_id"]) for doc in corpus]
    vectors = _corpus_vectors(corpus_path, corpus) if mode != "lexical" else None
    judged = sorted(qrels.items())
    texts = [queries.get(query_id, "") for query_id, _ in judged]
    evidence = [
        Evidence(query_id, relevant, ranking.treatment(len(text.split())))
        for (query_id, relevant), text in zip(judged, texts, strict=True)
    ]
    documents = [item.treatment == "document" for item in evidence]
    query_vectors = embed_queries(texts, documents=documents) if vectors is not None else None
    with tempfile.TemporaryDirectory(prefix="paperboy-eval-") as tmp:
        index = build_index(Path(tmp), corpus)
        for position, text in enumerate(texts):
            item = evidence[position]
            if mode != "dense" and text:
                for boost in title_boosts:
                    item.keyword[boost] = _keyword_hits(index, text, boost)
            if query_vectors is not None and text:
                item.semantic = _semantic_hits(vectors, query_vectors[position])
            if progress:
                progress(1)
    return external_ids, evidence


def _ranked(item: Evidence, mode: str, profile: ranking.Profile) -> list[int]:
    keyword = item.keyword.get(profile.title_boost, [])
    if mode == "lexical":
        return [pk for pk, _ in keyword]
    if mode == "dense":
        return [pk for pk, _ in item.semantic]
    return [entry.paper_id for entry in ranking.fuse_with(profile, keyword, item.semantic)]


def _score(
    names: list[str], items: list[tuple[Evidence, list[int]]]
) -> tuple[list[float], list[float], list[float]]:
    ndcg, recall, mrr = [], [], []
    for item, ranked in items:
        found = [names[i] for i in ranked]
        ndcg.append(ndcg_at(found, item.relevant, 10))
        recall.append(recall_at(found, item.relevant, 100))
        mrr.append(mrr_at(found, item.relevant, 10))
    return ndcg, recall, mrr


def _scores(names: list[str], items: list[tuple[Evidence, list[int]]]) -> Scores:
    ndcg, recall, mrr = _score(names, items)
    mean = statistics.fmean
    return Scores(
        mean(ndcg) if ndcg else 0.0,
        mean(recall) if recall else 0.0,
        mean(mrr) if mrr else 0.0,
        len(ndcg),
    )


def _report(names: list[str], items: list[tuple[Evidence, list[int]]], **extra: object) -> Report:
    by_treatment = {
        name: _scores(names, [pair for pair in items if pair[0].treatment == name])
        for name in ranking.TREATMENTS
        if any(pair[0].treatment == name for pair in items)
    }
    ndcg, _, mrr = _score(names, sorted(items, key=lambda pair: pair[0].query_id))
    return Report(_scores(names, items), by_treatment, ndcg=ndcg, mrr=mrr, **extra)  # type: ignore[arg-type]


def evaluate(
    folder: Path,
    *,
    split: str = "test",
    mode: str = "hybrid",
    progress: Callable[[int], None] | None = None,
    profiles: dict[str, ranking.Profile] | None = None,
) -> Report:
    """nDCG@10, recall@100 and MRR@10 over the judged queries of `split`, each query
    ranked with the profile of its treatment (the site's, unless `profiles` is given)."""
    if mode not in MODES:
        raise SourceError(f"mode {mode!r} is not available; use one of {', '.join(MODES)}")
    profiles = profiles or ranking.PROFILES
    boosts = tuple(sorted({profile.title_boost for profile in profiles.values()}))
    names, evidence = collect(
        folder, split=split, mode=mode, title_boosts=boosts, progress=progress
    )
    items = [(item, _ranked(item, mode, profiles[item.treatment])) for item in evidence]
    return _report(names, items)


SEMANTIC_WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
TITLE_BOOSTS = (0.25, 0.5, 0.8, 1.25)
# Short queries are mostly typed keywords and titles. On those (bench/typed_queries.py)
# titles weigh most and a semantic weight above 0.6 ranks worse than reciprocal-rank fusion
# did, so for short queries only the semantic weight is tuned on claims, up to 0.6.
GRID = {
    "short": [
        ranking.Profile(weight, ranking.PROFILES["short"].title_boost, fusion)
        for fusion in ("ranks", "scores")
        for weight in SEMANTIC_WEIGHTS[:4]
    ],
    "long": [
        ranking.Profile(weight, boost, fusion)
        for fusion in ("scores", "ranks")
        for weight in SEMANTIC_WEIGHTS
        for boost in TITLE_BOOSTS
    ],
}


def _best_profile(
    names: list[str], items: list[Evidence], mode: str, treatment: str
) -> ranking.Profile:
    """The grid's profile with the best mean nDCG@10 on these queries (ties: the first)."""
    best, best_score = None, -1.0
    grid = GRID[treatment]
    if mode != "hybrid":  # keyword alone: only the title weight matters
        grid = list({ranking.Profile(0.0, p.title_boost): None for p in grid})
    for profile in grid:
        ndcg, _, _ = _score(names, [(item, _ranked(item, mode, profile)) for item in items])
        score = statistics.fmean(ndcg) if ndcg else 0.0
        if score > best_score + 1e-9:
            best, best_score = profile, score
    assert best is not None
    return best


def cross_validate(
    folder: Path,
    *,
    split: str = "train",
    mode: str = "hybrid",
    folds: int = 5,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """k-fold cross-validation of the ranking profiles: for each fold, each treatment's
    profile is chosen on the other folds' queries of that treatment (a grid over the
    semantic weight, and for long queries the title weight) and scored on the held-out
    ones. The scores are
    the held-out figures over all queries; `chosen` is what the whole split would pick."""
    if mode not in ("lexical", "hybrid"):
        raise SourceError("cross-validation tunes the lexical or hybrid ranking")
    if folds < 2:
        raise SourceError("cross-validation needs at least 2 folds")
    names, evidence = collect(
        folder, split=split, mode=mode, title_boosts=TITLE_BOOSTS, progress=progress
    )
    order = list(range(len(evidence)))
    random.Random(0).shuffle(order)
    fold_of = {position: number % folds for number, position in enumerate(order)}
    held_out: list[tuple[Evidence, list[int]]] = []
    chosen_per_fold = []
    for fold in range(folds):
        chosen = {}
        for name in ("short", "long"):
            train = [
                item
                for position, item in enumerate(evidence)
                if fold_of[position] != fold and item.treatment == name
            ]
            chosen[name] = (
                _best_profile(names, train, mode, name) if train else ranking.PROFILES[name]
            )
        chosen_per_fold.append(chosen)
        for position, item in enumerate(evidence):
            if fold_of[position] == fold:
                profile = chosen.get(item.treatment, ranking.PROFILES[item.treatment])
                held_out.append((item, _ranked(item, mode, profile)))
    whole = {
        name: _best_profile(
            names,
            [item for item in evidence if item.treatment == name],
            mode,
            name,
        )
        for name in ("short", "long")
        if any(item.treatment == name for item in evidence)
    }
    return _report(names, held_out, folds=chosen_per_fold, chosen=whole)
