"""Which papers a digest covers: the period before the day it is sent."""

from __future__ import annotations

import datetime as dt

from community.periods import Period, month_period, week_period_of

WEEKEND = (5, 6)


def digest_period(frequency: str, sent_on: dt.date) -> Period | None:
    """The period a digest sent on `sent_on` covers, or None when none is sent that day.

    daily: weekdays only, covering the days since the previous weekday (Monday's covers
    Friday to Sunday); weekly: the previous ISO week; monthly: the previous calendar month.
    """
    if frequency == "daily":
        if sent_on.weekday() in WEEKEND:
            return None
        back = 3 if sent_on.weekday() == 0 else 1
        return Period("day", sent_on - dt.timedelta(days=back), sent_on - dt.timedelta(days=1))
    if frequency == "weekly":
        return week_period_of(sent_on - dt.timedelta(days=7))
    if frequency == "monthly":
        last_month = sent_on.replace(day=1) - dt.timedelta(days=1)
        return month_period(last_month.year, last_month.month)
    raise ValueError(f"unknown frequency {frequency!r}")


def describe(frequency: str, period: Period) -> str:
    """A period in words for subjects and headings, e.g. "week of 2 June 2025"."""
    if frequency == "monthly":
        return f"{period.start:%B %Y}"
    if frequency == "weekly":
        return f"week of {period.start.day} {period.start:%B %Y}"
    if period.start == period.end:
        return f"{period.start:%A} {period.start.day} {period.start:%B %Y}"
    return f"{period.start.day} {period.start:%B} to {period.end.day} {period.end:%B %Y}"
