"""Benchmark: keyword search end to end through the HTTP API on the 144k-paper snapshot.

Imports the snapshot into a fresh SQLite database, builds the index (timed), starts
`paperboy serve` (gunicorn, 2 workers, page cache off), and sends 500 realistic queries made
deterministically (seed 7) from real titles: words, quoted phrases, category and year
filters, has:code. Reports p50 / p95 / p99 for one client and throughput for 4 concurrent
clients. Only the keyword side exists so far; hybrid and 1M / 3M corpora come with the
semantic index.

    .venv/bin/python bench/search_keyword.py
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from report import write_section

from web import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "paperboy"
SNAPSHOT = ROOT.parent / "shared" / "data" / "arxiv" / "arxiv-snapshot.jsonl.gz"


def make_queries(count: int = 500) -> list[str]:
    rng = random.Random(7)
    titles = []
    with gzip.open(SNAPSHOT, "rt") as handle:
        for line in handle:
            record = json.loads(line)
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


def timed_get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as answer:
        answer.read()
    return (time.perf_counter() - start) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    queries = make_queries()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PAPERBOY_DATA_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/search.sqlite3",
            "PAPERBOY_RATE_API": "100000000",
            "PAPERBOY_PAGE_CACHE_SECONDS": "0",
        }
        subprocess.run([str(BIN), "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [str(BIN), "import", "arxiv-snapshot", str(SNAPSHOT)], env=env, check=True,
            capture_output=True,
        )  # fmt: skip
        start = time.perf_counter()
        subprocess.run([str(BIN), "index", "rebuild"], env=env, check=True, capture_output=True)
        build_seconds = time.perf_counter() - start
        size_mb = sum(p.stat().st_size for p in Path(tmp, "index").rglob("*") if p.is_file()) / 1e6
        port = free_port()
        server = subprocess.Popen(
            [str(BIN), "serve", "--port", str(port), "--workers", "2"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz")
            urls = [
                f"http://127.0.0.1:{port}/api/v1/search?limit=10&q={urllib.parse.quote(q)}"
                for q in queries
            ]
            for url in urls[:20]:
                timed_get(url)  # warm up
            single = [timed_get(url) for url in urls]
            start = time.perf_counter()
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(timed_get, urls))
            throughput = len(urls) / (time.perf_counter() - start)
        finally:
            server.terminate()
            server.wait(timeout=20)
    table = (
        "| corpus | index build s | index MB | p50 ms | p95 ms | p99 ms | req/s, 4 clients |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
        f"| 144k real snapshot | {build_seconds:.0f} | {size_mb:.0f} | "
        f"{statistics.median(single):.1f} | {percentile(single, 0.95):.1f} | "
        f"{percentile(single, 0.99):.1f} | {throughput:.0f} |"
    )
    print(table)
    write_section(
        "Keyword search",
        ".venv/bin/python bench/search_keyword.py",
        "500 queries from real titles (seed 7) through `GET /api/v1/search` on gunicorn with "
        "2 workers, page cache off, one client for latencies; keyword (BM25) side only.\n\n"
        + table,
    )


if __name__ == "__main__":
    main()
