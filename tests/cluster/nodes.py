"""Starting and watching the processes of a test cluster: app nodes, followers, workers,
each with its own folder, all on the test database."""

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

from tests.cluster.nginx import nginx_conf

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


def node_env(folder: Path, database_port: int | None = None) -> dict[str, str]:
    """A node's environment: its own data and index folders, the test database (through
    `database_port` on loopback when given: a relay the test can cut)."""
    db = settings.DATABASES["default"]
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    if database_port is not None:
        host, port = "127.0.0.1", database_port
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        PAPERBOY_DATA_DIR=str(folder),
        PAPERBOY_INDEX_DIR=str(folder / "index"),
        PAPERBOY_TRUSTED_PROXIES="127.0.0.1/32",
        PAPERBOY_SECRET_KEY="cluster-test-key-shared-by-every-node-0123456789",  # sessions
        PAPERBOY_WARM_UP="false",
        PAPERBOY_SERVE_WORKERS="1",
        PAPERBOY_PAGE_CACHE_SECONDS="0",
        PAPERBOY_MAX_INDEX_LAG="30",
        PYTHONUNBUFFERED="1",
    )
    return env


def balance(cluster: Cluster, nginx: str, ports: list[int], static_root: Path) -> str:
    """Start nginx with the shipped site file in front of `ports`; returns its address."""
    folder = cluster.folder / "nginx"
    listen = free_port()
    conf = nginx_conf(folder, ports, listen, static_root)
    balancer = subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "stderr.log").open("w"),
    )
    cluster.processes.append(balancer)
    front = f"http://127.0.0.1:{listen}"
    wait_for(lambda: get(f"{front}/healthz")[0] == 200, "nginx")
    return front


def start_node(cluster: Cluster, env: dict, port: int, number: int) -> subprocess.Popen:
    """An app node: its index follower and its web server (one process)."""
    cluster.start(["index", "follow", "--interval", "0.5"], env, f"follow-{number}.log")
    web = cluster.start(
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env,
        f"web-{number}.log",
    )
    cluster.webs.append(web)
    return web


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the cluster runs on PostgreSQL")
