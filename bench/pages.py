"""Benchmark: server time and weight of the main pages on the demo data.

Renders each page in-process through Django's test client (no network, page cache off), as
an anonymous visitor and as a member (who always gets fresh pages), 20 times after 3 warm-up
requests, and reports the median and the 90th percentile of the server time, the HTML size,
and the CSS + JS the page links (the budget is 150 KB).

Uses the demo database that bench/digests.py leaves in var/bench/digests when it exists
(same data as `make run`); otherwise loads the demo data into var/bench/pages first.

    .venv/bin/python bench/pages.py
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from report import write_section

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "paperboy"
PAGES = [
    "/",
    "/papers/date/2025-06-02",
    "/papers/week/2025-W23",
    "/papers/month/2025-06",
    "/papers/trending",
    "/papers/2505.24864",
    "/search?q=reasoning+reinforcement+learning",
    "/categories/cs.CL",
    "/digests/subscribe",
]


def main() -> None:
    work = ROOT / "var" / "bench" / "digests"
    if not (work / "db.sqlite3").exists():
        work = ROOT / "var" / "bench" / "pages"
        work.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        PAPERBOY_DATA_DIR=str(work),
        DATABASE_URL=f"sqlite:///{work}/db.sqlite3",
        PAPERBOY_PAGE_CACHE_SECONDS="0",
        PAPERBOY_ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="paperboy.settings",
    )
    subprocess.run([str(BIN), "migrate", "-v0"], check=True)
    subprocess.run([str(BIN), "load-demo"], check=True, capture_output=True)
    subprocess.run([str(BIN), "collectstatic", "--no-input", "-v0"], check=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    from community.models import User

    member, _ = User.objects.get_or_create(
        username="bench-member", defaults={"email": "bench-member@example.org"}
    )
    static = Path(os.environ["PAPERBOY_DATA_DIR"]) / "static"
    rows = []
    for label, client in (("anonymous", Client()), ("member", Client())):
        if label == "member":
            client.force_login(member)
        for path in PAGES:
            for _ in range(3):
                client.get(path)
            times = []
            for _ in range(20):
                start = time.perf_counter()
                answer = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
            html = answer.content.decode()
            assets = re.findall(r'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
            weight = sum((static / a).stat().st_size for a in assets if (static / a).exists())
            times.sort()
            rows.append(
                f"| {path} | {label} | {answer.status_code} | {statistics.median(times):.1f} | "
                f"{times[int(0.9 * len(times))]:.1f} | {len(answer.content) / 1024:.0f} | "
                f"{weight / 1024:.0f} |"
            )
    table = (
        "| page | visitor | status | median ms | p90 ms | HTML KB | CSS + JS KB |\n"
        "|---|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows)
    )
    print(table)
    write_section(
        "Page server time",
        ".venv/bin/python bench/pages.py",
        "Server time in-process (Django test client, SQLite, page cache off) on the demo "
        "data, 20 requests after 3 warm-ups. Target: list pages under 50 ms, at most 150 KB "
        "of CSS and JS a page.\n\n" + table,
    )


if __name__ == "__main__":
    main()
