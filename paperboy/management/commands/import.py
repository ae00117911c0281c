"""`paperboy import SOURCE ...`: load papers from files or feeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from catalog.services.imports import completed_run, run_import
from catalog.sources.arxiv_rss import ArxivRssSource
from catalog.sources.arxiv_snapshot import ArxivSnapshotSource
from catalog.sources.base import RecordSource
from community.services.listings import ListingWriter
from community.sources.hf_daily import HfDailySource
from paperboy.management.commands._base import PaperboyCommand


class Command(PaperboyCommand):
    help = (
        "Import papers. Re-importing the same input changes nothing; an interrupted import "
        "resumes where it stopped. Ends with: new N, updated N, unchanged N, rejected N."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
        snapshot = sources.add_parser(
            "arxiv-snapshot",
            help="arXiv metadata snapshot (JSON lines, plain or .gz), streamed",
            description="Import the arXiv metadata snapshot (arxiv-metadata-oai-snapshot.json "
            "format): one JSON object per line, plain or gzip-compressed.",
        )
        snapshot.add_argument("path", type=Path, metavar="PATH")
        daily = sources.add_parser(
            "hf-daily",
            help="Hugging Face daily-papers API responses (.json / .json.gz files or folders)",
            description="Import Hugging Face /api/daily_papers responses: papers, the day each "
            "was listed, submitters (as placeholder accounts), upvotes and comments.",
        )
        daily.add_argument("paths", type=Path, nargs="+", metavar="PATH")
        rss = sources.add_parser(
            "arxiv-rss",
            help="an arXiv RSS/Atom listing: a file, a URL, or a category such as cs.AI",
            description="Import a daily arXiv listing feed (announce types new, cross, "
            "replace) from a file, a URL, or a category name fetched from "
            "PAPERBOY_ARXIV_RSS_URL.",
        )
        rss.add_argument("location", metavar="PATH_OR_URL_OR_CATEGORY")
        for sub in (snapshot, daily, rss):
            sub.add_argument(
                "--skip-if-imported",
                action="store_true",
                help="do nothing when this exact input was already imported completely",
            )
            sub.add_argument("--batch-size", type=int, default=None, help="records per transaction")
            sub.add_argument(
                "--no-index",
                action="store_true",
                help="leave the search index alone (for bulk loads; run `paperboy index update` "
                "afterwards)",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["source"]
        make_writer = None
        source: RecordSource
        if kind == "arxiv-snapshot":
            source = ArxivSnapshotSource(options["path"])
        elif kind == "hf-daily":
            source = HfDailySource(options["paths"])
            make_writer = ListingWriter
        else:
            source = ArxivRssSource.open(options["location"])
        if options["skip_if_imported"]:
            previous = completed_run(source)
            if previous is not None:
                self.stdout.write(
                    f"{source.name}: already imported by run #{previous.pk}; skipped "
                    f"({previous.summary})"
                )
                return
        run = run_import(
            source, make_writer, batch_size=options["batch_size"], stderr=self.stderr._out
        )
        self.report(run, index=not options["no_index"])
