"""Writing comments: create, reply (one level), edit and delete one's own, curators hide."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from catalog.models import Paper
from community.markdown import render_markdown
from community.models import Comment, User
from community.permissions import is_curator, require_participation
from community.services.errors import NotAllowed
from paperboy.ratelimit import allow

MAX_LENGTH = 10_000


def _clean_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise NotAllowed("A comment cannot be empty.")
    if len(text) > MAX_LENGTH:
        raise NotAllowed(f"A comment can be at most {MAX_LENGTH:,} characters.")
    return text


def add_comment(user: User, paper: Paper, body: str, parent: Comment | None = None) -> Comment:
    """A new comment, or a reply. Replies to replies attach to the top-level comment."""
    require_participation(user, "comment")
    text = _clean_body(body)
    if not allow("comment", str(user.pk), settings.PAPERBOY_RATE_COMMENTS, 60):
        raise NotAllowed("You are commenting too fast; wait a minute and try again.", status=429)
    if parent is not None:
        if parent.paper_id != paper.pk:
            raise NotAllowed("That comment belongs to another paper.")
        parent = parent.parent or parent
    return Comment.objects.create(
        paper=paper, author=user, parent=parent, body=text, body_html=render_markdown(text)
    )


def edit_comment(user: User, comment: Comment, body: str) -> Comment:
    if comment.author_id != user.pk or comment.deleted:
        raise NotAllowed("You can only edit your own comments.", status=403)
    comment.body = _clean_body(body)
    comment.body_html = render_markdown(comment.body)
    comment.edited = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited"])
    return comment


def delete_comment(user: User, comment: Comment) -> None:
    """Authors delete their own; the row stays (as "deleted") so replies keep their place."""
    if comment.author_id != user.pk and not is_curator(user):
        raise NotAllowed("You can only delete your own comments.", status=403)
    comment.deleted = True
    comment.body = ""
    comment.body_html = ""
    comment.save(update_fields=["deleted", "body", "body_html"])


def set_comment_hidden(curator: User, comment: Comment, *, hidden: bool) -> None:
    if not is_curator(curator):
        raise NotAllowed("Only curators can hide comments.", status=403)
    comment.hidden = hidden
    comment.save(update_fields=["hidden"])
