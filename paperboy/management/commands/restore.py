"""`paperboy restore FILE --yes`: put a backup in place of the database's contents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from catalog.models import Paper
from paperboy.backups import BackupError, restore
from paperboy.management.commands._base import PaperboyCommand
from search.replica import new_epoch


class Command(PaperboyCommand):
    help = (
        "Replace the database's contents with a backup made by `paperboy backup`. Every "
        "node's search index then rebuilds itself (a new catalogue epoch)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a file written by `paperboy backup`")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="replace a database that already holds papers (they are lost)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"{source} is not a backup file")
        if not options["yes"] and _holds_papers():
            raise CommandError(
                "this database holds papers; restoring replaces all of it: add --yes"
            )
        try:
            restore(source)
        except (BackupError, OSError) as error:
            raise CommandError(f"restore failed: {error}") from None
        new_epoch()
        papers = Paper.objects.count()
        self.stdout.write(
            f"restored {source}: {papers} papers. Search indexes rebuild on their next update "
            "(`paperboy index follow` does it by itself)."
        )


def _holds_papers() -> bool:
    from django.db import DatabaseError

    try:
        return Paper.objects.exists()
    except DatabaseError:  # an empty database, before any migration
        return False
