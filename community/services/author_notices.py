"""Mail to claimed authors who opted in: "your paper was listed" and "your paper is
trending", each at most once per claim, paper and reason (a unique constraint), however
many rounds or workers run. A notice is claimed by a conditional update before it is
mailed; a kill between the mail and the update sends it again, at most three times."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone

from catalog.models import Authorship
from community.models import AuthorClaim, AuthorNotice, DailyListing
from community.queries import ListFilters, listed_rows, trending_period

log = logging.getLogger(__name__)
LISTED_DAYS = 2  # listings this many days back still get a notice
TRENDING_TOP = 10  # "trending" means in the trending list's first ten
MAX_ATTEMPTS = 3


def queue_notices(today: dt.date | None = None) -> int:
    """Write a notice for each recent listing and each trending paper of an author whose
    approved claim asked for them; returns how many were new."""
    claims = dict(
        AuthorClaim.objects.filter(status=AuthorClaim.Status.APPROVED, notify=True).values_list(
            "author_id", "pk"
        )
    )
    if not claims:
        return 0
    today = today or timezone.localdate()
    listed = DailyListing.objects.filter(
        listed_on__gte=today - dt.timedelta(days=LISTED_DAYS), hidden=False
    ).values("paper_id")
    trending, _ = listed_rows(trending_period(), ListFilters(sort="trending"), limit=TRENDING_TOP)
    wanted = []
    for reason, papers in (
        (AuthorNotice.Reason.LISTED, listed),
        (AuthorNotice.Reason.TRENDING, [row["paper_id"] for row in trending]),
    ):
        hits = Authorship.objects.filter(paper_id__in=papers, author_id__in=list(claims))
        for paper_id, author_id in hits.values_list("paper_id", "author_id"):
            wanted.append((claims[author_id], paper_id, reason))
    known = set(
        AuthorNotice.objects.filter(claim_id__in=list(claims.values())).values_list(
            "claim_id", "paper_id", "reason"
        )
    )
    new = [
        AuthorNotice(claim_id=c, paper_id=p, reason=r)
        for c, p, r in wanted
        if (c, p, r) not in known
    ]
    AuthorNotice.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def send_notices(limit: int = 100) -> int:
    """Mail the notices not sent yet; returns how many went."""
    due = AuthorNotice.objects.filter(
        sent_at__isnull=True,
        attempts__lt=MAX_ATTEMPTS,
        claim__status=AuthorClaim.Status.APPROVED,
        claim__notify=True,
    ).select_related("claim__user", "claim__author", "paper")
    sent = 0
    for notice in due.order_by("pk")[:limit]:
        mine = AuthorNotice.objects.filter(
            pk=notice.pk, sent_at__isnull=True, attempts=notice.attempts
        ).update(attempts=F("attempts") + 1)
        if not mine:
            continue  # another worker has it
        try:
            _mail(notice)
        except OSError as error:
            AuthorNotice.objects.filter(pk=notice.pk).update(error=str(error)[:500])
            log.warning("author notice %s not sent: %s", notice.pk, error)
            continue
        AuthorNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now(), error="")
        sent += 1
    return sent


def _mail(notice: AuthorNotice) -> None:
    user, paper = notice.claim.user, notice.paper
    if not user.email:
        raise OSError("the member has no email address")
    what = "was listed" if notice.reason == AuthorNotice.Reason.LISTED else "is trending"
    body = (
        f"Hello {user},\n\nYour paper “{paper.title}” {what} on Paperboy:\n"
        f"{settings.BASE_URL}{paper.get_absolute_url()}\n\n"
        f"You get this because you claimed the author page of {notice.claim.author.name}. "
        f"Switch these mails off there: "
        f"{settings.BASE_URL}{notice.claim.author.get_absolute_url()}\n"
    )
    EmailMessage(f"Your paper {what}: {paper.title[:120]}", body, to=[user.email]).send()


def run_author_notices() -> str:
    queued = queue_notices()
    return f"author notices: {queued} new, {send_notices()} sent"
