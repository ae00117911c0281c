"""Searching papers: the query language over the keyword index, with papers loaded."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
from django.conf import settings

from catalog.models import Paper
from catalog.queries import cards_in_bulk, papers_with_details
from search import dense, lexical
from search.embeddings import EmbeddingsUnavailable, embedder
from search.fusion import reciprocal_rank_fusion
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


@dataclass
class SearchPage:
    query: ParsedQuery
    results: list[SearchResult] = field(default_factory=list)
    total: int = 0
    took_ms: float = 0.0
    mode: str = "keyword"


@cache
def _helper() -> ThreadPoolExecutor:
    # Made on first use, so each web worker process gets its own after forking.
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-vector")


@lru_cache(maxsize=QUERY_VECTORS_KEPT)
def _cached_query_vector(text: str) -> np.ndarray:
    """A query's embedding, kept for the next page of the same query (or the next reader
    of a popular one): 5 ms of ONNX Runtime on 2 cores. Read-only, as it is shared. A
    failure raises and so is never kept: the next query tries the model again."""
    vector = embedder().embed([text])[0]
    vector.setflags(write=False)
    return vector


def _query_vector(text: str) -> np.ndarray | None:
    try:
        return _cached_query_vector(text)
    except EmbeddingsUnavailable:
        return None
    except ModelFileMismatch:
        logger.exception("semantic search is off: a model file failed its check")
        return None


def _fuse(
    query: ParsedQuery, lexical_ids: list[int], depth: int, vector: np.ndarray | None
) -> list[int]:
    """Keyword and semantic rankings fused by reciprocal rank (search/fusion.py)."""
    if vector is None:
        return lexical_ids
    semantic = dense.nearest(vector, k=depth)
    allowed = lexical.passing_filters(query, semantic)
    semantic = [pk for pk in semantic if pk in allowed]
    return reciprocal_rank_fusion(
        [lexical_ids, semantic],
        k=settings.PAPERBOY_FUSION_K,
        weights=[1.0, settings.PAPERBOY_FUSION_DENSE_WEIGHT],
    )


def similar_papers(paper: Paper, limit: int = 5) -> list[Paper]:
    """The papers whose embeddings are closest to this one's (none until it is embedded)."""
    vector = dense.stored_vector(paper.pk)
    if vector is None:
        return []
    ids = dense.nearest(vector, k=limit, exclude=paper.pk)
    papers = papers_with_details().in_bulk(ids)
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
        by_votes = query.sort == "upvotes" and popularity is not None
        hybrid = semantic and query.sort != "newest" and bool(query.text) and dense.available()
        depth = max(DEPTH, offset + limit) if hybrid else limit
        if by_votes:
            depth = POPULAR_POOL
        deep = hybrid or by_votes
        # The query's embedding (a few ms of ONNX Runtime) is computed while tantivy
        # searches; both release the GIL.
        vector = _helper().submit(_query_vector, query.text) if hybrid else None
        hits, page.total = lexical.search(
            query,
            limit=depth,
            offset=0 if deep else offset,
            newest_first=query.sort == "newest",
        )
        scores = {hit.paper_id: hit.score for hit in hits}
        ranked = [hit.paper_id for hit in hits]
        if hybrid:
            query_vector = vector.result()
            ranked = _fuse(query, ranked, depth, query_vector)
            page.mode = "hybrid" if query_vector is not None else "keyword"
        if by_votes:
            votes = popularity(ranked)
            ranked = sorted(ranked, key=lambda pk: -votes.get(pk, 0))  # stable: relevance
        if deep:
            ranked = ranked[offset : offset + limit]
        papers = cards_in_bulk(ranked)  # with categories too: the API lists them
        snippets = lexical.snippets(
            query, {pk: papers[pk].abstract for pk in ranked if pk in papers}
        )
        seen = {paper.pk for paper in pinned}
        page.results = [
            SearchResult(papers[pk], scores.get(pk, 0.0), snippets.get(pk, ""))
            for pk in ranked
            if pk in papers and pk not in seen
        ]
    page.results = [SearchResult(p, 0.0, "", pinned=True) for p in pinned] + page.results
    page.total = max(page.total, len(page.results))
    page.took_ms = (time.perf_counter() - started) * 1000
    return page
