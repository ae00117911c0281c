"""Personal API tokens: created on the profile page, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from community.models import ApiToken, User
from community.permissions import can_participate
from community.services.errors import NotAllowed

PREFIX = "pb_"
MAX_TOKENS = 20


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its plain text, which is shown once and never stored."""
    if not can_participate(user):
        raise NotAllowed("Verify your email address before creating API tokens.", status=403)
    if user.api_tokens.count() >= MAX_TOKENS:
        raise NotAllowed(f"You can have at most {MAX_TOKENS} tokens; revoke one first.")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100] or "token", prefix=raw[:10], key_hash=_hash(raw)
    )
    return token, raw


def user_for_token(raw: str) -> User | None:
    """The member a token belongs to, or None. Records use at most once a minute."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user


def revoke_token(user: User, token_id: int) -> bool:
    """Delete one of `user`'s own tokens; False when they have none with that id."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)
