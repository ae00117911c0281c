"""Sending built digests: claim, send, record — safe with several senders and after crashes.

A sender claims a few pending deliveries with a conditional UPDATE (and, on PostgreSQL,
`SELECT ... FOR UPDATE SKIP LOCKED` so concurrent senders pick different rows), sends each,
and records the outcome row by row. A sender that stops cleanly hands back what it claimed
and did not send; one that was killed leaves claims that expire after
PAPERBOY_DIGEST_CLAIM_SECONDS. The one window left is a kill between the mail server's
acceptance and the row's update; the message then goes again, with the same Message-ID.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import smtplib
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.queries import papers_for_cards
from community.queries import paper_upvote_counts
from digests.models import Delivery, Subscription
from digests.services.composing import ItemBlocks, compose, make_item
from digests.services.stopping import stop_subscription
from digests.services.subscribing import preferences_link, unsubscribe_link
from paperboy.claims import due_or_abandoned

BATCH = 50


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    suspended: int = 0

    def __str__(self) -> str:
        return (
            f"sent {self.sent}, to retry {self.retrying}, failed {self.failed}, "
            f"addresses suspended {self.suspended}"
        )


class TemporaryFailure(Exception):
    """The mail server or the way to it failed; try the whole batch again later."""


def _classify(error: Exception) -> str:
    """'permanent' when the address was refused for good (5xx), else 'temporary'."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return "permanent" if codes and all(code >= 500 for code in codes) else "temporary"
    if isinstance(error, smtplib.SMTPSenderRefused):
        return "temporary"  # our sender address, not theirs: retry, and let operators see
    if isinstance(error, smtplib.SMTPResponseException):
        return "permanent" if error.smtp_code >= 500 else "temporary"
    return "temporary"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claimable(now: dt.datetime) -> Q:
    """Deliveries a sender may claim now: due, or claimed by a sender whose claim expired,
    and only for subscriptions that are active now (so an unsubscribe between building and
    sending, or between two tries, sends nothing)."""
    return due_or_abandoned(now) & Q(subscription__status=Subscription.Status.ACTIVE)


def claim(limit: int = BATCH, *, now: dt.datetime | None = None) -> tuple[str, list[int]]:
    """Claim up to `limit` deliveries that are due, or whose sender's claim has expired."""
    now = now or timezone.now()
    ticket = f"{worker_name()}:{uuid.uuid4().hex[:12]}"
    return ticket, claim_rows(Delivery.objects.all(), claimable(now), ticket, now, limit)


def claim_rows(rows, wanted: Q, ticket: str, now: dt.datetime, limit: int) -> list[int]:
    """Mark up to `limit` rows that match `wanted` as SENDING under `ticket`, and return the
    ones this sender got. Concurrent senders pick different rows (SKIP LOCKED on
    PostgreSQL); the UPDATE checks `wanted` again, so on SQLite (no row locks) a concurrent
    claim wins cleanly. Digest and webhook senders both claim through here."""
    with transaction.atomic():
        candidates = rows.filter(wanted).order_by("pk")
        if db_connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        rows.filter(Q(pk__in=ids) & wanted).update(
            status="sending", claimed_by=ticket, claimed_at=now
        )
    claimed = rows.filter(claimed_by=ticket, status="sending")
    return list(claimed.order_by("pk").values_list("pk", flat=True))


def release(ticket: str) -> int:
    """Hand back claimed deliveries this sender did not get to."""
    return Delivery.objects.filter(claimed_by=ticket, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PENDING, claimed_by="", claimed_at=None
    )


class _RunCache:
    """What one sending run reuses across batches: papers, their votes, rendered blocks."""

    def __init__(self) -> None:
        self.papers: dict[int, object] = {}
        self.votes: dict[int, int] = {}
        self.blocks = ItemBlocks()

    def load(self, paper_ids: set[int]) -> None:
        missing = [pk for pk in paper_ids if pk not in self.papers]
        if missing:
            self.papers.update(papers_for_cards().in_bulk(missing))
            self.votes.update(paper_upvote_counts(missing))


