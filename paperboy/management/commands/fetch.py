"""`paperboy fetch arxiv ID_OR_URL...`: look papers up in the arXiv API and store them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from catalog.services.imports import run_import
from catalog.sources.arxiv_api import ArxivApiSource
from paperboy.management.commands._base import PaperboyCommand


class Command(PaperboyCommand):
    help = "Fetch single papers from an online source and add or refresh them in the catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
        arxiv = sources.add_parser(
            "arxiv",
            help="papers by arXiv id or arXiv / Hugging Face URL, from the arXiv API",
            description="Look papers up in the arXiv API (PAPERBOY_ARXIV_API_URL) by id "
            "(2401.01234, hep-th/9901001v2) or URL, and store them.",
        )
        arxiv.add_argument("ids", nargs="+", metavar="ID_OR_URL")

    def handle(self, *args: Any, **options: Any) -> None:
        run = run_import(ArxivApiSource(options["ids"]), stderr=self.stderr._out)
        self.report(run)
