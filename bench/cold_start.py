"""Benchmark: the first searches of a freshly started app server, with and without warm-up.

Uses the corpus that `bench/search.py --sizes SIZE --keep` leaves in var/bench/search-SIZE
(144k by default: the real snapshot, keyword index and approximate vector index). For each
setting of PAPERBOY_WARM_UP, three times: start `paperboy serve` (1 process x 4 threads),
wait for `/healthz` to answer, then time the first hybrid search through `/api/v1/search`,
the first keyword-only search, and the median of the next 20 hybrid searches (different
queries, so no query's embedding is reused).

    .venv/bin/python bench/search.py --sizes 144k --keep   # once
    .venv/bin/python bench/cold_start.py [--size 144k|1M|3M]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from report import write_section

from web import free_port, timed_get, wait_until_up  # bench/web.py

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "paperboy"
WORK = ROOT / "var" / "bench"
QUERIES = [
    "diffusion models for video generation",
    "graph neural networks for molecules",
    "speculative decoding large language models",
    "quantum error correction surface code",
    "dark matter halo simulations",
    "reinforcement learning from human feedback",
    "protein structure prediction",
    "gravitational wave detection",
    "sparse attention long context",
    "topological insulators",
    "image segmentation transformer",
    "bayesian optimisation",
    "neutrino oscillation experiment",
    "federated learning privacy",
    "retrieval augmented generation",
    "superconductivity in cuprates",
    "robot manipulation policy",
    "speech recognition low resource",
    "galaxy cluster weak lensing",
    "mixture of experts routing",
    "causal inference observational data",
    "text to speech synthesis",
]


def url(port: int, query: str, mode: str) -> str:
    quoted = urllib.parse.quote(query)
    return f"http://127.0.0.1:{port}/api/v1/search?limit=10&mode={mode}&q={quoted}"


def one_start(work: Path, warm: bool) -> dict[str, float]:
    env = {
        **os.environ,
        "PAPERBOY_DATA_DIR": str(work),
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "PAPERBOY_RATE_API": "100000000",
        "PAPERBOY_PAGE_CACHE_SECONDS": "0",
        "PAPERBOY_DEBUG": "0",
        "PAPERBOY_WARM_UP": "1" if warm else "0",
    }
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--workers", "1", "--threads", "4",
         "--no-collectstatic"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=300)
        ready = time.perf_counter() - started
        first_hybrid = timed_get(url(port, QUERIES[0], "hybrid"))
        first_keyword = timed_get(url(port, QUERIES[1], "keyword"))
        later = [timed_get(url(port, query, "hybrid")) for query in QUERIES[2:]]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "ready_s": ready,
        "first_hybrid": first_hybrid,
        "first_keyword": first_keyword,
        "later_hybrid": statistics.median(later),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="144k", choices=["144k", "1M", "3M"])
    size = parser.parse_args().size
    work = WORK / f"search-{size}"
    if not (work / "db.sqlite3").exists():
        raise SystemExit(f"run `bench/search.py --sizes {size} --keep` first")
    lines = [
        "| warm-up | run | ready after s | first hybrid search ms | first keyword search ms "
        "| next 20 hybrid, median ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for warm in (False, True):
        runs = [one_start(work, warm) for _ in range(3)]
        for number, run in enumerate(runs, start=1):
            lines.append(
                f"| {'on' if warm else 'off'} | {number} | {run['ready_s']:.1f} | "
                f"{run['first_hybrid']:.1f} | {run['first_keyword']:.1f} | "
                f"{run['later_hybrid']:.1f} |"
            )
            print(lines[-1], flush=True)
        median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        lines.append(
            f"| {'on' if warm else 'off'} | **median** | {median['ready_s']:.1f} | "
            f"**{median['first_hybrid']:.1f}** | {median['first_keyword']:.1f} | "
            f"{median['later_hybrid']:.1f} |"
        )
    table = "\n".join(lines)
    print(table)
    default = size == "144k"
    write_section(
        "Cold start" if default else f"Cold start at {size} papers",
        ".venv/bin/python bench/cold_start.py" + ("" if default else f" --size {size}"),
        f"The {size} corpus of `bench/search.py` "
        + ("(real snapshot, " if default else "(recombined real records, ")
        + "keyword index, approximate vector index), "
        "`paperboy serve` with 1 process x 4 threads, a fresh start per run. 'Ready' is when "
        "`/healthz` first answers; the first searches follow at once, through "
        "`/api/v1/search?limit=10`, each a query the server has not seen.\n\n" + table,
    )


if __name__ == "__main__":
    main()
