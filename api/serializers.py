"""Model objects to API shapes, with no queries of their own (callers prefetch)."""

from __future__ import annotations

import datetime as dt

from catalog.models import Paper
from catalog.queries import authors_of, categories_of
from community.models import Comment, DailyListing, User


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{value.microsecond // 1000:03d}Z"
        )
    return f"{value.isoformat()}T00:00:00.000Z"


def user_out(user: User | None) -> dict | None:
    if user is None:
        return None
    name = user.hf_username or user.username
    return {"user": name, "name": name, "fullname": user.display_name or user.username}


def _authors(paper: Paper) -> list[dict]:
    return [{"name": author.name} for author in authors_of(paper)]


def daily_entry(listing: DailyListing) -> dict:
    """One entry of /api/daily_papers, in Hugging Face's shape."""
    paper = listing.paper
    submitter = user_out(listing.submitted_by)
    listed_at = listing.submitted_at or dt.datetime.combine(
        listing.listed_on, dt.time(), tzinfo=dt.UTC
    )
    return {
        "paper": {
            "id": paper.arxiv_id,
            "title": paper.title,
            "summary": paper.abstract,
            "authors": _authors(paper),
            "publishedAt": _iso(paper.submitted_at or paper.published_on),
            "submittedOnDailyAt": _iso(listed_at),
            "submittedOnDailyBy": submitter,
            "upvotes": listing.votes,
            "githubRepo": paper.code_url or None,
            "githubStars": paper.code_stars,
            "projectPage": paper.project_url or None,
            "ai_keywords": paper.ai_keywords,
            "ai_summary": paper.ai_summary or None,
        },
        "publishedAt": _iso(listed_at),
        "title": paper.title,
        "summary": paper.abstract,
        "numComments": listing.comment_count,
        "submittedBy": submitter,
    }


def paper_brief(paper: Paper, upvotes: int) -> dict:
    """The fields of a paper a search hit shows."""
    return {
        "id": paper.arxiv_id,
        "title": paper.title,
        "authors": _authors(paper),
        "publishedAt": _iso(paper.submitted_at or paper.published_on),
        "categories": [category.code for category in categories_of(paper)],
        "upvotes": upvotes,
        "githubRepo": paper.code_url or None,
    }


def paper_out(paper: Paper, upvotes: int) -> dict:
    """Everything the API tells about a paper: paper_brief's fields and the rest."""
    return {
        **paper_brief(paper, upvotes),
        "summary": paper.abstract,
        "updatedAt": _iso(paper.updated_at),
        "version": paper.latest_version,
        "primaryCategory": paper.primary_category.code if paper.primary_category else None,
        "comments": paper.comments,
        "journalRef": paper.journal_ref,
        "doi": paper.doi,
        "license": paper.license,
        "absUrl": paper.abs_url,
        "pdfUrl": paper.pdf_url,
        "githubStars": paper.code_stars,
        "projectPage": paper.project_url or None,
        "ai_keywords": paper.ai_keywords,
        "withdrawn": paper.withdrawn,
    }


def comment_out(comment: Comment) -> dict:
    visible = comment.visible
    return {
        "id": comment.pk,
        "author": comment.author.username,
        "body": comment.body if visible else "",
        "html": comment.body_html if visible else "",
        "parent": comment.parent_id,
        "createdAt": _iso(comment.created),
        "editedAt": _iso(comment.edited),
    }
