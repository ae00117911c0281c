"""`paperboy digests send|status`: the email digests."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db.models import Count

from digests.models import Delivery, Frequency, Subscription
from digests.services.scheduling import build_due
from digests.services.sending import send_pending
from paperboy.loops import StopSignal, run_rounds
from paperboy.management.commands._base import PaperboyCommand, iso_day


class Command(PaperboyCommand):
    help = "Build and send the email digests that are due, or show where they stand."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        send = actions.add_parser(
            "send",
            help="build the digests that are due and send everything waiting",
            description="Build each due subscriber's digest (once per period) and send every "
            "digest waiting, retries included. Safe to run from several machines at once and "
            "to stop at any point: a new run carries on without sending anything twice.",
        )
        send.add_argument(
            "--period", choices=Frequency.values, help="only this frequency (default: all)"
        )
        send.add_argument(
            "--as-of",
            type=iso_day,
            metavar="YYYY-MM-DD",
            help="compute periods as if today were this day, for every subscriber whatever "
            "their hour (replays of the demo data, tests)",
        )
        send.add_argument(
            "--loop", type=float, metavar="SECONDS", help="keep going, pausing between rounds"
        )
        actions.add_parser("status", help="subscriptions and deliveries by state")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            self._status()
            return
        as_of = options["as_of"]
        frequencies = [options["period"]] if options["period"] else None

        stop = StopSignal().install()

        def round_() -> None:
            for report in build_due(frequencies=frequencies, as_of=as_of):
                if report.period is not None:
                    self.stdout.write(f"built {report}")
            self.stdout.write(str(send_pending(should_stop=lambda: stop.stopped)))

        run_rounds(round_, every=options.get("loop"), stop=stop)

    def _status(self) -> None:
        self.stdout.write("subscriptions:")
        for row in Subscription.objects.values("status", "frequency").annotate(n=Count("pk")):
            self.stdout.write(f"  {row['status']:>13} {row['frequency']:>8}: {row['n']}")
        self.stdout.write("deliveries:")
        for row in Delivery.objects.values("status").annotate(n=Count("pk")).order_by("status"):
            self.stdout.write(f"  {row['status']:>13}: {row['n']}")
