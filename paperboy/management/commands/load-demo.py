"""`paperboy load-demo`: import the bundled real data once, skipping what is already in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from paperboy.management.commands._base import PaperboyCommand


class Command(PaperboyCommand):
    help = (
        "Import the demo data from PAPERBOY_DEMO_DATA_DIR: the Hugging Face daily papers, "
        "then the arXiv snapshot. Inputs already imported completely are skipped, so a "
        "second run takes seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data", type=Path, help="the demo data folder (default PAPERBOY_DEMO_DATA_DIR)"
        )
        parser.add_argument(
            "--daily-only", action="store_true", help="skip the 144k-paper arXiv snapshot"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = options["data"] or settings.DEMO_DATA_DIR
        daily = data / "hf-daily-papers"
        snapshot = data / "arxiv" / "arxiv-snapshot.jsonl.gz"
        if not daily.is_dir():
            raise CommandError(
                f"{daily}: demo data not found; set PAPERBOY_DEMO_DATA_DIR to the data folder"
            )
        call_command("import", "hf-daily", str(daily), "--skip-if-imported")
        if not options["daily_only"] and snapshot.exists():
            call_command("import", "arxiv-snapshot", str(snapshot), "--skip-if-imported")
        from search.services.indexing import index_status

        if index_status()["waiting"]:  # e.g. data imported before search existed
            self.update_search_index()
