"""Sign-up with email verification, and the signed links that verify an address."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from community.models import User
from paperboy.outbox import queue_mail

_SALT = "paperboy.verify-email"


def verification_link(user: User) -> str:
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=_SALT)
    return settings.BASE_URL + reverse("web:verify_email", args=[token])


def send_verification_email(user: User) -> None:
    """Mail a signed, expiring link that confirms `user` owns the address."""
    days = settings.PAPERBOY_VERIFY_LINK_DAYS
    queue_mail(
        "verify",
        [user.email],
        "Confirm your email address for Paperboy",
        (
            f"Hello {user.username},\n\n"
            "Confirm your email address to upvote, comment and submit papers:\n\n"
            f"{verification_link(user)}\n\n"
            f"The link works for {days} days. If you did not sign up, ignore this mail.\n"
        ),
    )


def verify_email(token: str) -> User | None:
    """The user whose address the token confirms, now marked verified; None if the token is
    forged, expired, or for an address the account no longer has."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.PAPERBOY_VERIFY_LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("user"), email=data.get("email")).first()
    if user is None or user.is_placeholder:
        return None
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user
