"""Claiming author pages: a member asks, a curator approves or rejects, the member chooses
whether to hear about their papers."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Author
from community.models import AuthorClaim, User
from community.permissions import is_curator, require_participation
from community.services.errors import NotAllowed

MAX_CLAIMS = 20  # open or approved, per member


def claim_author(user: User, author: Author, message: str = "") -> AuthorClaim:
    """Ask to be shown as this author (asking again returns the same claim)."""
    require_participation(user, "claim an author page")
    existing = AuthorClaim.objects.filter(author=author, user=user).first()
    if existing and existing.status != AuthorClaim.Status.REJECTED:
        return existing
    if AuthorClaim.objects.filter(author=author, status=AuthorClaim.Status.APPROVED).exists():
        raise NotAllowed("Another member has already been approved as this author.", status=409)
    open_claims = AuthorClaim.objects.filter(user=user).exclude(status=AuthorClaim.Status.REJECTED)
    if open_claims.count() >= MAX_CLAIMS:
        raise NotAllowed(f"A member claims at most {MAX_CLAIMS} author pages.")
    if existing:  # rejected before: ask again
        existing.status, existing.message = AuthorClaim.Status.PENDING, message[:500]
        existing.decided_at = existing.decided_by = None
        existing.save(update_fields=["status", "message", "decided_at", "decided_by"])
        return existing
    try:
        with transaction.atomic():
            return AuthorClaim.objects.create(author=author, user=user, message=message[:500])
    except IntegrityError:
        return AuthorClaim.objects.get(author=author, user=user)


def decide_claim(claim: AuthorClaim, curator: User, *, approve: bool) -> AuthorClaim:
    """A curator approves or rejects a claim. Approving fails while another member is the
    approved one (reject theirs first)."""
    if not is_curator(curator):
        raise NotAllowed("Only curators decide claims.", status=403)
    claim.status = AuthorClaim.Status.APPROVED if approve else AuthorClaim.Status.REJECTED
    claim.decided_at, claim.decided_by = timezone.now(), curator
    try:
        with transaction.atomic():
            claim.save(update_fields=["status", "decided_at", "decided_by"])
    except IntegrityError:
        claim.refresh_from_db()
        raise NotAllowed("Another member is already approved as this author.", status=409) from None
    return claim


def withdraw_claim(user: User, author: Author) -> bool:
    deleted, _ = AuthorClaim.objects.filter(author=author, user=user).delete()
    return bool(deleted)


def set_notify(claim: AuthorClaim, notify: bool) -> AuthorClaim:
    """Opt in or out of mail about the author's papers (approved claims only)."""
    if claim.status != AuthorClaim.Status.APPROVED:
        raise NotAllowed("Notifications start once a curator has approved the claim.")
    claim.notify = bool(notify)
    claim.save(update_fields=["notify"])
    return claim
