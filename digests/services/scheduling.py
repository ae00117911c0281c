"""When digests are due: each subscriber's own hour in their own time zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.utils import timezone

from digests.models import Frequency, Subscription
from digests.periods import digest_period
from digests.services.building import BuildReport, build_digests
from digests.services.sending import SendReport, send_pending


def build_due(
    *,
    frequencies: list[str] | None = None,
    as_of: dt.date | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[BuildReport]:
    """Build every digest that is due.

    With `as_of`, periods are computed as if it were that day for every subscriber, ignoring
    hours and time zones (replays of the demo data, tests). Otherwise each subscriber's
    digest is due once their local clock reaches their hour on a sending day, and a new
    subscriber's first digest is the first period that ends after they confirmed.
    """
    reports = []
    for frequency in frequencies or list(Frequency.values):
        if as_of is not None:
            reports.append(build_digests(frequency, as_of, progress=progress))
            continue
        now = now or timezone.now()
        active = Subscription.objects.filter(status=Subscription.Status.ACTIVE, frequency=frequency)
        for zone in active.values_list("time_zone", flat=True).distinct():
            local = now.astimezone(ZoneInfo(zone))
            period = digest_period(frequency, local.date())
            if period is None:
                continue
            ready = active.filter(
                time_zone=zone,
                send_hour__lte=local.hour,
                confirmed_at__lt=dt.datetime.combine(
                    period.end + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(zone)
                ),
            )
            reports.append(
                build_digests(frequency, local.date(), subscriptions=ready, progress=progress)
            )
    return reports


def run_due(
    *,
    frequencies: list[str] | None = None,
    as_of: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[BuildReport], SendReport]:
    """Build what is due, then send everything waiting (including earlier retries)."""
    reports = build_due(frequencies=frequencies, as_of=as_of, progress=progress)
    return reports, send_pending(progress=progress)
