"""`paperboy eval beir DIR`: search quality on a BEIR-layout benchmark."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from paperboy.management.commands._base import PaperboyCommand
from search.services.evaluation import MODES, Report, cross_validate, evaluate


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
            "--cv",
            type=int,
            metavar="K",
            help="tune the ranking profiles by K-fold cross-validation and report the "
            "held-out scores, each fold's choice and what the whole split would choose",
        )
        beir.add_argument(
            "--json",
            action="store_true",
            help='print {"ndcg@10", "recall@100", "mrr@10", "queries", "by_treatment", ...}',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder, split, mode = options["folder"], options["split"], options["mode"]
        if options["cv"] is not None:
            report = cross_validate(folder, split=split, mode=mode, folds=options["cv"])
        else:
            report = evaluate(folder, split=split, mode=mode)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json()))
            return
        self._print(report, folder, split, mode, options["cv"])

    def _print(self, report: Report, folder: Path, split: str, mode: str, cv: int | None) -> None:
        how = f", {cv}-fold cross-validated" if cv else ""
        scores = report.scores
        self.stdout.write(
            f"{mode} on {folder} ({split}, {scores.queries} queries{how})\n"
            f"  nDCG@10    {scores.ndcg_at_10:.4f}\n"
            f"  recall@100 {scores.recall_at_100:.4f}\n"
            f"  MRR@10     {scores.mrr_at_10:.4f}"
        )
        for name, part in report.by_treatment.items():
            self.stdout.write(
                f"  {name} queries ({part.queries}): nDCG@10 {part.ndcg_at_10:.4f}, "
                f"MRR@10 {part.mrr_at_10:.4f}"
            )
        for number, fold in enumerate(report.folds, start=1):
            chosen = ", ".join(f"{name} {profile}" for name, profile in fold.items())
            self.stdout.write(f"  fold {number} chose {chosen}")
        for name, profile in report.chosen.items():
            self.stdout.write(f"  the whole split chooses for {name}: {profile}")
