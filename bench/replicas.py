"""Search replicas: how soon a change reaches every following node, and how long a new node
takes to serve from a snapshot against a rebuild.

Run: .venv/bin/python bench/replicas.py [--papers 144000] [--changes 5]
     .venv/bin/python bench/replicas.py --synthetic 3000000 [--side-by-side]
     .venv/bin/python bench/replicas.py --synthetic 3000000 --catalogue DIR --side-by-side

It makes a catalogue of real arXiv records (the first --papers of the snapshot) in a fresh
SQLite database (or DATABASE_URL's PostgreSQL with --postgres); with --synthetic N, N records
recombined from real ones with vectors derived from real embeddings, as bench/search.py makes
its 1M and 3M corpora, so that the rebuild and the snapshot hold a vector index too. Then:
1. times `paperboy index rebuild` on an empty node (with --side-by-side: `index update` and
   `index vectors --rebuild` as two processes at once, what an operator in a hurry runs);
2. times `paperboy index snapshot` on that node, and a new node's `index restore` plus its
   first `index update` (what it must do before serving);
3. starts two `paperboy index follow --interval 1` nodes, each restored from the snapshot,
   and, --changes times, writes a paper from another process and measures when each node's
   search finds it, then deletes it and measures when each stops finding it.
Medians are reported; the numbers go to docs/benchmarks.md. --catalogue DIR keeps the
catalogue in DIR (made there once, then reused: a 3M one takes about an hour to make)."""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.corpus import (  # noqa: E402
    SNAPSHOT,
    real_embeddings,
    real_records,
    store_embeddings,
    synthetic_corpus,
)
from bench.report import write_section  # noqa: E402

# bench/web.py imports its neighbours by their own names; appended, so that `web` stays the
# site's app for Django and bench/web.py is reached as bench.web.
sys.path.append(str(ROOT / "bench"))
from bench.web import free_port, timed_get, wait_until_up  # noqa: E402
from tests.search.node_scripts import WATCH, WRITE  # noqa: E402