def _messages(ids: list[int], cache: _RunCache):
    deliveries = list(
        Delivery.objects.filter(pk__in=ids).select_related("subscription").order_by("pk")
    )
    cache.load({pk for d in deliveries for pk, _ in d.paper_ids})
    papers, votes = cache.papers, cache.votes
    for delivery in deliveries:
        subscription = delivery.subscription
        if subscription.status != Subscription.Status.ACTIVE:
            continue  # stopped after the claim: release() hands it back, never sent
        items = [
            make_item(papers[pk], votes.get(pk, 0), why)
            for pk, why in delivery.paper_ids
            if pk in papers
        ]
        message = compose(
            delivery,
            subscription,
            items,
            unsubscribe_link=unsubscribe_link(subscription),
            preferences_link=preferences_link(subscription),
            blocks=cache.blocks,
        )
        yield delivery, subscription, message


def _record_sent(delivery: Delivery, subscription: Subscription, message_id: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        message_id=message_id[:200],
        attempts=F("attempts") + 1,
        error="",
    )
    if subscription.hard_failures:
        Subscription.objects.filter(pk=subscription.pk).update(hard_failures=0)


def _record_failure(
    delivery: Delivery, subscription: Subscription, error: Exception, report: SendReport
) -> None:
    attempts = delivery.attempts + 1
    text = f"{type(error).__name__}: {error}"[:2000]
    if _classify(error) == "permanent":
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, attempts=attempts, error=text
        )
        report.failed += 1
        failures = subscription.hard_failures + 1
        suspend = failures >= settings.PAPERBOY_DIGEST_MAX_HARD_FAILURES
        Subscription.objects.filter(pk=subscription.pk).update(hard_failures=failures)
        if suspend:
            stop_subscription(subscription.pk, Subscription.Status.SUSPENDED)
        report.suspended += int(suspend)
        return
    if attempts >= settings.PAPERBOY_DIGEST_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, attempts=attempts, error=text
        )
        report.failed += 1
        return
    wait = settings.PAPERBOY_DIGEST_RETRY_SECONDS * 2 ** (attempts - 1)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        attempts=attempts,
        error=text,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=wait),
        claimed_by="",
        claimed_at=None,
    )
    report.retrying += 1


def send_pending(
    *,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SendReport:
    """Send due deliveries until none is left (or `limit` were tried, or `should_stop`
    says so between batches: what was claimed and not sent is handed back)."""
    report = SendReport()
    cache = _RunCache()
    rate = settings.PAPERBOY_DIGEST_SEND_RATE
    started, tried = time.monotonic(), 0
    while (limit is None or tried < limit) and not (should_stop and should_stop()):
        ticket, ids = claim(BATCH if limit is None else min(BATCH, limit - tried))
        if not ids:
            break
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as error:
            # No server to talk to: every claimed digest waits and tries again later.
            for delivery in Delivery.objects.filter(pk__in=ids).select_related("subscription"):
                _record_failure(delivery, delivery.subscription, error, report)
            break
        try:
            for delivery, subscription, message in _messages(ids, cache):
                if rate:
                    time.sleep(max(0.0, started + tried / rate - time.monotonic()))
                tried += 1
                try:
                    connection.send_messages([message])
                except (smtplib.SMTPException, OSError) as error:
                    _record_failure(delivery, subscription, error, report)
                    if _classify(error) == "temporary" and not isinstance(
                        error, smtplib.SMTPRecipientsRefused
                    ):
                        break  # the server is unwell: hand the rest back, retry later
                    continue
                _record_sent(delivery, subscription, message.extra_headers["Message-ID"])
                report.sent += 1
                if progress:
                    progress(1)
        finally:
            release(ticket)
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()
    return report
