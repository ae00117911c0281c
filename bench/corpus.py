"""The real arXiv records and the benchmark queries made from them (shared by the search
benchmarks)."""

from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT.parent / "shared" / "data" / "arxiv" / "arxiv-snapshot.jsonl.gz"


def real_records() -> list[dict]:
    with gzip.open(SNAPSHOT, "rt") as handle:
        return [json.loads(line) for line in handle]


def make_queries(records: list[dict], count: int = 500) -> list[str]:
    rng = random.Random(7)
    titles = []
    for record in records:
        words = re.findall(r"[A-Za-z]{4,}", record["title"])
        if len(words) >= 3:
            titles.append((words, (record["categories"] or "cs.LG").split()[0]))
    queries = []
    for number in range(count):
        words, category = rng.choice(titles)
        picked = rng.sample(words, k=min(len(words), rng.randint(1, 3)))
        kind = number % 5
        if kind == 0:
            queries.append(" ".join(picked))
        elif kind == 1:
            start = rng.randrange(max(1, len(words) - 1))
            queries.append(f'"{words[start]} {words[start + 1]}"' if len(words) > 1 else words[0])
        elif kind == 2:
            queries.append(f"{' '.join(picked)} cat:{category.split('.')[0]}")
        elif kind == 3:
            queries.append(f"{' '.join(picked)} year:{rng.choice([2023, 2024, 2025])}")
        else:
            queries.append(f"{' '.join(picked)} has:code")
    return queries
