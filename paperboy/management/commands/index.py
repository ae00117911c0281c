"""`paperboy index rebuild|update|status`: the search index, derived from the database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from catalog.models import Paper
from paperboy.management.commands._base import PaperboyCommand
from search.services.indexing import IndexBusy, index_status, update_index


class Command(PaperboyCommand):
    help = "Build or update the search index from the catalogue, or show how far it is."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("rebuild", help="index every paper again, from scratch")
        update = actions.add_parser("update", help="index papers changed since the last update")
        update.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="keep updating, waiting this many seconds between rounds",
        )
        actions.add_parser("status", help="papers indexed, and papers waiting")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            for key, value in index_status().items():
                self.stdout.write(f"{key:>14}: {value}")
            return
        while True:
            self._update(rebuild=action == "rebuild")
            if not options.get("loop"):
                return
            time.sleep(options["loop"])

    def _update(self, *, rebuild: bool) -> None:
        total = Paper.objects.count() if rebuild else None
        with tqdm(total=total, unit="paper", desc="index", file=self.stderr._out) as bar:
            try:
                count, state = update_index(rebuild=rebuild, progress=bar.update)
            except IndexBusy as error:
                raise CommandError(str(error)) from None
        self.stdout.write(f"indexed {count} papers; the index holds {state.documents}")
