"""`paperboy eval beir DIR`: search quality on a BEIR-layout benchmark."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from paperboy.management.commands._base import PaperboyCommand
from search.services.evaluation import MODES, evaluate


class Command(PaperboyCommand):
    help = "Evaluate search quality with the site's own ranking code, in a temporary index."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="BENCHMARK")
        beir = kinds.add_parser(
            "beir",
            help="a folder in BEIR layout (corpus.jsonl[.gz], queries.jsonl, qrels/SPLIT.tsv)",
            description="Index the corpus in a temporary index (never the site's), run every "
            "judged query of the split, and report nDCG@10, recall@100 and MRR@10.",
        )
        beir.add_argument("folder", type=Path, metavar="DIR")
        beir.add_argument("--split", default="test", help="qrels file to use (default test)")
        beir.add_argument(
            "--mode",
            choices=MODES,
            default="hybrid",
            help="hybrid (default: what the site's search runs), lexical or dense",
        )
        beir.add_argument(
            "--json", action="store_true", help='print {"ndcg@10", "recall@100", "mrr@10"}'
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scores = evaluate(options["folder"], split=options["split"], mode=options["mode"])
        if options["json"]:
            self.stdout.write(json.dumps(scores.as_json()))
            return
        self.stdout.write(
            f"{options['mode']} on {options['folder']} ({options['split']}, "
            f"{scores.queries} queries)\n"
            f"  nDCG@10    {scores.ndcg_at_10:.4f}\n"
            f"  recall@100 {scores.recall_at_100:.4f}\n"
            f"  MRR@10     {scores.mrr_at_10:.4f}"
        )
