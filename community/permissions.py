"""Who may do what. Curators are staff; placeholders and inactive accounts do nothing."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from community.models import User
from community.services.errors import NotAllowed


def is_curator(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def can_participate(user: User | AnonymousUser) -> bool:
    """Members who may upvote, comment and submit: active, not placeholders, and with a
    verified email address (curators are trusted without one)."""
    if not (user.is_authenticated and user.is_active) or user.is_placeholder:
        return False
    return bool(user.email_verified_at or user.is_staff)


def require_participation(user: User | AnonymousUser, action: str) -> None:
    """NotAllowed (403) with the reason that applies to this user: log in, or verify the
    address first (an unverified member is logged in already; "log in" would mislead)."""
    if can_participate(user):
        return
    if user.is_authenticated and user.is_active and not user.is_placeholder:
        raise NotAllowed(
            f"Verify your email address to {action}: follow the link we sent to "
            f"{user.email}, or send it again from your profile page.",
            status=403,
        )
    raise NotAllowed(f"Log in with a member account to {action}.", status=403)
