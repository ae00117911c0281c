"""Members submitting papers to the daily list, and curators featuring or hiding them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.ids import InvalidArxivId, parse_arxiv_id
from catalog.models import Paper
from catalog.services.fetch import fetch_arxiv_paper
from catalog.sources.base import SourceError
from community.models import DailyListing, User
from community.permissions import is_curator, require_participation
from community.services.errors import NotAllowed

MAX_COMMENT = 500


def submit_paper(user: User, id_or_url: str, comment: str = "") -> DailyListing:
    """List a paper on today's daily list, enforcing the submission rules.

    Rules (settings): a paper is listed once; its first arXiv version is at most
    PAPERBOY_SUBMISSION_MAX_AGE_DAYS old; a member submits at most
    PAPERBOY_SUBMISSIONS_PER_DAY papers a day. Curators are exempt from the age and cap.
    """
    require_participation(user, "submit papers")
    try:
        arxiv_id = parse_arxiv_id(id_or_url).base
    except InvalidArxivId as error:
        raise NotAllowed(f"{error}. Paste an arXiv id (2401.01234) or an arXiv URL.") from None
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise NotAllowed(f"The submitter comment can be at most {MAX_COMMENT} characters.")

    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        try:
            paper = fetch_arxiv_paper(arxiv_id)
        except SourceError:
            raise NotAllowed(
                "arXiv could not be reached; try again in a minute.", status=503
            ) from None
        if paper is None:
            raise NotAllowed(f"arXiv has no paper {arxiv_id}.", status=404)

    already = DailyListing.objects.filter(paper=paper).order_by("listed_on").first()
    if already is not None:
        raise NotAllowed(f"{arxiv_id} is already listed, on {already.listed_on:%d %B %Y}.")
    now = timezone.now()
    if not is_curator(user):
        _check_age(paper, now)
        _check_daily_cap(user, now)
    try:
        with transaction.atomic():
            return DailyListing.objects.create(
                paper=paper,
                listed_on=timezone.localdate(now),
                submitted_by=user,
                submitted_at=now,
                submitter_comment=comment,
                source="member",
            )
    except IntegrityError:
        raise NotAllowed(f"{arxiv_id} was just listed by someone else.") from None


def _check_age(paper: Paper, now: dt.datetime) -> None:
    limit = settings.PAPERBOY_SUBMISSION_MAX_AGE_DAYS
    first = paper.submitted_at or (
        dt.datetime.combine(paper.published_on, dt.time(), tzinfo=dt.UTC)
        if paper.published_on
        else None
    )
    if first is None or now - first > dt.timedelta(days=limit):
        raise NotAllowed(
            f"Only papers whose first version is at most {limit} days old can be submitted."
        )


def _check_daily_cap(user: User, now: dt.datetime) -> None:
    cap = settings.PAPERBOY_SUBMISSIONS_PER_DAY
    today = DailyListing.objects.filter(
        submitted_by=user, submitted_at__gte=now - dt.timedelta(days=1)
    ).count()
    if today >= cap:
        raise NotAllowed(f"You can submit {cap} papers a day; try again tomorrow.", status=429)


def set_listing_flags(
    curator: User,
    listing: DailyListing,
    *,
    featured: bool | None = None,
    hidden: bool | None = None,
) -> DailyListing:
    """Curators pin a listing to the top of its day or hide it from the lists."""
    if not is_curator(curator):
        raise NotAllowed("Only curators can feature or hide papers.", status=403)
    if featured is not None:
        listing.featured = featured
    if hidden is not None:
        listing.hidden = hidden
    listing.save(update_fields=["featured", "hidden"])
    return listing
