"""`paperboy harvest oai`: incremental OAI-PMH harvesting from arXiv."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from catalog.services.harvest import harvest_oai
from paperboy.management.commands._base import PaperboyCommand, iso_day


class Command(PaperboyCommand):
    help = "Harvest papers incrementally from an online source."

    def add_arguments(self, parser: CommandParser) -> None:
        sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
        oai = sources.add_parser(
            "oai",
            help="arXiv OAI-PMH (metadataPrefix arXiv), continuing from the saved watermark",
            description="Harvest records added or changed on arXiv through OAI-PMH "
            "(PAPERBOY_ARXIV_OAI_URL). Without --from, continues from where the last "
            "completed harvest of the same set stopped; an interrupted harvest resumes at "
            "the page it had reached.",
        )
        oai.add_argument("--from", dest="from_date", type=iso_day, metavar="YYYY-MM-DD")
        oai.add_argument("--until", dest="until_date", type=iso_day, metavar="YYYY-MM-DD")
        oai.add_argument("--set", dest="set_spec", metavar="SET", help="e.g. cs or physics:hep-th")

    def handle(self, *args: Any, **options: Any) -> None:
        run = harvest_oai(
            from_date=options["from_date"],
            until_date=options["until_date"],
            set_spec=options["set_spec"],
            stderr=self.stderr._out,
        )
        self.report(run)
        watermark = run.checkpoint.get("watermark")
        if watermark:
            self.stdout.write(f"next harvest continues from {watermark}")
