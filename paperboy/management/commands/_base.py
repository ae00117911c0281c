"""Shared behaviour of Paperboy's operator commands: one-line errors and import reports."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from catalog.models import ImportRun
from catalog.sources.base import SourceError


def iso_day(text: str) -> dt.date:
    """An argparse type for YYYY-MM-DD options."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


class PaperboyCommand(BaseCommand):
    """A command whose expected failures end in one clear line and a non-zero exit."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except SourceError as error:
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            raise CommandError("interrupted; run the same command again to resume") from None

    def report(self, run: ImportRun, *, index: bool = True) -> None:
        """The one-line summary every import ends with, then (unless told not to) bringing
        the search index up to date with what changed."""
        self.stdout.write(f"{run.source}: {run.summary}")
        if index and (run.new or run.updated):
            self.update_search_index()

    def update_search_index(self) -> None:
        """Make new papers keyword-searchable now rather than at the next scheduled update."""
        from search.services.indexing import IndexBusy, update_index

        try:
            count, _ = update_index()
        except IndexBusy as error:
            self.stderr.write(f"search index not updated: {error}")
        else:
            self.stdout.write(f"search index: {count} papers indexed")
