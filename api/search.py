"""Search endpoints: Hugging Face's `/api/papers/search` shape, and a fuller `/api/v1/search`."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from api.schemas import AuthorOut, ErrorOut, Out
from api.serializers import paper_brief, paper_out
from community.queries import paper_upvote_counts
from search.lexical import IndexUnavailable
from search.queries import SearchPage, explanation, search_papers
from search.query import MAX_DOCUMENT_LENGTH, QueryError, with_filters

router = Router(tags=["search"])


class HfSearchQuery(Schema):
    q: str = Field(
        ...,
        max_length=MAX_DOCUMENT_LENGTH,
        description="Query in Paperboy's query language, or a pasted abstract or paragraph "
        "(more than 40 words), which is found by meaning.",
    )
    limit: int = Field(20, ge=1, le=100)


class SearchQuery(HfSearchQuery):
    offset: int = Field(0, ge=0, le=1000)
    sort: str | None = Field(None, description="relevance (default), newest or upvotes.")
    cat: str | None = Field(None, max_length=40, description="Category or archive.")
    year: int | None = Field(None, ge=1991, le=2100)
    has_code: bool = False
    mode: Literal["hybrid", "keyword"] = Field(
        "hybrid",
        description="hybrid (default) fuses keyword and semantic rankings where embeddings "
        "exist; keyword uses the keyword index alone.",
    )
    explain: bool = Field(
        False,
        description="Add to each hit the keyword score, the semantic similarity and the "
        "fused score that placed it.",
    )


class HfPaperHit(Out):
    id: str
    title: str
    summary: str
    authors: list[AuthorOut]
    publishedAt: str | None
    upvotes: int
    githubRepo: str | None
    githubStars: int | None
    projectPage: str | None
    ai_keywords: list[str]


class HfSearchHit(Out):
    paper: HfPaperHit
    title: str
    summary: str
    publishedAt: str | None


class Explanation(Out):
    fused: float
    keyword: float | None
    keyword_rank: int | None
    semantic: float | None
    semantic_rank: int | None
    semantic_weight: float
    fusion: str
    known_item: bool
    treatment: str


class SearchHit(Out):
    id: str
    title: str
    authors: list[AuthorOut]
    publishedAt: str | None
    categories: list[str]
    snippet: str
    score: float
    pinned: bool
    upvotes: int
    githubRepo: str | None
    explain: Explanation | None = None


class SearchOut(Out):
    total: int
    mode: str
    treatment: str
    took_ms: float
    results: list[SearchHit]


def _run(text: str, limit: int, offset: int = 0, *, semantic: bool = True) -> SearchPage:
    try:
        return search_papers(
            text, limit=limit, offset=offset, popularity=paper_upvote_counts, semantic=semantic
        )
    except QueryError as error:
        raise HttpError(400, str(error)) from None
    except IndexUnavailable as error:
        raise HttpError(503, str(error)) from None


@router.get("/papers/search", response={200: list[HfSearchHit], 400: ErrorOut, 503: ErrorOut})
def hf_search(request: HttpRequest, query: Query[HfSearchQuery]):
    """Papers matching `q`, in the shape of Hugging Face's `/api/papers/search`."""
    page = _run(query.q, query.limit)
    counts = paper_upvote_counts([r.paper.pk for r in page.results])
    hits = []
    for result in page.results:
        paper = paper_out(result.paper, counts.get(result.paper.pk, 0))
        hits.append(
            {
                "paper": paper,
                "title": paper["title"],
                "summary": paper["summary"],
                "publishedAt": paper["publishedAt"],
            }
        )
    return hits


@router.get("/v1/search", response={200: SearchOut, 400: ErrorOut, 503: ErrorOut})
def search(request: HttpRequest, query: Query[SearchQuery]):
    """Search with the query language plus optional filters, sorting and paging; reports
    the total number of matches and the server time taken."""
    text = with_filters(
        query.q, sort=query.sort, category=query.cat, year=query.year, has_code=query.has_code
    )
    page = _run(text, query.limit, query.offset, semantic=query.mode == "hybrid")
    counts = paper_upvote_counts([r.paper.pk for r in page.results])
    results = []
    for result in page.results:
        hit = paper_brief(result.paper, counts.get(result.paper.pk, 0))
        hit.update(snippet=result.snippet, score=result.score, pinned=result.pinned)
        if query.explain:
            hit["explain"] = explanation(page, result)
        results.append(hit)
    return {
        "total": page.total,
        "mode": page.mode,
        "treatment": page.treatment,
        "took_ms": round(page.took_ms, 2),
        "results": results,
    }
