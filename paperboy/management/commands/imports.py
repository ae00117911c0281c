"""`paperboy imports`: recent import and harvest runs with their counts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from catalog.queries import recent_import_runs
from paperboy.management.commands._base import PaperboyCommand


class Command(PaperboyCommand):
    help = "List recent import and harvest runs: source, status, counts and input."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        runs = list(recent_import_runs(options["limit"]))
        if not runs:
            self.stdout.write("No imports yet.")
            return
        for run in runs:
            started = run.started_at.strftime("%Y-%m-%d %H:%M")
            self.stdout.write(
                f"#{run.pk:<5} {started}  {run.source:<15} {run.status:<10} {run.summary}  "
                f"{run.target}"
            )
            if run.error:
                self.stdout.write(f"       error: {run.error}")
