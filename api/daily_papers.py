"""/api/daily_papers: the daily lists, compatible with Hugging Face's endpoint."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import Field

from api.auth import TokenAuth
from api.schemas import DailyPaperOut, ErrorOut, SubmissionOut, SubmitIn
from api.serializers import daily_entry
from community.models import DailyListing, Submission
from community.periods import Period, check_day, day_period, parse_month, parse_week
from community.queries import ListFilters, latest_listing_day, listed_in, with_counts
from community.services.submissions import submit_paper

router = Router(tags=["daily papers"])
SORTS = {"publishedAt": "newest", "trending": "trending", "upvotes": "upvotes"}


class DailyQuery(Schema):
    p: int = Field(0, ge=0, le=10_000, description="Page number, from 0.")
    limit: int = Field(50, ge=1, le=100, description="Entries per page (1-100).")
    date: dt.date | None = Field(None, description="A day, YYYY-MM-DD.")
    week: str | None = Field(None, description="An ISO week, YYYY-Www.")
    month: str | None = Field(None, description="A month, YYYY-MM.")
    submitter: str | None = Field(None, max_length=150, description="Submitter's user name.")
    sort: str | None = Field(None, description="publishedAt (newest first) or trending.")


def _period(query: DailyQuery) -> Period | None:
    given = [value for value in (query.date, query.week, query.month) if value]
    if len(given) > 1:
        raise HttpError(400, "Give at most one of date, week and month.")
    try:
        if query.week:
            return parse_week(query.week)
        if query.month:
            return parse_month(query.month)
    except ValueError as error:
        raise HttpError(400, str(error)) from None
    if query.date:
        try:
            return day_period(check_day(query.date))
        except ValueError as error:
            raise HttpError(400, f"date: {error}") from None
    return None


@router.get("/daily_papers", response={200: list[DailyPaperOut], 400: ErrorOut})
def daily_papers(request: HttpRequest, response: HttpResponse, query: Query[DailyQuery]):
    """Listed papers of a day, week or month (default: the latest day with listings), most
    upvoted first; `sort=publishedAt` puts the newest first, `sort=trending` ranks by the
    trending score. Same entry shape as Hugging Face's `/api/daily_papers`; a full page
    carries `Link: <...p=N+1...>; rel="next"`, as Hugging Face's does."""
    entries = _entries(query)
    if len(entries) == query.limit:
        response["Link"] = f'<{_page_url(request, query.p + 1)}>; rel="next"'
    return entries


def _page_url(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["p"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _entries(query: DailyQuery) -> list[dict]:
    if query.sort is not None and query.sort not in SORTS:
        raise HttpError(400, "sort must be publishedAt or trending.")
    filters = ListFilters(sort=SORTS.get(query.sort or "upvotes", "upvotes"))
    period = _period(query)
    if query.submitter:
        listings = DailyListing.objects.filter(hidden=False, submitted_by__username=query.submitter)
        if period:
            listings = listings.filter(listed_on__range=(period.start, period.end))
        ranked = list(
            with_counts(listings)
            .select_related("paper", "submitted_by")
            .prefetch_related("paper__authorships__author")
            .order_by("-listed_on", "-votes")[query.p * query.limit : (query.p + 1) * query.limit]
        )
        return [daily_entry(listing) for listing in ranked]
    if period is None:
        latest = latest_listing_day()
        if latest is None:
            return []
        period = day_period(latest)
    listings, _ = listed_in(
        period, filters, offset=query.p * query.limit, limit=query.limit, all_authors=True
    )
    return [daily_entry(listing) for listing in listings]


@router.post(
    "/daily_papers",
    auth=TokenAuth(),
    response={
        201: DailyPaperOut,
        202: SubmissionOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        429: ErrorOut,
    },
)
def submit(request: HttpRequest, body: SubmitIn):
    """Submit a paper (arXiv id or URL) to today's list, under the site's submission rules.
    A paper in the catalogue is listed at once (201). One that is not is fetched from arXiv
    in the background (202): follow `GET /api/v1/submissions/{id}`."""
    result = submit_paper(request.auth, body.paper, body.comment)
    if isinstance(result, Submission):
        return Status(202, submission_out(result))
    listing = with_counts(DailyListing.objects.filter(pk=result.pk)).select_related(
        "paper", "submitted_by"
    )[0]
    return Status(201, daily_entry(listing))


def submission_out(submission: Submission) -> dict:
    return {
        "id": submission.pk,
        "paper": submission.arxiv_id,
        "status": submission.status,
        "detail": submission.message,
        "location": f"/api/v1/submissions/{submission.pk}",
    }


@router.get(
    "/v1/submissions/{submission_id}",
    auth=TokenAuth(),
    response={200: SubmissionOut, 401: ErrorOut, 404: ErrorOut},
)
def submission_status(request: HttpRequest, submission_id: int):
    """Where one of your submissions stands: `fetching`, `listed` or `refused` (with why)."""
    found = Submission.objects.filter(pk=submission_id, user=request.auth).first()
    if found is None:
        raise HttpError(404, "No such submission of yours.")
    return submission_out(found)
