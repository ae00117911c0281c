"""/api/papers: the catalogue, upvotes and comments."""

from __future__ import annotations

import base64

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import Field

from api.auth import TokenAuth
from api.schemas import CommentIn, CommentOut, ErrorOut, PaperOut, PaperPage, VoteOut
from api.serializers import comment_out, paper_out
from catalog.models import Paper
from catalog.queries import papers_with_details
from community.models import Comment
from community.queries import paper_upvote_counts
from community.services.comments import add_comment
from community.services.upvotes import set_upvote, upvote_count

router = Router(tags=["papers"])
ARXIV_ID = r"{arxiv_id:path}"


def _paper(arxiv_id: str) -> Paper:
    paper = papers_with_details().filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise HttpError(404, f"No paper {arxiv_id} in the catalogue.")
    return paper


class PageQuery(Schema):
    cursor: str | None = Field(None, max_length=40, description="From the previous page.")
    limit: int = Field(50, ge=1, le=100)


def _decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, "cursor is not valid; use next_cursor from a previous page.") from None


@router.get("/papers", response={200: PaperPage, 400: ErrorOut})
def papers(request: HttpRequest, query: Query[PageQuery]):
    """Every paper, most recently added first, with cursor pagination."""
    rows = papers_with_details().order_by("-pk")
    if query.cursor:
        rows = rows.filter(pk__lt=_decode_cursor(query.cursor))
    page = list(rows[: query.limit + 1])
    more = len(page) > query.limit
    page = page[: query.limit]
    counts = paper_upvote_counts([paper.pk for paper in page])
    next_cursor = (
        base64.urlsafe_b64encode(str(page[-1].pk).encode()).decode() if more and page else None
    )
    return {
        "items": [paper_out(paper, counts.get(paper.pk, 0)) for paper in page],
        "next_cursor": next_cursor,
    }


@router.get("/papers/{path:arxiv_id}/comments", response={200: list[CommentOut], 404: ErrorOut})
def comments(request: HttpRequest, arxiv_id: str):
    """A paper's comments and replies, oldest first (deleted and hidden ones are blank)."""
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    rows = Comment.objects.filter(paper=paper).select_related("author").order_by("created")
    return [comment_out(comment) for comment in rows[:1000]]


@router.post(
    "/papers/{path:arxiv_id}/comments",
    auth=TokenAuth(),
    response={201: CommentOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def comment(request: HttpRequest, arxiv_id: str, body: CommentIn):
    """Comment on a paper, or reply to a comment with `parent`. Markdown, sanitised."""
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    parent = get_object_or_404(Comment, pk=body.parent, paper=paper) if body.parent else None
    return Status(201, comment_out(add_comment(request.auth, paper, body.body, parent)))


def _vote(request: HttpRequest, arxiv_id: str, *, on: bool) -> dict:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    return {"upvoted": on, "upvotes": set_upvote(request.auth, paper, on=on)}


VOTE_RESPONSES = {200: VoteOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@router.post("/papers/{path:arxiv_id}/upvote", auth=TokenAuth(), response=VOTE_RESPONSES)
def upvote(request: HttpRequest, arxiv_id: str):
    """Upvote a paper (idempotent)."""
    return _vote(request, arxiv_id, on=True)


@router.delete("/papers/{path:arxiv_id}/upvote", auth=TokenAuth(), response=VOTE_RESPONSES)
def remove_upvote(request: HttpRequest, arxiv_id: str):
    """Remove your upvote (idempotent)."""
    return _vote(request, arxiv_id, on=False)


@router.get("/papers/{path:arxiv_id}", response={200: PaperOut, 404: ErrorOut})
def paper(request: HttpRequest, arxiv_id: str):
    """One paper with its full metadata and upvote count."""
    found = _paper(arxiv_id)
    return paper_out(found, upvote_count(found))
