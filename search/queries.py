"""Searching papers: the query language over the keyword index, with papers loaded."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
from django.conf import settings

from catalog.models import Paper
from catalog.queries import cards_in_bulk, normalised_title, papers_with_details
from search import dense, lexical, ranking
from search.embeddings import EmbeddingsUnavailable, query_vectors
from search.model_files import ModelFileMismatch
from search.query import ParsedQuery, parse_query

MAX_LIMIT = 100
MAX_OFFSET = 1000
POPULAR_POOL = 500  # sort:upvotes orders this many best matches by their votes
DEPTH = 100  # candidates each side contributes to fusion
QUERY_VECTORS_KEPT = 1024  # per process, 1.5 kB each

logger = logging.getLogger("paperboy.search")


@dataclass
class SearchResult:
    paper: Paper
    score: float
    snippet: str
    pinned: bool = False  # the query named this paper by id
    evidence: ranking.Ranked | None = None  # keyword, semantic and fused scores
    explained: dict[str, object] | None = None  # explanation(), when a reader asks


@dataclass
class SearchPage:
    query: ParsedQuery
    results: list[SearchResult] = field(default_factory=list)
    total: int = 0
    took_ms: float = 0.0
    mode: str = "keyword"  # keyword, hybrid, or document (a pasted text found by meaning)
    treatment: str = "short"  # search/ranking.py: short, long or document

    @property
    def profile(self) -> ranking.Profile:
        return ranking.PROFILES[self.treatment]


@cache
def _helper() -> ThreadPoolExecutor:
    # Made on first use, so each web worker process gets its own after forking; one thread
    # per request thread, so that no hybrid search waits for another's semantic side.
    workers = max(2, settings.PAPERBOY_SERVE_THREADS)
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="semantic-side")


@lru_cache(maxsize=QUERY_VECTORS_KEPT)
def _cached_query_vector(text: str, document: bool) -> np.ndarray:
    """A query's embedding, kept for the next page of the same query (or the next reader
    of a popular one): 2-3 ms of ONNX Runtime for a typed query (the int8 query model), more
    for a pasted document (the papers' own model, like compared with like). Read-only, as it
    is shared. A failure raises and so is never kept: the next query tries the model again."""
    vector = query_vectors([text], documents=[document])[0]
    vector.setflags(write=False)
    return vector


def _query_vector(text: str, document: bool) -> np.ndarray | None:
    try:
        return _cached_query_vector(text, document)
    except EmbeddingsUnavailable:
        return None
    except ModelFileMismatch:
        logger.exception("semantic search is off: a model file failed its check")
        return None


Semantic = list[tuple[int, float]]  # (paper id, cosine similarity), best first


def _semantic_side(
    text: str,
    depth: int,
    vectors: dense.Loaded,
    document: bool = False,
    keyword_done: threading.Event | None = None,
) -> Semantic | None:
    """The query's `depth` nearest papers, or None without a query vector. Runs on a helper
    thread while tantivy searches, so the vector search is off the request's path too (ONNX
    Runtime, tantivy and faiss release the GIL). `vectors` were taken in the request's
    thread, so this thread never opens a database connection.

    The request's thread only waits once its keyword side is done (`keyword_done`), so
    from then on the vector search may scan on the cores that thread and tantivy's left
    idle: `_spare_threads`."""
    vector = _query_vector(text, document)
    if vector is None:
        return None
    threads = _spare_threads() if keyword_done is not None and keyword_done.is_set() else None
    return dense.nearest_scored(vector, k=depth, vectors=vectors, threads=threads)


_searching = 0  # searches ranking in this process now
_searching_lock = threading.Lock()


@contextmanager
def _counted() -> Iterator[None]:
    global _searching
    with _searching_lock:
        _searching += 1
    try:
        yield
    finally:
        with _searching_lock:
            _searching -= 1


def _spare_threads() -> int | None:
    """Threads for a vector search whose request has nothing else left to run beside it:
    PAPERBOY_VECTOR_SPARE_THREADS while no other search of this process is in progress
    (a busy server's cores are taken by the other requests), else the default."""
    return settings.PAPERBOY_VECTOR_SPARE_THREADS if _searching <= 1 else None


def _fuse(
    query: ParsedQuery,
    keyword: list[tuple[int, float]],
    semantic: Semantic | None,
    profile: ranking.Profile,
) -> list[ranking.Ranked] | None:
    """Keyword and semantic hits fused by search/ranking.py; None without semantic hits.
    Semantic hits get the query's filters applied through the keyword index."""
    if semantic is None:
        return None
    allowed = lexical.passing_filters(query, [pk for pk, _ in semantic])
    semantic = [(pk, score) for pk, score in semantic if pk in allowed]
    if query.document:
        return ranking.semantic_only(semantic)
    return ranking.fuse_with(profile, keyword, semantic)


def similar_papers(paper: Paper, limit: int = 5) -> list[Paper]:
    """The papers whose embeddings are closest to this one's (none until it is embedded)."""
    vector = dense.stored_vector(paper.pk)
    if vector is None:
        return []
    ids = dense.nearest(vector, k=limit, exclude=paper.pk)
    papers = papers_with_details().filter(hidden=False, withdrawn=False).in_bulk(ids)
    return [papers[pk] for pk in ids if pk in papers]


def search_papers(
    text: str,
    *,
    limit: int = 20,
    offset: int = 0,
    popularity: Callable[[list[int]], dict[int, int]] | None = None,
    semantic: bool = True,
) -> SearchPage:
    """Run a query (QueryError when it cannot run; IndexUnavailable without an index).

    `popularity` gives upvote counts by paper id; with it, `sort:upvotes` orders the best
    POPULAR_POOL matches by votes (search knows nothing of votes itself). Without
    `semantic`, only the keyword index ranks.
    """
    started = time.perf_counter()
    query = parse_query(text)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, min(offset, MAX_OFFSET))
    page = SearchPage(query=query)
    pinned = (
        list(papers_with_details().filter(arxiv_id__in=query.arxiv_ids))
        if query.arxiv_ids and offset == 0
        else []
    )
    if query.has_text or query.categories or query.after or query.before or query.has_code:
        with _counted():
            _rank_into(page, query, limit, offset, popularity, semantic, {p.pk for p in pinned})
    page.results = [SearchResult(p, 0.0, "", pinned=True) for p in pinned] + page.results
    page.total = max(page.total, len(page.results))
    page.took_ms = (time.perf_counter() - started) * 1000
    return page


