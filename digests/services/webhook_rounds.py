"""Each worker round: find the new papers of every webhook's source, then post them.

Finding writes one WebhookDelivery per (webhook, paper), under a unique constraint, before
it moves the webhook's `checked_at`; a round killed in between finds the same papers again
and writes nothing twice. Posting claims rows as the digest sender does (claim_rows), so
several workers share the work and a killed one's claims expire. A failed post is retried
with backoff; PAPERBOY_WEBHOOK_MAX_FAILURES in a row disable the webhook and mail its owner.
The one window left is a kill between the receiver's 2xx and the row's update: the papers
then go again, with the same delivery ids in the body for the receiver to drop."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Paper
from catalog.queries import papers_for_cards
from community.models import CollectionItem, DailyListing
from digests.models import Webhook, WebhookDelivery
from digests.services.posting import PostFailed, UnsafeURL, post_json
from digests.services.sending import claim_rows, worker_name
from paperboy.claims import due_or_abandoned
from search.lexical import IndexUnavailable
from search.topics import rank_topics

log = logging.getLogger(__name__)
PER_POST = 10  # papers in one post (Discord takes at most 10 embeds)
BACKOFF = 60  # seconds before the first retry, doubled per failure in a row, up to an hour


@dataclass
class RoundReport:
    found: int = 0
    posted: int = 0
    failed: int = 0
    disabled: int = 0

    def __str__(self) -> str:
        return (
            f"webhooks: {self.found} new, {self.posted} posted, {self.failed} failed posts, "
            f"{self.disabled} disabled"
        )


def run_webhooks(now: dt.datetime | None = None) -> RoundReport:
    report = RoundReport()
    report.found = find_new_papers(now)
    post_pending(report, now)
    return report


def _new_in_source(webhook: Webhook, since: dt.datetime) -> list[int]:
    if webhook.collection_id:
        added = CollectionItem.objects.filter(collection_id=webhook.collection_id, added__gt=since)
        return list(added.order_by("added", "pk").values_list("paper_id", flat=True))
    new = Paper.objects.filter(modified__gt=since, created__gt=since, withdrawn=False)
    listed = DailyListing.objects.filter(
        listed_on__gte=since.date(), hidden=False, paper__withdrawn=False
    )
    new, listed = new.values_list("pk", flat=True), listed.values_list("paper_id", flat=True)
    candidates = list(dict.fromkeys([*new, *listed]))
    return rank_topics([webhook.search.query], candidates).get(webhook.search.query, [])


def find_new_papers(now: dt.datetime | None = None) -> int:
    """Write a delivery for every paper that came to an enabled webhook's source since it
    was last checked."""
    now = now or timezone.now()
    made = 0
    hooks = Webhook.objects.filter(enabled=True, checked_at__lt=now).select_related("search")
    for webhook in hooks:
        try:
            ids = _new_in_source(webhook, webhook.checked_at)
        except IndexUnavailable:  # saved searches wait for the index; nothing is skipped
            log.warning("webhook %s waits for the search index", webhook.pk)
            continue
        known = set(
            WebhookDelivery.objects.filter(webhook=webhook, paper_id__in=ids).values_list(
                "paper_id", flat=True
            )
        )
        rows = [WebhookDelivery(webhook=webhook, paper_id=pk) for pk in ids if pk not in known]
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        made += len(rows)
        Webhook.objects.filter(pk=webhook.pk, checked_at=webhook.checked_at).update(checked_at=now)
    return made


def claimable(now: dt.datetime) -> Q:
    return due_or_abandoned(now) & Q(webhook__enabled=True)


def post_pending(report: RoundReport, now: dt.datetime | None = None) -> None:
    """Claim due deliveries a batch at a time and post them, a few papers per post."""
    while True:
        now = now or timezone.now()
        ticket = f"{worker_name()}:{uuid.uuid4().hex[:12]}"
        ids = claim_rows(WebhookDelivery.objects.all(), claimable(now), ticket, now, 200)
        if not ids:
            return
        claimed = WebhookDelivery.objects.filter(pk__in=ids).select_related("webhook")
        by_hook: dict[int, list[WebhookDelivery]] = {}
        for row in claimed.order_by("webhook_id", "pk"):
            by_hook.setdefault(row.webhook_id, []).append(row)
        for rows in by_hook.values():
            for start in range(0, len(rows), PER_POST):
                _post(rows[0].webhook, rows[start : start + PER_POST], report)
        now = None


def _post(webhook: Webhook, rows: list[WebhookDelivery], report: RoundReport) -> None:
    if not Webhook.objects.filter(pk=webhook.pk, enabled=True).exists():
        _hand_back(rows, None)
        return
    papers = papers_for_cards().in_bulk([row.paper_id for row in rows])
    items = [(row.pk, papers[row.paper_id]) for row in rows if row.paper_id in papers]
    body, headers = payload(webhook, items)
    try:
        post_json(webhook.url, body, headers)
    except (PostFailed, UnsafeURL) as error:
        report.failed += 1
        if _failed(webhook, rows, str(error)):
            report.disabled += 1
        return
    WebhookDelivery.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=WebhookDelivery.Status.SENT, sent_at=timezone.now(), claimed_by="", error=""
    )
    Webhook.objects.filter(pk=webhook.pk).update(failures=0)
    report.posted += len(rows)


def _hand_back(rows: list[WebhookDelivery], retry_at: dt.datetime | None, error: str = "") -> None:
    WebhookDelivery.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=WebhookDelivery.Status.PENDING,
        claimed_by="",
        claimed_at=None,
        next_attempt_at=retry_at,
        attempts=F("attempts") + (1 if error else 0),
        error=error[:500],
    )


def _failed(webhook: Webhook, rows: list[WebhookDelivery], error: str) -> bool:
    """Record a failed post; True when it was the one that disabled the webhook."""
    Webhook.objects.filter(pk=webhook.pk).update(failures=F("failures") + 1)
    failures = Webhook.objects.values_list("failures", flat=True).get(pk=webhook.pk)
    delay = min(BACKOFF * 2 ** (failures - 1), 3600)
    _hand_back(rows, timezone.now() + dt.timedelta(seconds=delay), error)
    if failures < settings.PAPERBOY_WEBHOOK_MAX_FAILURES:
        return False
    reason = f"Disabled after {failures} failed posts in a row; the last: {error}"[:500]
    switched = Webhook.objects.filter(pk=webhook.pk, enabled=True).update(
        enabled=False, disabled_reason=reason
    )
    if switched:
        _tell_owner(webhook, reason)
    return bool(switched)


def _tell_owner(webhook: Webhook, reason: str) -> None:
    owner = webhook.owner
    if not owner.email:
        return
    body = (
        f"Hello {owner},\n\nYour webhook to {webhook.url} ({webhook.source_label()}) is "
        f"switched off.\n{reason}\n\nWhat it missed is kept: switch it back on at "
        f"{settings.BASE_URL}/accounts/webhooks once the receiver works again.\n"
    )
    try:
        EmailMessage("Your Paperboy webhook is switched off", body, to=[owner.email]).send()
    except OSError as error:  # the webhook stays off and the page says why
        log.warning("could not mail the owner of webhook %s: %s", webhook.pk, error)


def _paper_json(paper: Paper) -> dict:
    return {
        "id": paper.arxiv_id,
        "title": paper.title,
        "authors": [a.author.name for a in paper.authorships.all()],
        "abstract": paper.abstract,
        "published": paper.published_on.isoformat() if paper.published_on else None,
        "url": f"{settings.BASE_URL}{paper.get_absolute_url()}",
        "arxiv_url": f"https://arxiv.org/abs/{paper.arxiv_id}",
    }


def payload(webhook: Webhook, items: list[tuple[int, Paper]]) -> tuple[bytes, dict[str, str]]:
    """The body of one post and its headers, in the webhook's format."""
    source = webhook.source_label()
    papers = [_paper_json(paper) for _, paper in items]
    if webhook.format == Webhook.Format.SLACK:
        lines = [f"*New on Paperboy* for {source}"]
        lines += [f"• <{p['url']}|{_slack(p['title'])}> ({p['id']})" for p in papers]
        document: dict = {"text": "\n".join(lines)}
    elif webhook.format == Webhook.Format.DISCORD:
        embeds = [
            {"title": p["title"][:256], "url": p["url"], "description": p["abstract"][:300]}
            for p in papers
        ]
        document = {"content": f"New on Paperboy for {source}"[:2000], "embeds": embeds}
    else:
        kind = "search" if webhook.search_id else "collection"
        document = {
            "event": "papers",
            "webhook": webhook.pk,
            "source": {"kind": kind, "label": source},
            "deliveries": [pk for pk, _ in items],
            "papers": papers,
        }
    body = json.dumps(document, ensure_ascii=False).encode()
    headers = {"X-Paperboy-Delivery": ",".join(str(pk) for pk, _ in items)}
    if webhook.format == Webhook.Format.JSON:
        headers["X-Paperboy-Signature"] = sign(webhook.secret, body)
    return body, headers


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the webhook's secret>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