def paperboy(env: dict, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "paperboy.cli", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def script(text: str, env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", text, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


WORK = ROOT / "var" / "bench"  # shared with bench/search.py: the corpora and real vectors


def make_catalogue(folder: Path, papers: int, env: dict) -> None:
    sample = folder / "sample.jsonl.gz"
    with gzip.open(SNAPSHOT, "rt") as source, gzip.open(sample, "wt") as out:
        for number, line in enumerate(source):
            if number >= papers:
                break
            out.write(line)
    paperboy(env, "migrate", "-v", "0")
    paperboy(env, "import", "arxiv-snapshot", str(sample), "--no-index")


def make_synthetic_catalogue(folder: Path, papers: int, env: dict) -> None:
    """`papers` recombined records with derived vectors in the embeddings table (SQLite)."""
    WORK.mkdir(parents=True, exist_ok=True)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
    django.setup()  # the real vectors are embedded with the site's model
    records = real_records()
    corpus = synthetic_corpus(records, papers, WORK)
    real = real_embeddings(records, WORK)
    del records
    paperboy(env, "migrate", "-v", "0")
    paperboy(env, "import", "arxiv-snapshot", str(corpus), "--no-index")
    store_embeddings(folder / "site.sqlite3", real)


AGE = (
    "import datetime as dt; from django.db.models import F; from catalog.models import Paper; "
    "Paper.objects.update(modified=F('modified') - dt.timedelta(days=1))"
)
FORGET_NEW = (
    "from catalog.models import Paper; "
    "Paper.objects.filter(arxiv_id__startswith='2702.').delete(); "
    "Paper.objects.filter(title__startswith='Replica benchmark').delete()"
)
NEW = (
    "from tests.factories import PaperFactory; "
    "[PaperFactory(arxiv_id=f'2702.{{n:05d}}') for n in range({count})]"
)


def side_by_side(env: dict) -> float:
    """A new node's two indexes built at once, by two processes; the wall time."""
    started = time.perf_counter()
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "paperboy.cli", "index", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for args in (("update",), ("vectors", "--rebuild"))
    ]
    if any(build.wait() for build in builds):
        raise SystemExit("a build failed")
    return time.perf_counter() - started


def serving(env: dict) -> tuple[float, float]:
    """A node's app server started on its restored indexes, as in production (warm-up on):
    seconds until /healthz answers, and milliseconds of its first hybrid search."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "paperboy.cli", "serve", "--port", str(port), "--workers", "1",
         "--threads", "4", "--no-collectstatic"],
        cwd=ROOT,
        env={**env, "PAPERBOY_WARM_UP": "true", "PAPERBOY_PAGE_CACHE_SECONDS": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=300)
        ready = time.perf_counter() - started
        query = "graph neural networks for molecules"
        first = timed_get(
            f"http://127.0.0.1:{port}/api/v1/search?limit=10&q={query.replace(' ', '+')}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return ready, first


def prepare(folder: Path, options, env: dict) -> None:
    """The catalogue (skipped when --catalogue DIR already holds one), as if imported a day
    ago: a running site's papers mostly changed long before a snapshot is taken (right
    after an import, every update looks back over all of it)."""
    ready = folder / "catalogue.ready"
    if ready.exists():
        print(f"catalogue reused from {folder}", flush=True)
        return
    started = time.perf_counter()
    if options.synthetic:
        make_synthetic_catalogue(folder, options.synthetic, env)
    else:
        make_catalogue(folder, options.papers, env)
    paperboy(env, "shell", "--no-imports", "-c", AGE)
    ready.write_text(str(options.papers))
    print(
        f"catalogue of {options.papers} papers in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def follow_delays(env: dict, folder: Path, changes: int) -> dict[str, list[float]]:
    nodes = [{**env, "PAPERBOY_INDEX_DIR": str(folder / f"follower-{n}")} for n in (1, 2)]
    for node in nodes:  # each follower starts as a new node would: from the snapshot
        paperboy(node, "index", "restore", str(folder / "snapshot"))
        paperboy(node, "index", "update")
    followers = [
        subprocess.Popen(
            [sys.executable, "-m", "paperboy.cli", "index", "follow", "--interval", "1"],
            cwd=ROOT,
            env=node,
            stdout=(folder / f"follower-{number}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for number, node in enumerate(nodes)
    ]
    delays: dict[str, list[float]] = {"add": [], "delete": []}
    try:
        time.sleep(3)
        for number in range(changes):
            # A word no real title has (an early version used "quokka", and a real paper's
            # title holds "Quokka": that watcher always saw a paper).
            word = "zqxwv" + "".join(chr(106 + int(digit)) for digit in str(number))
            title = f"Replica benchmark {word}"
            for action, want in (("add", "present"), ("delete", "absent")):
                watchers = [script(WATCH, node, word, want) for node in nodes]
                for watcher in watchers:
                    watcher.stdout.readline()
                wrote = script(WRITE, env, title, action).communicate()[0]
                if os.environ.get("BENCH_KEEP_LOGS"):
                    print(wrote)
                written = float(wrote.split()[-1])
                for watcher in watchers:
                    output = watcher.communicate()[0].split()
                    if os.environ.get("BENCH_KEEP_LOGS"):
                        print(action, written, output)
                    if output[0] == "seen":
                        delays[action].append(float(output[1]) - written)
    finally:
        for follower in followers:
            follower.terminate()
            follower.wait()
        if os.environ.get("BENCH_KEEP_LOGS"):
            for number in range(len(nodes)):
                print((folder / f"follower-{number}.log").read_text())
    return delays


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=144_000)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--new", type=int, default=100, help="papers added after the snapshot")
    parser.add_argument("--postgres", action="store_true", help="use DATABASE_URL as it is")
    parser.add_argument("--catalogue", help="make the catalogue in this folder, or reuse it")
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="build the keyword and vector indexes by two processes at once",
    )
    parser.add_argument(
        "--synthetic", type=int, default=0, help="N recombined papers with derived vectors"
    )
    options = parser.parse_args()
    if options.synthetic:
        if options.postgres:
            raise SystemExit("--synthetic writes its vectors into SQLite")
        options.papers = options.synthetic
    with tempfile.TemporaryDirectory(prefix="replicas-") as temp:
        folder = Path(options.catalogue or temp)
        folder.mkdir(parents=True, exist_ok=True)
        for node in ("first", "snapshot", "new", "follower-1", "follower-2"):
            shutil.rmtree(folder / node, ignore_errors=True)  # a reused folder's last run
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
        if not options.postgres:
            env["DATABASE_URL"] = f"sqlite:///{folder}/site.sqlite3"
        env.update(
            PAPERBOY_DATA_DIR=str(folder),
            PAPERBOY_WARM_UP="false",
            PYTHONUNBUFFERED="1",
            DJANGO_SETTINGS_MODULE="paperboy.settings",
            PAPERBOY_INDEX_DIR=str(folder / "importer"),
        )
        prepare(folder, options, env)
        if options.catalogue:  # a reused catalogue: last run's extra papers go first
            paperboy(env, "shell", "--no-imports", "-c", FORGET_NEW)
        first = {**env, "PAPERBOY_INDEX_DIR": str(folder / "first")}
        if options.side_by_side:
            rebuild = side_by_side(first)
        else:
            rebuild = paperboy(first, "index", "rebuild")
        print(f"rebuild {rebuild:.1f} s", flush=True)
        snapshot = paperboy(first, "index", "snapshot", str(folder / "snapshot"))
        print(f"snapshot {snapshot:.1f} s", flush=True)
        paperboy(env, "shell", "--no-imports", "-c", NEW.format(count=options.new))
        new = {**env, "PAPERBOY_INDEX_DIR": str(folder / "new")}
        restore = paperboy(new, "index", "restore", str(folder / "snapshot"))
        catch_up = paperboy(new, "index", "update")
        print(f"restore {restore:.1f} s + first update {catch_up:.1f} s", flush=True)
        ready, first_search = serving(new)
        print(f"serving after {ready:.1f} s, first search {first_search:.0f} ms", flush=True)
        delays = follow_delays(env, folder, options.changes)
    built = (
        "both indexes built on an empty node by `index update` and `index vectors --rebuild` "
        "side by side"
        if options.side_by_side
        else "`index rebuild` on an empty node"
    )
    rows = [
        (built, f"{rebuild:.1f} s"),
        ("`index snapshot` of a node", f"{snapshot:.1f} s"),
        (
            f"new node: `index restore` + first `index update` ({options.new} papers newer "
            "than the snapshot)",
            f"{restore + catch_up:.1f} s",
        ),
        (
            "then its app server (`paperboy serve`, warm-up on) answering `/healthz`, and its "
            "first hybrid search",
            f"{ready:.1f} s, then {first_search:.0f} ms",
        ),
        (
            f"a new paper searchable on both followers (median of {len(delays['add'])})",
            f"{statistics.median(delays['add']):.2f} s (max {max(delays['add']):.2f})",
        ),
        (
            f"a deleted paper gone from both followers (median of {len(delays['delete'])})",
            f"{statistics.median(delays['delete']):.2f} s (max {max(delays['delete']):.2f})",
        ),
    ]
    table = "| what | time |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    print(table)
    database = "PostgreSQL" if options.postgres else "SQLite"
    if options.synthetic:
        what = (
            f"{options.papers:,} records recombined from real ones (bench/search.py's corpus), "
            "with vectors derived from 12,000 real embeddings, so that both the keyword index "
            "and the approximate vector index are rebuilt, copied and restored"
        )
        title = f"Search replicas at {options.papers:,} papers: rebuild against snapshot"
        command = f"python bench/replicas.py --synthetic {options.papers}"
    else:
        what = (
            f"{options.papers:,} real arXiv records, keyword index (the vector index follows "
            "the same way from stored embeddings)"
        )
        title = "Search replicas: following, snapshots"
        command = f"python bench/replicas.py --papers {options.papers}"
    body = (
        f"{what}; their `modified` moved a day back, as on a site running for a while; "
        f"{database}. Each command's time includes starting Python and Django (about 2 s). "
        "Followers start from the snapshot and run `paperboy index follow --interval 1`; a "
        "change is written by another process and each follower's own search is polled every "
        "0.1 s.\n\n" + table
    )
    command += " --side-by-side" if options.side_by_side else ""
    write_section(title, f"{command} --changes {options.changes} --new {options.new}", body)


if __name__ == "__main__":
    main()