def explanation(page: SearchPage, result: SearchResult) -> dict[str, object] | None:
    """Why a hit ranked where it did: its keyword (BM25) score and rank, its semantic
    similarity and rank, and the fused score the profile's weight made of them."""
    evidence = result.evidence
    if evidence is None:  # named by id: pinned first
        return None
    weight = page.profile.semantic_weight if page.mode != "keyword" else 0.0
    return {
        "fused": round(evidence.fused, 4),
        "keyword": None if evidence.keyword is None else round(evidence.keyword, 4),
        "keyword_rank": evidence.keyword_rank,
        "semantic": None if evidence.semantic is None else round(evidence.semantic, 4),
        "semantic_rank": evidence.semantic_rank,
        "semantic_weight": weight,
        "fusion": page.profile.fusion if page.mode == "hybrid" else "none",
        "known_item": evidence.known_item,
        "treatment": page.treatment,
    }


def _rank_into(
    page: SearchPage,
    query: ParsedQuery,
    limit: int,
    offset: int,
    popularity: Callable[[list[int]], dict[int, int]] | None,
    semantic: bool,
    pinned: set[int],
) -> None:
    """Rank the query's matches (ranking.py's profile for its treatment) into `page`."""
    page.treatment = ranking.treatment(query.word_count)
    profile = page.profile
    document = bool(query.document)
    by_votes = query.sort == "upvotes" and popularity is not None
    vectors = dense.loaded() if semantic and query.sort != "newest" and query.text else None
    hybrid = vectors is not None and vectors.available
    depth = max(DEPTH, offset + limit) if hybrid else limit
    if by_votes:
        depth = POPULAR_POOL
    deep = hybrid or by_votes
    # The semantic side (embedding the query, a few ms of ONNX Runtime, then the vector
    # search) runs while tantivy searches. A document that can be embedded skips the
    # keyword side.
    keyword_done = threading.Event()
    if document:
        keyword_done.set()  # nothing runs beside it: a document skips the keyword side
    future = (
        _helper().submit(_semantic_side, query.text, depth, vectors, document, keyword_done)
        if hybrid
        else None
    )
    nearest = future.result() if future is not None and document else None
    hits: list[lexical.LexicalHit] = []
    if nearest is None:
        hits, page.total = _keyword_side(query, depth, 0 if deep else offset, profile, keyword_done)
        if future is not None and not document:
            nearest = future.result()
    keyword = [(hit.paper_id, hit.score) for hit in hits]
    fused = _fuse(query, keyword, nearest, profile)
    evidence = {entry.paper_id: entry for entry in fused or ranking.keyword_only(keyword)}
    page.mode = ("document" if document else "hybrid") if fused is not None else "keyword"
    if fused is not None and document:
        page.total = len(fused)
    ranked = list(evidence)
    if by_votes:
        votes = popularity(ranked)
        ranked = sorted(ranked, key=lambda pk: -votes.get(pk, 0))  # stable: relevance
    if deep:
        ranked = ranked[offset : offset + limit]
    papers = cards_in_bulk(ranked)  # with categories too: the API lists them
    snippets = lexical.snippets(query, {pk: papers[pk].abstract for pk in ranked if pk in papers})
    page.results += [
        SearchResult(
            papers[pk],
            evidence[pk].fused,
            snippets.get(pk, ""),
            evidence=evidence[pk],
        )
        for pk in ranked
        # A paper hidden or withdrawn since this node's index took it in is left out at once.
        if pk in papers and pk not in pinned and papers[pk].searchable
    ]


def _keyword_side(
    query: ParsedQuery,
    depth: int,
    offset: int,
    profile: ranking.Profile,
    done: threading.Event,
) -> tuple[list[lexical.LexicalHit], int]:
    """tantivy's hits for the query and their total; `done` is set when it has finished,
    however it finished, so that the semantic side may take the cores it used."""
    try:
        return lexical.search(
            query,
            limit=depth,
            offset=offset,
            newest_first=query.sort == "newest",
            title_boost=profile.title_boost,
        )
    finally:
        done.set()


TITLE_CANDIDATES = 5


def paper_titled(title: str) -> int | None:
    """The paper whose title is `title`, told apart from its spelling (case, accents,
    punctuation, LaTeX turned to text): the keyword index's best few title matches, compared
    in normalised form. None when none is, or when there is no keyword index yet."""
    wanted = normalised_title(title)
    words = wanted.split()
    if not words or not lexical.is_built():
        return None
    hits, _ = lexical.search(ParsedQuery(title=words[:40]), limit=TITLE_CANDIDATES, count=False)
    candidates = Paper.objects.filter(pk__in=[hit.paper_id for hit in hits])
    for pk, candidate in candidates.values_list("pk", "title"):
        if normalised_title(candidate) == wanted:
            return pk
    return None
