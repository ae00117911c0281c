"""Who may do what. Curators are staff; placeholders and inactive accounts do nothing."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from community.models import User


def is_curator(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def can_participate(user: User | AnonymousUser) -> bool:
    """Members who may upvote, comment and submit: active, not placeholders, and with a
    verified email address (curators are trusted without one)."""
    if not (user.is_authenticated and user.is_active) or user.is_placeholder:
        return False
    return bool(user.email_verified_at or user.is_staff)
