"""Two app nodes behind nginx (Debian's package, configured from deploy/nginx/paperboy.conf)
on one PostgreSQL, each with its own search index folder and follower: a paper written to
the database is found through the load balancer on both nodes, a node killed mid-traffic
costs no failed read, and static files come from nginx."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from catalog.models import Paper
from community.services.tokens import create_token
from tests.cluster.nginx import nginx_conf
from tests.factories import PaperFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def under_load(url: str, *, readers: int, during, seconds: float = 6) -> list[int]:
    """Statuses of GETs that `readers` threads send without pause for `seconds`, with
    `during()` called halfway; a connection that breaks counts as 0."""
    statuses: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                statuses.append(get(url)[0])
            except OSError:
                statuses.append(0)

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 2)
    during()
    time.sleep(seconds / 2)
    stop.set()
    for thread in threads:
        thread.join()
    return statuses


def wait_for(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"gave up waiting for {what}")


class Cluster:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.processes: list[subprocess.Popen] = []
        self.webs: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict, log: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "paperboy.cli", *args],
            cwd=ROOT,
            env=env,
            stdout=(self.folder / log).open("w"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def node_env(folder: Path) -> dict[str, str]:
    db = settings.DATABASES["default"]
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        PAPERBOY_DATA_DIR=str(folder),
        PAPERBOY_INDEX_DIR=str(folder / "index"),
        PAPERBOY_TRUSTED_PROXIES="127.0.0.1/32",
        PAPERBOY_WARM_UP="false",
        PAPERBOY_SERVE_WORKERS="1",
        PAPERBOY_PAGE_CACHE_SECONDS="0",
        PAPERBOY_MAX_INDEX_LAG="30",
        PYTHONUNBUFFERED="1",
    )
    return env


def test_two_nodes_behind_nginx_share_only_the_database(tmp_path, nginx, data_dir):
    if connection.vendor != "postgresql":
        pytest.skip("the cluster runs on PostgreSQL")
    wombats = PaperFactory(title="Wombats in the catalogue before the nodes start")
    member = UserFactory(username="numbat-fan")
    _, token = create_token(member, "cluster")
    cluster = Cluster(tmp_path)
    ports = [free_port(), free_port()]
    nodes = []
    try:
        for number, port in enumerate(ports):
            env = node_env(tmp_path / f"node-{number}")
            nodes.append(env)
            cluster.start(["index", "follow", "--interval", "0.5"], env, f"follow-{number}.log")
            cluster.webs.append(
                cluster.start(
                    ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                    env,
                    f"web-{number}.log",
                )
            )
        for port in ports:
            wait_for(lambda p=port: get(f"http://127.0.0.1:{p}/healthz")[0] == 200, "a node")
        listen = free_port()
        static = Path(nodes[0]["PAPERBOY_DATA_DIR"]) / "static"
        conf = nginx_conf(tmp_path / "nginx", ports, listen, static)
        balancer = subprocess.Popen(
            [nginx, "-p", str(tmp_path / "nginx"), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "nginx" / "stderr.log").open("w"),
        )
        cluster.processes.append(balancer)
        front = f"http://127.0.0.1:{listen}"
        wait_for(lambda: get(f"{front}/healthz")[0] == 200, "nginx")

        # Written once, to the database (as an importer or a worker on any machine would):
        # every node's follower takes it in, so every answer through nginx finds it.
        PaperFactory(title="Numbats arrive after the nodes started")

        def everywhere() -> bool:
            answers = [get(f"{front}/search?q=numbats") for _ in range(4)]
            return all(s == 200 and "Numbats arrive" in body for s, body in answers)

        wait_for(everywhere, "both nodes to find the new paper")
        for number in (0, 1):
            log = (tmp_path / f"web-{number}.log").read_text()
            assert "/search?q=numbats" in log, f"node {number} served no search"

        # A paper imported through node A's command line is found by node B's search.
        feed = data_dir / "formats" / "arxiv-rss-cs.AI.xml"
        imported = subprocess.run(
            [sys.executable, "-m", "paperboy.cli", "import", "arxiv-rss", str(feed), "--no-index"],
            cwd=ROOT,
            env=nodes[0],
            capture_output=True,
            text=True,
        )
        assert imported.returncode == 0, imported.stderr
        title = Paper.objects.exclude(pk=wombats.pk).order_by("-pk").first().title
        words = "+".join(title.split()[:6])
        node_b = f"http://127.0.0.1:{ports[1]}"
        wait_for(lambda: title in get(f"{node_b}/search?q={words}")[1], "node B to find it")

        # An upvote through node A shows on node B.
        vote = urllib.request.Request(
            f"http://127.0.0.1:{ports[0]}/api/papers/{wombats.arxiv_id}/upvote",
            method="POST",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(vote, timeout=10) as answer:
            assert answer.status == 200
        status, body = get(f"{node_b}/api/papers/{wombats.arxiv_id}")
        assert status == 200 and '"upvotes": 1' in body.replace('"upvotes":1', '"upvotes": 1')

        # Static files come from nginx itself.
        page = get(f"{front}/papers")[1]
        stylesheet = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        assert get(f"{front}{stylesheet}")[0] == 200
        assert stylesheet not in (tmp_path / "web-0.log").read_text()

        # A node dies under load (four readers at once): only requests in flight on it may
        # fail, and nginx sends the reads that follow to the other node.
        answers = under_load(
            f"{front}/search?q=wombats", readers=4, during=lambda: cluster.webs[1].kill()
        )
        failed = [status for status in answers if status != 200]
        assert len(answers) > 40 and len(failed) <= 4, (len(answers), failed)
        statuses = [get(f"{front}/search?q=wombats")[0] for _ in range(20)]
        assert statuses == [200] * 20
    finally:
        cluster.stop()
