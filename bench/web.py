"""Benchmark: pages and API under load from wrk, against `paperboy serve` (gunicorn, 2 workers).

Imports the 580 days of daily papers into a fresh SQLite database in a temporary folder,
starts the production server, warms each URL, then runs wrk (Debian package `wrk`) against
each URL with 8 connections; once with the anonymous page cache on (the default, 30 s) and
once with it off, so both the usual and the worst case are on record.

    .venv/bin/python bench/web.py [--seconds 15] [--connections 8]

Prints a table and rewrites the "Web" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from report import write_section

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "paperboy"
DAILY = ROOT.parent / "shared" / "data" / "hf-daily-papers"
URLS = [
    ("/papers", "latest day"),
    ("/papers/week/2025-W23", "week page"),
    ("/papers/trending", "trending"),
    ("/papers/2506.08007", "paper page"),
    ("/api/daily_papers?date=2025-06-02", "API daily_papers"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed_get(url: str) -> float:
    """Milliseconds to read the whole answer to a GET (which must succeed)."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as answer:
        answer.read()
    return (time.perf_counter() - start) * 1000


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def parse_wrk(output: str) -> dict[str, float]:
    def millis(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", output)
        value, unit = float(match[1]), match[2]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": millis("50%"),
        "p99": millis("99%"),
        "errors": int(errors[1]) if errors else 0,
    }


def run_server(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_up(f"http://127.0.0.1:{port}/healthz")
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PAPERBOY_DATA_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/web.sqlite3",
            "PAPERBOY_RATE_API": "100000000",
        }
        subprocess.run([str(BIN), "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [str(BIN), "import", "hf-daily", str(DAILY)], env=env, check=True, capture_output=True
        )
        for cache_seconds in ("30", "0"):
            port = free_port()
            server = run_server({**env, "PAPERBOY_PAGE_CACHE_SECONDS": cache_seconds}, port)
            try:
                for path, label in URLS:
                    url = f"http://127.0.0.1:{port}{path}"
                    for _ in range(4):  # warm both workers' caches and connections
                        urllib.request.urlopen(url, timeout=30).close()
                    done = subprocess.run(
                        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s",
                         "--latency", url],
                        capture_output=True, text=True, check=True,
                    )  # fmt: skip
                    result = parse_wrk(done.stdout)
                    cache = f"{cache_seconds} s" if cache_seconds != "0" else "off"
                    rows.append((label, path, cache, result))
                    print(f"{label:18} cache {cache:5} {result}", file=sys.stderr)
            finally:
                server.terminate()
                server.wait(timeout=20)
    lines = [
        "| page | URL | page cache | requests/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for label, path, cache, r in rows:
        lines.append(
            f"| {label} | `{path}` | {cache} | {r['rps']:,.0f} | {r['p50']:.1f} | "
            f"{r['p99']:.1f} | {r['errors']} |"
        )
    table = "\n".join(lines)
    print(table)
    write_section(
        "Web",
        f".venv/bin/python bench/web.py --seconds {args.seconds} --connections {args.connections}",
        "gunicorn with 2 workers x 4 threads on the demo's 580 days of daily papers (SQLite), "
        f"wrk with {args.connections} connections on the same 2 cores, {args.seconds} s per "
        "URL after a warm-up. With the page cache on, anonymous requests reuse a rendering "
        "for up to 30 s; with it off every request renders.\n\n" + table,
    )


if __name__ == "__main__":
    main()
