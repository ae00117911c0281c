"""Response and request shapes. Daily-paper entries mirror Hugging Face's API exactly."""

from __future__ import annotations

from ninja import Schema
from pydantic import BaseModel


class Out(BaseModel):
    """A response shape. Views hand over plain dicts (api/serializers.py), so pydantic alone
    checks them: ninja's Schema wraps every nested object to read ORM attributes too, which
    took 0.4 ms of a search request for a page of 10 hits."""


class AuthorOut(Out):
    name: str


class UserOut(Out):
    user: str
    name: str
    fullname: str
    type: str = "user"


class HfPaperOut(Out):
    id: str
    title: str
    summary: str
    authors: list[AuthorOut]
    publishedAt: str | None
    submittedOnDailyAt: str | None = None
    submittedOnDailyBy: UserOut | None = None
    upvotes: int
    githubRepo: str | None = None
    githubStars: int | None = None
    projectPage: str | None = None
    ai_keywords: list[str] = []
    ai_summary: str | None = None


class DailyPaperOut(Out):
    paper: HfPaperOut
    publishedAt: str | None
    title: str
    summary: str
    numComments: int
    submittedBy: UserOut | None


class PaperOut(Out):
    id: str
    title: str
    summary: str
    authors: list[AuthorOut]
    publishedAt: str | None
    updatedAt: str | None
    version: int | None
    categories: list[str]
    primaryCategory: str | None
    comments: str
    journalRef: str
    doi: str
    license: str
    absUrl: str
    pdfUrl: str
    githubRepo: str | None
    githubStars: int | None
    projectPage: str | None
    ai_keywords: list[str]
    upvotes: int
    withdrawn: bool


class PaperPage(Out):
    items: list[PaperOut]
    next_cursor: str | None


class SubmitIn(Schema):
    paper: str
    comment: str = ""


class SubmissionOut(Out):
    id: int
    paper: str
    status: str
    detail: str
    location: str


class VoteOut(Out):
    upvoted: bool
    upvotes: int


class CommentIn(Schema):
    body: str
    parent: int | None = None


class CommentOut(Out):
    id: int
    author: str
    body: str
    html: str
    parent: int | None
    createdAt: str
    editedAt: str | None


class ErrorOut(Out):
    detail: str
