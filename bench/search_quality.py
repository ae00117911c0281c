"""Benchmark: search quality on SciFact's training claims, keyword vs semantic vs hybrid.

Runs `paperboy eval beir` (the site's own ranking code, in a temporary index) in each mode
and records nDCG@10, recall@100 and MRR@10. Corpus embeddings are cached after the first run.

    .venv/bin/python bench/search_quality.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from report import write_section

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "paperboy"
SCIFACT = ROOT.parent / "shared" / "data" / "benchmarks" / "scifact"


def main() -> None:
    lines = [
        "| mode | nDCG@10 | recall@100 | MRR@10 |",
        "|---|---:|---:|---:|",
    ]
    for mode in ("lexical", "dense", "hybrid"):
        done = subprocess.run(
            [str(BIN), "eval", "beir", str(SCIFACT), "--split", "train", "--mode", mode, "--json"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        scores = json.loads(done.stdout)
        lines.append(
            f"| {mode} | {scores['ndcg@10']:.3f} | {scores['recall@100']:.3f} | "
            f"{scores['mrr@10']:.3f} |"
        )
    table = "\n".join(lines)
    print(table)
    write_section(
        "Search quality",
        ".venv/bin/python bench/search_quality.py",
        "SciFact training split (809 judged claims, 5,183 abstracts), BEIR layout, via "
        "`paperboy eval beir`. Published test-split references: BM25 0.665, "
        "all-MiniLM-L6-v2 about 0.645 (different split).\n\n" + table,
    )


if __name__ == "__main__":
    main()
