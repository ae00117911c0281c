"""Soak: two app nodes behind nginx on one PostgreSQL, a worker, the embedder and a
writer, under wrk for a while; does anything fail, slow down or grow?

Run: .venv/bin/python bench/cluster.py [--minutes 10] [--papers 20000]

It creates a fresh database (paperboy_soak on the local PostgreSQL), imports --papers real
arXiv records and the last 14 days of Hugging Face daily lists, and starts: two nodes
(`paperboy serve --workers 1` plus `paperboy index follow`, each with its own index
folder), one `paperboy worker`, `paperboy index embed --loop 5`, nginx from
deploy/nginx/paperboy.conf, and a writer that adds a paper every 2 s (the background
import). Three wrk clients run at once, in one-minute rounds for --minutes: visitors
(bench/cluster.lua: list pages, paper searches, the API, feeds), a signed-in member
browsing, upvoting and commenting through the site's forms (bench/cluster_members.lua) and
a token holder upvoting, un-upvoting and reading papers through the API
(bench/cluster_writes.lua). After each round: requests/s, p50/p99 and non-2xx answers per
kind, each node's worst index lag, and every process's memory (RSS, with its children); growth is
judged from the end of the first minute (caches filled, models loaded) to the end. The
tables go to docs/benchmarks.md."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.corpus import SNAPSHOT  # noqa: E402
from bench.report import write_section  # noqa: E402
from bench.web import parse_wrk, process_tree  # noqa: E402
from tests.cluster.nginx import nginx_conf  # noqa: E402

DATABASE = "paperboy_soak"
WRITTEN = """
import django
django.setup()
from community.models import Comment, Upvote
print(Comment.objects.filter(author__username="soak-member").count(),
      Upvote.objects.filter(user__username="soak-member").count())
