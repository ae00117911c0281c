"""Benchmark: pages and API under load from wrk, against `paperboy serve` (gunicorn, 2 workers).

Imports the 580 days of daily papers into a fresh SQLite database in a temporary folder,
starts the production server, warms each URL, then runs wrk (Debian package `wrk`) against
each URL with 8 connections, as three readers:

- a visitor with the anonymous page cache on (the default, 30 s) and with it off;
- a signed-in member (session and CSRF cookies, as a browser sends them back; members
  never get cached pages);
- a token holder (`Authorization: Bearer`) on the API routes.

Each figure is the median of --runs wrk runs (3 by default): the machines are noisy.

    .venv/bin/python bench/web.py [--seconds 8] [--connections 8] [--runs 3]

Prints a table and writes the "Web" section of docs/benchmarks.md (earlier runs kept beneath).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
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
    ("/papers/date/2025-06-02", "day page"),
    ("/papers/week/2025-W23", "week page"),
    ("/papers/month/2025-06", "month page"),
    ("/papers/trending", "trending"),
    ("/papers/2506.08007", "paper page"),
    ("/api/daily_papers?date=2025-06-02", "API daily_papers"),
    ("/api/v1/search?q=reinforcement+learning+reasoning", "API search"),
]
API = ("/api/",)

# Makes the bench's member (verified, so tokens may be issued), logs them in and issues a
# token; prints the session key, a CSRF cookie (a browser sends back the one it was given,
# so the member's pages do not make a new secret each time) and the token.
CREDENTIALS = """
import secrets, string
import django.test
from django.utils import timezone
from community.models import User
from community.services.tokens import create_token
user = User.objects.create_user("bench-member", "bench-member@example.org", "x")
user.email_verified_at = timezone.now()
user.save()
browser = django.test.Client()
browser.force_login(user)
csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
print(browser.cookies["sessionid"].value, csrf, create_token(user, "bench")[1])
"""


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


def readers(cookies: str, token: str) -> list[tuple[str, str, list[str]]]:
    """(reader, page cache setting, wrk header arguments) for each kind of reader."""
    return [
        ("visitor", "30", []),
        ("visitor", "0", []),
        ("member", "30", ["-H", f"Cookie: {cookies}"]),
        ("token holder", "30", ["-H", f"Authorization: Bearer {token}"]),
    ]


def wrk(url: str, headers: list[str], seconds: int, connections: int) -> dict[str, float]:
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return parse_wrk(done.stdout)


def median_of(results: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def warm(url: str, headers: list[str]) -> None:
    request = urllib.request.Request(url, headers=dict([h.split(": ", 1) for h in headers[1::2]]))
    for _ in range(6):  # both workers' caches, fragments and connections
        urllib.request.urlopen(request, timeout=60).close()


def measure(env: dict[str, str], cookies: str, token: str, args) -> tuple[list, dict]:
    """Every reader on every URL, `args.runs` times, the readers taking turns within each
    run so that a slow spell of the machine falls on all of them alike. Returns the rows
    (medians) and, per URL, the median over runs of member / uncached visitor requests/s."""
    servers = {
        seconds: run_server({**env, "PAPERBOY_PAGE_CACHE_SECONDS": seconds}, port)
        for seconds, port in (("30", free_port()), ("0", free_port()))
    }
    ports = {
        seconds: server.args[server.args.index("--port") + 1] for seconds, server in servers.items()
    }
    rows, ratios = [], {}
    try:
        for path, label in URLS:
            kinds = [
                (reader, seconds, headers)
                for reader, seconds, headers in readers(cookies, token)
                if reader != "token holder" or path.startswith(API)
            ]
            url = {seconds: f"http://127.0.0.1:{port}{path}" for seconds, port in ports.items()}
            for _, seconds, headers in kinds:
                warm(url[seconds], headers)
            runs: dict[tuple, list] = {(reader, seconds): [] for reader, seconds, _ in kinds}
            for _ in range(args.runs):
                for reader, seconds, headers in kinds:
                    found = wrk(url[seconds], headers, args.seconds, args.connections)
                    runs[reader, seconds].append(found)
            member, uncached = runs[("member", "30")], runs[("visitor", "0")]
            ratios[path] = statistics.median(
                m["rps"] / v["rps"] for m, v in zip(member, uncached, strict=True)
            )
            for (reader, seconds), results in runs.items():
                cache = "off" if seconds == "0" else f"{seconds} s"
                rows.append((label, path, reader, cache, median_of(results)))
                print(f"{label:18} {reader:12} cache {cache:5} {rows[-1][-1]}", file=sys.stderr)
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=20)
    return rows, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
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
        made = subprocess.run(
            [str(BIN), "shell", "-c", CREDENTIALS],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        session, csrf, token = made.stdout.split()[-3:]
        cookies = f"sessionid={session}; csrftoken={csrf}"
        rows, ratios = measure(env, cookies, token, args)
    lines = [
        "| page | URL | reader | page cache | requests/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for label, path, reader, cache, r in rows:
        lines.append(
            f"| {label} | `{path}` | {reader} | {cache} | {r['rps']:,.0f} | {r['p50']:.1f} | "
            f"{r['p99']:.1f} | {r['errors']:.0f} |"
        )
    table = "\n".join(lines)
    table += (
        "\n\nMembers against uncached visitors, the same page rendered for both (median over "
        "the runs of the two readers' requests/s, measured one after the other): "
        + "; ".join(f"`{path}` {ratio:.2f}" for path, ratio in ratios.items())
        + "."
    )
    print(table)
    write_section(
        "Web",
        f".venv/bin/python bench/web.py --seconds {args.seconds} "
        f"--connections {args.connections} --runs {args.runs}",
        "gunicorn with 2 workers x 2 threads (the defaults) on the demo's 580 days of daily "
        "papers (SQLite), "
        f"wrk with {args.connections} connections on the same 2 cores, {args.seconds} s per "
        f"URL after a warm-up; each figure is the median of {args.runs} runs, in which the readers "
        "take turns. Visitors with "
        "the page cache on reuse a rendering for up to 30 s; with it off every request "
        "renders. Members (session and CSRF cookies, as a browser sends them) never get "
        "cached pages: their list pages are "
        "assembled from cached cards with their own votes laid over (web/cards.py). Token "
        "holders call the API with a bearer token.\n\n" + table,
    )


if __name__ == "__main__":
    main()


def process_tree(root: int) -> list[int]:
    """A process and all its descendants (gunicorn's master and workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found
