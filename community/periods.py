"""Periods that daily lists are grouped by: a day, an ISO week, a month."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# The days lists can be about. Wide enough for any paper (arXiv began in 1991), narrow
# enough that a period and its neighbours never leave the calendar (year 1 or 9999).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


def check_day(day: dt.date) -> dt.date:
    """The day itself; ValueError when it lies outside FIRST_DAY..LAST_DAY."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day.isoformat()} is outside the years {FIRST_DAY.year}-{LAST_DAY.year}")
    return day


@dataclass(frozen=True, slots=True)
class Period:
    kind: str  # "day" | "week" | "month"
    start: dt.date
    end: dt.date  # inclusive
    # For "trending": the moment its listings are scored at (community.queries), read once
    # with the period instead of again when the rows are ranked.
    at: dt.datetime | None = field(default=None, compare=False)

    @property
    def slug(self) -> str:
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return self.start.isoformat()

    @property
    def week_slug(self) -> str:
        """The ISO week containing the period's last day, e.g. 2026-W34."""
        return week_period_of(self.end).slug

    @property
    def month_slug(self) -> str:
        return f"{self.end:%Y-%m}"

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods later (negative: earlier)."""
        if self.kind == "day":
            return day_period(self.start + dt.timedelta(days=steps))
        if self.kind == "week":
            return week_period_of(self.start + dt.timedelta(weeks=steps))
        month_index = self.start.year * 12 + self.start.month - 1 + steps
        return month_period(month_index // 12, month_index % 12 + 1)


def day_period(day: dt.date) -> Period:
    return Period("day", day, day)


def week_period_of(day: dt.date) -> Period:
    monday = day - dt.timedelta(days=day.weekday())
    return Period("week", monday, monday + dt.timedelta(days=6))


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period("month", dt.date(year, month, 1), dt.date(year, month, last))


def parse_week(text: str) -> Period:
    """`2026-W34` as a Monday-to-Sunday period; ValueError when impossible."""
    match = _WEEK.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a week like 2026-W34")
    monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    return week_period_of(check_day(monday))


def parse_month(text: str) -> Period:
    """`2026-08` as a month period; ValueError when impossible."""
    match = _MONTH.match(text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"{text!r} is not a month like 2026-08")
    check_day(dt.date(int(match[1]), int(match[2]), 1))
    return month_period(int(match[1]), int(match[2]))
