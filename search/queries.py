"""Searching papers: the query language over the keyword index, with papers loaded."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from catalog.models import Paper
from catalog.queries import papers_with_details
from search import lexical
from search.query import ParsedQuery, parse_query

MAX_LIMIT = 100
MAX_OFFSET = 1000


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


def search_papers(text: str, *, limit: int = 20, offset: int = 0) -> SearchPage:
    """Run a query (QueryError when it cannot run; IndexUnavailable without an index)."""
    started = time.perf_counter()
    query = parse_query(text)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, min(offset, MAX_OFFSET))
    page = SearchPage(query=query)
    pinned = list(papers_with_details().filter(arxiv_id__in=query.arxiv_ids)) if offset == 0 else []
    if query.has_text or query.categories or query.after or query.before or query.has_code:
        hits, page.total = lexical.search(
            query, limit=limit, offset=offset, newest_first=query.sort == "newest"
        )
        papers = papers_with_details().in_bulk([hit.paper_id for hit in hits])
        seen = {paper.pk for paper in pinned}
        page.results = [
            SearchResult(papers[hit.paper_id], hit.score, hit.snippet)
            for hit in hits
            if hit.paper_id in papers and hit.paper_id not in seen
        ]
    page.results = [SearchResult(p, 0.0, "", pinned=True) for p in pinned] + page.results
    page.total = max(page.total, len(page.results))
    page.took_ms = (time.perf_counter() - started) * 1000
    return page
