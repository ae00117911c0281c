"""Upvoting: one row per member and paper, so counts are always exact."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from catalog.models import Paper
from community.models import Upvote, User
from community.permissions import require_participation
from community.queries import paper_upvote_counts


def upvote_count(paper: Paper) -> int:
    """Upvote rows plus the imported baseline (the source's own count on its listing day)."""
    return paper_upvote_counts([paper.pk]).get(paper.pk, 0)


def set_upvote(user: User, paper: Paper, *, on: bool) -> int:
    """Add or remove `user`'s upvote (idempotent); returns the paper's new count."""
    require_participation(user, "upvote")
    if on:
        try:
            with transaction.atomic():
                Upvote.objects.create(user=user, paper=paper)
        except IntegrityError:
            pass  # already upvoted: a double click or a concurrent request
    else:
        Upvote.objects.filter(user=user, paper=paper).delete()
    return upvote_count(paper)


def toggle_upvote(user: User, paper: Paper) -> tuple[bool, int]:
    """Flip `user`'s upvote; returns (upvoted now, new count)."""
    upvoted = not Upvote.objects.filter(user=user, paper=paper).exists()
    return upvoted, set_upvote(user, paper, on=upvoted)
