"""Benchmark: embedding speed of the packaged model on this machine.

Embeds 1,000 real SciFact abstracts (title + text) and 200 short queries, three times, and
reports medians: abstracts per second and milliseconds per query.

    .venv/bin/python bench/embed.py
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
django.setup()

from report import write_section  # noqa: E402

from search.embeddings import MODEL_ID, embedder, paper_text  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "data" / "benchmarks" / "scifact"


def main() -> None:
    with gzip.open(SCIFACT / "corpus.jsonl.gz", "rt") as handle:
        docs = [json.loads(line) for _, line in zip(range(1000), handle, strict=False)]
    texts = [paper_text(d["title"], d["text"]) for d in docs]
    queries = [json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").open()][:200]
    model = embedder()
    model.embed(texts[:32])  # warm up
    rates, per_query = [], []
    for _ in range(3):
        start = time.perf_counter()
        model.embed(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
        start = time.perf_counter()
        for query in queries:
            model.embed([query])
        per_query.append((time.perf_counter() - start) / len(queries) * 1000)
    table = (
        "| model | device | abstracts/s | ms per query |\n|---|---|---:|---:|\n"
        f"| {MODEL_ID} | cpu (2 threads) | {statistics.median(rates):.1f} | "
        f"{statistics.median(per_query):.1f} |"
    )
    print(table)
    write_section(
        "Embeddings",
        ".venv/bin/python bench/embed.py",
        "1,000 SciFact abstracts (title + text, up to 256 tokens) in length-sorted batches of "
        "32, and 200 claims one at a time; medians of 3 runs. At this rate the 144k demo "
        "catalogue takes about two hours in the background; the 9.9k daily-listed papers, "
        "which go first, about ten minutes.\n\n" + table,
    )


if __name__ == "__main__":
    main()
