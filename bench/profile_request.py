"""Where a search request's time goes, layer by layer, on a corpus built by bench/search.py.

    .venv/bin/python bench/profile_request.py var/bench/search-144k [--count 300] [--rounds 3]

The same queries (bench/search.py's, seed 7) through four layers, each adding one thing:

1. `search_papers`, in this process, as the API calls it (10 results, with vote counts);
2. Django, in this process: the whole middleware stack, django-ninja's parsing and the JSON
   answer, called through Django's WSGI handler with the environ a server would pass;
3. HTTP: `paperboy serve` (gunicorn, 2 processes x 4 threads, production settings, page
   cache off), one kept-alive connection, so the client's connection set-up is not counted;
4. the floor: the same gunicorn serving a WSGI callable that answers a constant, which is
   what the server and the loopback network cost before Django does anything.

Rounds alternate the layers, and each layer's figure is the median of its rounds' p50s (the
machines are noisy). bench/profile_search.py splits layer 1 further; bench/search.py is the
end-to-end benchmark with its clients.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
import wsgiref.util
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR_BODY = b'{"ok": true}'
WARM_UP = 40  # queries


def hello(environ, start_response):
    """Layer 4's application: a constant answer, no framework."""
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(FLOOR_BODY)))]
    )
    return [FLOOR_BODY]


def server_env(work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PAPERBOY_DATA_DIR": str(work),
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "PAPERBOY_RATE_API": "100000000",
        "PAPERBOY_PAGE_CACHE_SECONDS": "0",
        "PAPERBOY_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "paperboy.settings",
    }


def bench_web():
    """bench/web.py's helpers (free_port, wait_until_up), loaded under another name: as
    `web` it would shadow the web app this process runs."""
    spec = importlib.util.spec_from_file_location("bench_web", ROOT / "bench" / "web.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_servers(work: Path, env: dict[str, str]) -> dict[str, tuple[subprocess.Popen, int]]:
    helpers = bench_web()
    python = sys.executable
    servers = {}
    site_port, floor_port = helpers.free_port(), helpers.free_port()
    site = [str(Path(python).parent / "paperboy"), "serve", "--port", str(site_port),
            "--workers", "2", "--threads", "4"]  # fmt: skip
    floor = [python, "-m", "gunicorn", "profile_request:hello", "--chdir", str(ROOT / "bench"),
             "--bind", f"127.0.0.1:{floor_port}", "--workers", "2", "--threads", "4"]  # fmt: skip
    for name, argv, port in (("site", site, site_port), ("floor", floor, floor_port)):
        process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        servers[name] = (process, port)
    try:
        for _, port in servers.values():
            helpers.wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=300)
    except BaseException:
        for process, _ in servers.values():
            process.terminate()
        raise
    return servers


def timed(calls) -> float:
    """The p50 in milliseconds of calling each of `calls` once, in order."""
    took = []
    for call in calls:
        start = time.perf_counter()
        call()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took)


def over_http(port: int, paths: list[str]):
    """One kept-alive connection, opened again when the server closed it while the
    in-process layers ran (gunicorn keeps an idle connection for 2 s)."""
    held: list[http.client.HTTPConnection] = []

    def get(path: str) -> None:
        for attempt in (1, 2):
            if not held:
                held.append(http.client.HTTPConnection("127.0.0.1", port, timeout=60))
            try:
                held[0].request("GET", path)
                answer = held[0].getresponse()
                answer.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError):
                held.pop().close()
                if attempt == 2:
                    raise
        if answer.status != 200:
            raise SystemExit(f"GET {path}: {answer.status}")

    return [lambda path=path: get(path) for path in paths]


def in_django(paths: list[str]):
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def call(path: str) -> None:
        environ = {"REQUEST_METHOD": "GET", "HTTP_HOST": "127.0.0.1", "wsgi.input": BytesIO()}
        wsgiref.util.setup_testing_defaults(environ)
        environ["PATH_INFO"], _, environ["QUERY_STRING"] = path.partition("?")
        status = []
        body = handler(environ, lambda code, headers, *_: status.append(code))
        b"".join(body)
        body.close()
        if not status[0].startswith("200"):
            raise SystemExit(f"{path}: {status[0]}")

    return [lambda path=path: call(path) for path in paths]


def in_search(texts: list[str], hybrid: bool):
    from community.queries import paper_upvote_counts
    from search.queries import search_papers

    def call(text: str) -> None:
        search_papers(text, limit=10, popularity=paper_upvote_counts, semantic=hybrid)

    return [lambda text=text: call(text) for text in texts]


def measure(work: Path, count: int, rounds: int) -> dict[str, dict[str, float]]:
    """Each round its own `count` queries, so that no layer finds a query's embedding in a
    process's cache (search/queries.py keeps 1,024); this process's cache is emptied before
    each in-process layer, and the servers see each query once."""
    from corpus import make_queries, real_records

    from search.queries import _cached_query_vector

    texts = make_queries(real_records(), count=count * rounds + WARM_UP)
    servers = start_servers(work, server_env(work))
    try:
        found: dict[str, dict[str, float]] = {}
        for mode in ("keyword", "hybrid"):
            runs: dict[str, list[float]] = {}
            for number in range(rounds + 1):  # round 0 warms up models, indexes, servers
                chosen = texts[-WARM_UP:] if number == 0 else texts[(number - 1) * count :][:count]
                for name, calls in layers(chosen, mode, servers).items():
                    _cached_query_vector.cache_clear()
                    took = timed(calls)
                    if number:
                        runs.setdefault(name, []).append(took)
            found[mode] = {name: statistics.median(values) for name, values in runs.items()}
            print(mode, {name: [round(v, 2) for v in values] for name, values in runs.items()})
        return found
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=30)


def layers(texts: list[str], mode: str, servers: dict) -> dict[str, list]:
    paths = [f"/api/v1/search?limit=10&mode={mode}&q={urllib.parse.quote(t)}" for t in texts]
    return {
        "search": in_search(texts, mode == "hybrid"),
        "django": in_django(paths),
        "http": over_http(servers["site"][1], paths),
        "floor": over_http(servers["floor"][1], ["/"] * len(paths)),
    }


def table(found: dict[str, dict[str, float]], papers: int) -> str:
    lines = [
        f"Papers: {papers:,}. p50 in ms (medians of the rounds' p50s).",
        "",
        "| mode | search_papers | + Django (in-process) | + HTTP (gunicorn) "
        "| Django's part | HTTP's part | HTTP floor (constant answer) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode, layer in found.items():
        lines.append(
            f"| {mode} | {layer['search']:.2f} | {layer['django']:.2f} | {layer['http']:.2f} "
            f"| {layer['django'] - layer['search']:.2f} | {layer['http'] - layer['django']:.2f} "
            f"| {layer['floor']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    work = options.work.resolve()
    os.environ.update(server_env(work))
    sys.path.insert(0, str(ROOT))  # before bench/, whose web.py would shadow the web app
    import django

    django.setup()
    sys.path.append(str(ROOT / "bench"))
    from report import write_section

    from catalog.models import Paper

    found = measure(work, options.count, options.rounds)
    text = table(found, Paper.objects.count())
    print(text)
    command = (
        f".venv/bin/python bench/profile_request.py {options.work} "
        f"--count {options.count} --rounds {options.rounds}"
    )
    write_section("Where a search request's time goes", command, text)


if __name__ == "__main__":
    main()