"""
LOGS = ("worker.log", "embed.log", "follow-0.log", "follow-1.log", "web-0.log", "web-1.log")
DAILY = ROOT.parent / "shared" / "data" / "hf-daily-papers"
CREDENTIALS = """
import django, django.test
django.setup()
from django.utils import timezone
from catalog.models import Paper
from community.models import User
from community.services.tokens import create_token
from django.middleware.csrf import get_token
user = User.objects.create_user("soak-member", "soak-member@example.org", "x")
user.email_verified_at = timezone.now()
user.save()
browser = django.test.Client()
browser.force_login(user)
listed = Paper.objects.filter(listings__isnull=False).distinct()
papers = ",".join(listed.values_list("arxiv_id", flat=True)[:20])
# A CSRF token, sent as both the cookie and the header (Django takes a masked cookie).
csrf = get_token(django.test.RequestFactory().get("/"))
print(browser.cookies["sessionid"].value, csrf, create_token(user, "soak")[1], papers)
"""
# --embedded: every paper of the catalogue gets a vector before the nodes start, derived
# from 300 of them embedded for real (bench/corpus.derived_vectors), so the embedder only
# embeds the writer's papers and memory is judged with no backfill under way.
EMBEDDED = """
import django
django.setup()
import numpy as np
from bench.corpus import derived_vectors
from catalog.models import Paper
from search.embeddings import embedder, paper_text
from search.models import PaperEmbedding
papers = list(Paper.objects.order_by("pk").values_list("pk", "title", "abstract"))
seed = papers[:: max(1, len(papers) // 300)][:300]
model = embedder()
real = model.embed([paper_text(title, abstract) for _, title, abstract in seed])
vectors = derived_vectors(np.asarray(real, dtype=np.float32), len(papers), seed=5)
PaperEmbedding.objects.bulk_create(
    [PaperEmbedding(paper_id=pk, model_id=model.model_id, vector=vector.tobytes())
     for (pk, _, _), vector in zip(papers, vectors)],
    batch_size=2000,
)
"""
WRITER = """
import django, time, itertools
django.setup()
from tests.factories import PaperFactory
for n in itertools.count():
    PaperFactory(title=f"Soak paper {n} about diffusion models", arxiv_id=f"2703.{n:05d}")
    time.sleep(2)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def paperboy(*args: str) -> list[str]:
    return ["-m", "paperboy.cli", *args]


def run(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "paperboy.cli", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def start(env: dict, log: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:  # a 503 from /healthz still says why
        return error.code, error.read()


def cpu_seconds(pids) -> float:
    """User + system CPU time the processes have used so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """The database server's processes (its backends serve every node)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().startswith("postgres"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def cpu_by_process(cluster) -> dict[str, float]:
    """CPU seconds so far of each named process (with children), and of PostgreSQL."""
    used = {name: cpu_seconds(process_tree(p.pid)) for name, p in cluster.named.items()}
    used["PostgreSQL"] = cpu_seconds(postgres_pids())
    return used


def rss_mb(root_pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's master and workers)."""
    pids = process_tree(root_pid)
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def prepare(folder: Path, env: dict, papers: int, embedded: bool) -> None:
    sample = folder / "sample.jsonl.gz"
    with gzip.open(SNAPSHOT, "rt") as source, gzip.open(sample, "wt") as out:
        for number, line in enumerate(source):
            if number >= papers:
                break
            out.write(line)
    run(env, "migrate", "-v", "0")
    run(env, "import", "arxiv-snapshot", str(sample), "--no-index")
    days = sorted(DAILY.glob("*.json.gz"))[-14:]
    run(env, "import", "hf-daily", *map(str, days), "--no-index")
    if embedded:
        subprocess.run([sys.executable, "-c", EMBEDDED], cwd=ROOT, env=env, check=True)


class Cluster:
    """The soak's processes: two nodes, a worker, nginx and the writer."""

    def __init__(self, folder: Path, base: dict) -> None:
        self.folder, self.base = folder, base
        self.ports = [free_port(), free_port()]
        self.listen = free_port()
        self.processes: list[subprocess.Popen] = []
        self.webs: list[subprocess.Popen] = []
        self.named: dict[str, subprocess.Popen] = {}

    def start_node(self, number: int) -> None:
        node = self.folder / f"node-{number}"
        env = {
            **self.base,
            "PAPERBOY_DATA_DIR": str(node),
            "PAPERBOY_INDEX_DIR": str(node / "index"),
        }
        run(env, "index", "rebuild")
        serve = (
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.ports[number]),
            "--workers",
            "1",
        )
        follow = start(env, self.folder / f"follow-{number}.log", *paperboy("index", "follow"))
        web = start(env, self.folder / f"web-{number}.log", *paperboy(*serve))
        self.processes += [follow, web]
        self.webs.append(web)
        self.named.update({f"web {number}": web, f"follower {number}": follow})

    def start(self) -> None:
        for number in range(len(self.ports)):
            self.start_node(number)
        worker = start(self.base, self.folder / "worker.log", *paperboy("worker"))
        embed = ("index", "embed", "--loop", "5")
        embedder = start(self.base, self.folder / "embed.log", *paperboy(*embed))
        self.processes += [worker, embedder]
        self.named.update({"worker": worker, "embedder": embedder})
        conf = nginx_conf(
            self.folder / "nginx", self.ports, self.listen, self.folder / "node-0" / "static"
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        command = [nginx, "-p", str(self.folder / "nginx"), "-c", str(conf), "-g", "daemon off;"]
        self.processes.append(subprocess.Popen(command))
        for port in [*self.ports, self.listen]:
            wait_healthy(port)
        self.processes.append(start(self.base, self.folder / "writer.log", "-c", WRITER))

    def stop(self) -> list[str]:
        """Stop everything; the Traceback and ERROR lines of the processes' logs."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        logs = [self.folder / name for name in LOGS if (self.folder / name).exists()]
        if os.environ.get("BENCH_KEEP_LOGS"):
            for log in logs:
                print(f"== {log.name}", *log.read_text().splitlines()[-15:], sep="\n")
        lines = [line for log in logs for line in log.read_text().splitlines()]
        return [line for line in lines if "Traceback" in line or " ERROR " in line]


def wait_healthy(port: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"port {port} never answered")


def one_round(cluster: Cluster, connections: int, credentials: dict[str, str]):
    """A minute of three wrk clients at once through nginx, and each node's worst index
    lag meanwhile."""
    url = f"http://127.0.0.1:{cluster.listen}"
    kinds = {
        "visitors": (["-s", str(ROOT / "bench" / "cluster.lua")], connections),
        "member": (
            ["-s", str(ROOT / "bench" / "cluster_members.lua")],
            2,
        ),
        "token holder": (
            [
                "-s",
                str(ROOT / "bench" / "cluster_writes.lua"),
                "-H",
                f"Authorization: Bearer {credentials['TOKEN']}",
            ],
            2,
        ),
    }
    running = {
        kind: subprocess.Popen(
            ["wrk", "-t1", f"-c{count}", "-d60s", "--latency", *args, url],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **credentials},
        )
        for kind, (args, count) in kinds.items()
    }
    # Each node's lag every 2 s while the clients run: the worst of the minute, not only
    # its last moment.
    worst = [0.0 for _ in cluster.ports]
    while any(process.poll() is None for process in running.values()):
        worst = [max(w, lag) for w, lag in zip(worst, lags_now(cluster), strict=True)]
        time.sleep(2)
    found = {kind: parse_wrk(process.communicate()[0]) for kind, process in running.items()}
    return found, worst


def lags_now(cluster: Cluster) -> list[float]:
    lags = []
    for port in cluster.ports:
        body = get(f"http://127.0.0.1:{port}/healthz")[1]
        health = json.loads(body)
        lags.append(health.get("index_lag_seconds") or 0.0)
        if health.get("status") != "ok":
            print("unhealthy node:", health, flush=True)
    return lags


def memory(cluster: Cluster) -> dict[str, float]:
    return {name: rss_mb(process.pid) for name, process in cluster.named.items()}


def report(
    rows: list,
    memories: list[dict],
    errors: list[str],
    options,
    written: list[str],
    cpu: dict[str, float],
) -> None:
    table = [
        "| minute | kind | req/s | p50 | p99 | non-2xx | worst index lag A / B (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for minute, (found, lags) in enumerate(rows, start=1):
        for kind, numbers in found.items():
            table.append(
                f"| {minute} | {kind} | {numbers['rps']:.0f} | {numbers['p50']:.1f} ms | "
                f"{numbers['p99']:.1f} ms | {numbers['errors']} | "
                f"{' / '.join(f'{lag:.1f}' for lag in lags)} |"
            )
    names = list(memories[0])
    grown = [
        "| process | " + " | ".join(f"min {m}" for m in range(len(memories))) + " | growth |",
        "|---|" + "---|" * (len(memories) + 1),
    ]
    for name in names:
        series = [sample.get(name, 0.0) for sample in memories]
        # After the first minute (caches filling, models loaded) to the last.
        base = series[1] if len(series) > 2 else series[0]
        growth = (series[-1] / base - 1) * 100 if base else 0.0
        grown.append(
            f"| {name} | " + " | ".join(f"{mb:.0f}" for mb in series) + f" | {growth:+.0f} % |"
        )
    total = sum(cpu.values()) or 1.0
    shares = ["| process | CPU seconds | share |", "|---|---|---|"] + [
        f"| {name} | {seconds:.0f} | {seconds / total:.0%} |"
        for name, seconds in sorted(cpu.items(), key=lambda item: -item[1])
    ]
    print("\n".join(table), "\n".join(grown), "\n".join(shares), sep="\n\n")
    print(f"errors in the logs: {len(errors)}", *errors[:20], sep="\n")
    body = (
        f"Two nodes (`paperboy serve --workers 1` + `paperboy index follow` each) behind "
        f"nginx (deploy/nginx/paperboy.conf) on one PostgreSQL, a worker, the embedder "
        f"(`index embed --loop 5`) and a writer adding a paper every 2 s; {options.papers:,} "
        f"real arXiv papers and 14 days of daily lists"
        + (
            " (each paper given a derived vector before the start, so the embedder only "
            "embedded the writer's papers)"
            if options.embedded
            else " (the embedder backfilling their vectors throughout)"
        )
        + f". Three wrk clients at once through "
        f"nginx: visitors ({options.connections} connections: list pages, searches, the API, "
        f"feeds), a signed-in member (2 connections: list pages, paper pages, /for-you, "
        f"/following, search, and through the site's own htmx forms an upvote or its "
        f"withdrawal every 5th request and a comment every 25th) and a token holder "
        f"upvoting, un-upvoting and reading papers through the "
        f"API (2 connections). All on the same 2 cores. Tracebacks or ERROR lines in the "
        f"processes' logs: {len(errors)}. The member's comments written: {written[0]} "
        f"(upvotes standing at the end: {written[1]}). Memory in MB at the end of each "
        f"minute; CPU over the whole run by process (PostgreSQL: all its backends; nginx and "
        f"wrk not counted)."
        + (f" {options.note}" if options.note else "")
        + "\n\n"
        + "\n".join(table)
        + "\n\n"
        + "\n".join(grown)
        + "\n\n"
        + "\n".join(shares)
    )
    write_section(
        "Soak: two nodes behind nginx"
        + (", vectors in place" if options.embedded else "")
        + (f" ({options.label})" if options.label else ""),
        f"python bench/cluster.py --minutes {options.minutes} --papers {options.papers}"
        + (" --embedded" if options.embedded else ""),
        body,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--papers", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="give every paper a (derived) vector first: no backfill during the soak",
    )
    parser.add_argument("--label", help="added to the section's title: a run of its own")
    parser.add_argument("--note", help="a sentence added to the section: what else ran")
    options = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            sys.exit(f"{tool} is needed: apt-get install {tool}")
    postgres = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", *postgres, "--if-exists", DATABASE], check=True)
    subprocess.run(["createdb", *postgres, DATABASE], check=True)
    with tempfile.TemporaryDirectory(prefix="cluster-") as temp:
        folder = Path(temp)
        base = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
        base.update(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
            PAPERBOY_DATA_DIR=str(folder / "shared"),
            PAPERBOY_TRUSTED_PROXIES="127.0.0.1/32",
            PAPERBOY_MAX_INDEX_LAG="30",
            PAPERBOY_WORKER_INTERVAL="30",
            PAPERBOY_RATE_API="1000000",
            PAPERBOY_RATE_COMMENTS="1000000",
            # One key for every process, as in production: without it each node made its
            # own, and the member's session (made here) was refused by both nodes, so
            # earlier soaks measured a visitor with a stale cookie, not a member.
            PAPERBOY_SECRET_KEY=secrets.token_urlsafe(48),  # the member comments every 25th request
            DJANGO_SETTINGS_MODULE="paperboy.settings",
            PYTHONUNBUFFERED="1",
        )
        started = time.perf_counter()
        prepare(folder, base, options.papers, options.embedded)
        print(f"catalogue ready in {time.perf_counter() - started:.0f} s", flush=True)
        cluster, rows = Cluster(folder, base), []
        made = subprocess.run(
            [sys.executable, "-c", CREDENTIALS], cwd=ROOT, env=base, capture_output=True,
            text=True,
        )  # fmt: skip
        if made.returncode:
            sys.exit(f"could not make the member's credentials:\n{made.stderr}")
        session, csrf, token, papers = made.stdout.split()[-4:]
        credentials = {"SESSION": session, "CSRF": csrf, "TOKEN": token, "PAPERS": papers}
        try:
            cluster.start()
            time.sleep(20)  # the processes load their models and indexes
            memories, cpu_before = [memory(cluster)], cpu_by_process(cluster)
            for minute in range(options.minutes):
                rows.append(one_round(cluster, options.connections, credentials))
                memories.append(memory(cluster))
                print(minute + 1, rows[-1], memories[-1], flush=True)
            cpu = {
                name: seconds - cpu_before.get(name, 0.0)
                for name, seconds in cpu_by_process(cluster).items()
            }
        finally:
            errors = cluster.stop()
        written = subprocess.run(
            [sys.executable, "-c", WRITTEN], cwd=ROOT, env=base, capture_output=True,
            text=True, check=True,
        ).stdout.split()  # fmt: skip
    subprocess.run(["dropdb", *postgres, "--if-exists", DATABASE], check=False)
    print(f"the member's comments: {written[0]}, upvotes standing: {written[1]}")
    report(rows, memories, errors, options, written, cpu)


if __name__ == "__main__":
    main()
