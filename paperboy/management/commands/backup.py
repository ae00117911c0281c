"""`paperboy backup FILE`: a consistent copy of the database (pg_dump, or SQLite's backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from paperboy.backups import BackupError, backup
from paperboy.management.commands._base import PaperboyCommand


class Command(PaperboyCommand):
    help = "Write a consistent copy of the database to FILE (the site may keep running)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write the backup")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["file"])
        try:
            size = backup(target)
        except (BackupError, OSError) as error:
            raise CommandError(f"backup failed: {error}") from None
        self.stdout.write(f"backed up the database to {target} ({size / 1e6:.1f} MB)")
