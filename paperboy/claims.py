"""The one rule every "claim, send, record" loop uses to say which rows a sender may take:
due (pending, with no retry time or one that has passed), or held by a sender whose claim
is older than PAPERBOY_DIGEST_CLAIM_SECONDS (it died). Digest deliveries, webhook
deliveries and the mail outbox all claim through it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q


def due_or_abandoned(now: dt.datetime, *, pending: str = "pending", sending: str = "sending") -> Q:
    stale = now - dt.timedelta(seconds=settings.PAPERBOY_DIGEST_CLAIM_SECONDS)
    due = Q(status=pending) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return due | Q(status=sending, claimed_at__lt=stale)
