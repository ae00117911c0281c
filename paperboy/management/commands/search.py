"""`paperboy search "QUERY"`: the site's search from the command line."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from community.queries import paper_upvote_counts
from paperboy.management.commands._base import PaperboyCommand
from search.lexical import IndexUnavailable
from search.queries import search_papers
from search.query import QueryError


class Command(PaperboyCommand):
    help = (
        'Search papers with the query language: words, "phrases", -excluded, title:, '
        "author:, cat:cs.CL, year:2024, after:/before:YYYY-MM-DD, has:code, sort:newest|upvotes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", metavar="QUERY")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            page = search_papers(
                options["query"], limit=options["limit"], popularity=paper_upvote_counts
            )
        except (QueryError, IndexUnavailable) as error:
            raise CommandError(str(error)) from None
        for rank, result in enumerate(page.results, start=1):
            paper = result.paper
            if options["json"]:
                record = {
                    "rank": rank,
                    "id": paper.arxiv_id,
                    "title": paper.title,
                    "score": round(result.score, 4),
                    "pinned": result.pinned,
                }
                self.stdout.write(json.dumps(record))
            else:
                self.stdout.write(f"{rank:>3}. {paper.arxiv_id:<18} {paper.title[:90]}")
        if not options["json"]:
            self.stdout.write(f"{page.total} matches in {page.took_ms:.1f} ms")
