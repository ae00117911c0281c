"""Members submitting papers to the daily list, and curators featuring or hiding them.

Every check that needs no network comes first (who may submit, the id, the comment, the
daily cap). A paper already in the catalogue is listed at once; one that is not is queued
(a Submission) for `paperboy worker` to fetch from arXiv and then list, so a web request
never waits on arXiv however slow or unreachable it is.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.ids import InvalidArxivId, parse_arxiv_id
from catalog.models import Paper
from catalog.services.fetch import fetch_arxiv_paper
from catalog.sources.base import SourceError
from community.models import DailyListing, Submission, User
from community.permissions import is_curator, require_participation
from community.services.errors import NotAllowed

MAX_COMMENT = 500


def submit_paper(user: User, id_or_url: str, comment: str = "") -> DailyListing | Submission:
    """List a paper on today's list (a DailyListing), or queue its fetch from arXiv (a
    Submission the caller shows as "fetching"). NotAllowed says why not.

    Rules (settings): a paper is listed once; its first arXiv version is at most
    PAPERBOY_SUBMISSION_MAX_AGE_DAYS old; a member submits at most
    PAPERBOY_SUBMISSIONS_PER_DAY papers a day (fetches under way count). Curators are
    exempt from the age and cap.
    """
    require_participation(user, "submit papers")
    arxiv_id = _arxiv_id(id_or_url)
    comment = _clean_comment(comment)
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is not None:
        return list_paper(user, paper, comment)
    if not is_curator(user):
        _check_daily_cap(user, timezone.now())
    return _queue_fetch(user, arxiv_id, comment)


def _arxiv_id(id_or_url: str) -> str:
    try:
        return parse_arxiv_id(id_or_url).base
    except InvalidArxivId as error:
        raise NotAllowed(f"{error}. Paste an arXiv id (2401.01234) or an arXiv URL.") from None


def _clean_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise NotAllowed(f"The submitter comment can be at most {MAX_COMMENT} characters.")
    return comment


def _queue_fetch(user: User, arxiv_id: str, comment: str) -> Submission:
    from community.tasks import fetch_submission  # tasks import this module

    try:
        with transaction.atomic():
            submission = Submission.objects.create(user=user, arxiv_id=arxiv_id, comment=comment)
            transaction.on_commit(lambda: fetch_submission.enqueue(submission.pk))
    except IntegrityError:  # the same member asked again while the first fetch runs
        submission = Submission.objects.get(
            user=user, arxiv_id=arxiv_id, status=Submission.Status.FETCHING
        )
    return submission


def complete_submission(submission_id: int) -> Submission:
    """The background half: fetch the paper from arXiv, then list it under the rules;
    the outcome and its reason are recorded on the submission. Idempotent."""
    submission = Submission.objects.select_related("user").get(pk=submission_id)
    if submission.status != Submission.Status.FETCHING:
        return submission
    try:
        paper = Paper.objects.filter(arxiv_id=submission.arxiv_id).first()
        if paper is None:
            try:
                paper = fetch_arxiv_paper(submission.arxiv_id)
            except SourceError:
                raise NotAllowed("arXiv could not be reached; try again later.") from None
        if paper is None:
            raise NotAllowed(f"arXiv has no paper {submission.arxiv_id}.")
        listing = list_paper(submission.user, paper, submission.comment, queued=True)
    except NotAllowed as refusal:
        _finish(submission, Submission.Status.REFUSED, refusal.message)
    else:
        _finish(submission, Submission.Status.LISTED, "", listing)
    return submission


def _finish(submission: Submission, status: str, message: str, listing=None) -> None:
    submission.status, submission.message, submission.listing = status, message[:300], listing
    submission.finished = timezone.now()
    submission.save(update_fields=["status", "message", "listing", "finished"])


def list_paper(
    user: User, paper: Paper, comment: str = "", *, queued: bool = False
) -> DailyListing:
    """Put a catalogued paper on today's list under the rules. `queued`: the submission
    already counted against the daily cap when it was queued."""
    already = DailyListing.objects.filter(paper=paper).order_by("listed_on").first()
    if already is not None:
        raise NotAllowed(f"{paper.arxiv_id} is already listed, on {already.listed_on:%d %B %Y}.")
    now = timezone.now()
    if not is_curator(user):
        _check_age(paper, now)
        if not queued:
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
        raise NotAllowed(f"{paper.arxiv_id} was just listed by someone else.") from None


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
    since = now - dt.timedelta(days=1)
    listed = DailyListing.objects.filter(submitted_by=user, submitted_at__gte=since).count()
    fetching = Submission.objects.filter(user=user, status=Submission.Status.FETCHING).count()
    if listed + fetching >= cap:
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
    with transaction.atomic():
        listing.save(update_fields=["featured", "hidden"])
        if hidden is not None:
            hide_from_search(listing.paper_id)
    return listing


def hide_from_search(paper_id: int) -> None:
    """A paper with a hidden listing is hidden from search as well. The paper's `modified`
    moves, so every node's index follower drops (or takes back) its document; search pages
    leave hidden papers out at once."""
    hidden = DailyListing.objects.filter(paper_id=paper_id, hidden=True).exists()
    Paper.objects.filter(pk=paper_id).exclude(hidden=hidden).update(
        hidden=hidden, modified=timezone.now()
    )
