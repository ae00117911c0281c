"""Benchmark: import the arXiv snapshot into SQLite and PostgreSQL.

Measures records per second and peak RSS of the `paperboy import arxiv-snapshot` process for
a fresh import and for a re-import of the same file (everything unchanged), repeated and
reported as medians. `--scale N` also imports a file N times the size (the snapshot repeated
with rewritten ids) to show that memory stays flat as the input grows.

    .venv/bin/python bench/import_snapshot.py [--repeat 3] [--scale 3] [--no-postgres]

Prints a table and writes the "Snapshot import" section of docs/benchmarks.md (earlier runs
kept beneath).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import write_section

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "paperboy"
SNAPSHOT = ROOT.parent / "shared" / "data" / "arxiv" / "arxiv-snapshot.jsonl.gz"
PG_SERVER = os.environ.get(
    "PAPERBOY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/paperboy"
)
PG_URL = PG_SERVER.rsplit("/", 1)[0] + "/paperboy_bench"


def peak_rss_of(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Like run(), but measure this one process's peak RSS exactly with /usr/bin/time."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", str(BIN), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - start
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return elapsed, peak_kb // 1024, done.stdout.strip()


def reset_database(kind: str, workdir: Path) -> dict[str, str]:
    env = {**os.environ, "PAPERBOY_DATA_DIR": str(workdir)}
    if kind == "sqlite":
        for leftover in workdir.glob("bench.sqlite3*"):
            leftover.unlink()
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        admin = PG_SERVER.rsplit("/", 1)[0] + "/postgres"
        for sql in ("DROP DATABASE IF EXISTS paperboy_bench", "CREATE DATABASE paperboy_bench"):
            subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)
        env["DATABASE_URL"] = PG_URL
    subprocess.run([str(BIN), "migrate", "-v0"], env=env, check=True)
    return env


def scaled_copy(factor: int, target: Path) -> int:
    """Write the snapshot `factor` times with fresh, valid new-style ids; return the count."""
    count = 0
    with gzip.open(SNAPSHOT, "rt") as source, gzip.open(target, "wt", compresslevel=1) as out:
        lines = source.readlines()
        for copy in range(factor):
            for index, line in enumerate(lines):
                record = json.loads(line)
                if copy:
                    serial = copy * len(lines) + index
                    record["id"] = (
                        f"{30 + copy:02d}{serial // 99999 % 12 + 1:02d}.{serial % 99999 + 1:05d}"
                    )
                out.write(json.dumps(record) + "\n")
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=3, help="0 to skip the scaled run")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with gzip.open(SNAPSHOT, "rt") as snapshot:
        records = sum(1 for _ in snapshot)
    kinds = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for kind in kinds:
            fresh, again, rss = [], [], []
            for _ in range(args.repeat):
                env = reset_database(kind, workdir)
                cmd = ["import", "arxiv-snapshot", str(SNAPSHOT), "--no-index"]
                seconds, peak, out = peak_rss_of(cmd, env)
                fresh.append(seconds)
                rss.append(peak)
                seconds, peak, out2 = peak_rss_of(cmd, env)
                again.append(seconds)
                rss.append(peak)
                print(f"{kind}: {out} | {out2}", file=sys.stderr)
            rows.append((kind, "fresh import", records, statistics.median(fresh), max(rss)))
            rows.append(
                (kind, "re-import (unchanged)", records, statistics.median(again), max(rss))
            )
            # What an operator's plain `paperboy import` costs: the import, then the keyword
            # index brought up to date (here: built from empty). Measured once.
            env = reset_database(kind, workdir)
            seconds, peak, out = peak_rss_of(["import", "arxiv-snapshot", str(SNAPSHOT)], env)
            rows.append((kind, "fresh import + search index update", records, seconds, peak))
        if args.scale > 1:
            big = workdir / "scaled.jsonl.gz"
            scaled = scaled_copy(args.scale, big)
            for kind in kinds:
                env = reset_database(kind, workdir)
                seconds, peak, out = peak_rss_of(
                    ["import", "arxiv-snapshot", str(big), "--no-index"], env
                )
                print(f"{kind} x{args.scale}: {out}", file=sys.stderr)
                rows.append((kind, f"fresh import, snapshot x{args.scale}", scaled, seconds, peak))
    header = "| database | run | records | median seconds | records/s | peak RSS (MB) |"
    lines = [header, "|---|---|---:|---:|---:|---:|"]
    for kind, label, count, seconds, peak in rows:
        lines.append(
            f"| {kind} | {label} | {count:,} | {seconds:.1f} | {count / seconds:,.0f} | {peak} |"
        )
    for kind, label, count, seconds, _ in rows:
        if label == "fresh import":
            minutes = 2_700_000 / (count / seconds) / 60
            lines.append("")
            lines.append(
                f"At this rate the full 2.7M-record dump loads into {kind} in ~{minutes:.0f} min."
            )
    table = "\n".join(lines)
    print(table)
    write_section(
        "Snapshot import",
        f".venv/bin/python bench/import_snapshot.py --repeat {args.repeat} --scale {args.scale}",
        f"Medians of {args.repeat} runs (the scaled run and the run with indexing once); "
        "import rows use `--no-index`; peak RSS is the maximum seen.\n\n"
        f"{table}\n",
    )


if __name__ == "__main__":
    main()
