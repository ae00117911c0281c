"""Reads of the daily lists."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet

from catalog.models import Authorship
from community.models import DailyListing


def latest_listing_day(on_or_before: dt.date | None = None) -> dt.date | None:
    """The most recent day with listings, optionally not after a given day."""
    listings = DailyListing.objects.all()
    if on_or_before:
        listings = listings.filter(listed_on__lte=on_or_before)
    return listings.order_by("-listed_on").values_list("listed_on", flat=True).first()


def listings_on(day: dt.date) -> QuerySet[DailyListing]:
    """A day's listings, most upvoted first, with papers, authors and submitters loaded."""
    return (
        DailyListing.objects.filter(listed_on=day)
        .select_related("paper__primary_category", "submitted_by")
        .prefetch_related(
            Prefetch(
                "paper__authorships",
                queryset=Authorship.objects.select_related("author").order_by("position"),
            )
        )
        .order_by("-imported_upvotes", "paper__arxiv_id")
    )


def neighbour_days(day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The previous and next days that have listings."""
    days = DailyListing.objects.values_list("listed_on", flat=True)
    previous = days.filter(listed_on__lt=day).order_by("-listed_on").first()
    following = days.filter(listed_on__gt=day).order_by("listed_on").first()
    return previous, following
