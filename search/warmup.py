"""Warming a fresh app server before it takes traffic, so its first search is as fast as
its hundredth: the site's routes imported (every view and API schema: about 0.4 s, which the
first request paid until 2026-12-02), the shared cache opened (the rate limits count there),
the keyword index's searchers opened, the vectors loaded, the embedding model loaded and run
once, and one search through the whole path; then, in gunicorn (paperboy/gunicorn_worker.py),
every request thread started and given its own database and cache connections and one search
(`warm_threads`). Best effort: whatever is not there yet (no index, no embeddings, no model)
is skipped, never fatal."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor

from django.core.cache import caches
from django.db import close_old_connections, connection

logger = logging.getLogger("paperboy.search")


def warm_up() -> dict[str, float]:
    """Milliseconds each step took (a skipped step is left out)."""
    from search import dense, lexical
    from search.embeddings import embedder
    from search.queries import search_papers

    took = _run(
        {
            "routes": _routes,
            "cache": lambda: caches["default"].get("paperboy:warm-up"),
            "keyword index": lambda: lexical.open_for_reading().searchers(),
            "vectors": dense.available,
            "model": lambda: embedder().embed(["warming up the search"]),
            "search": lambda: search_papers("attention is all you need", limit=5),
        }
    )
    close_old_connections()
    logger.info("warm-up done: %s", ", ".join(f"{k} {v:.0f} ms" for k, v in took.items()))
    return took


def warm_threads(pool: Executor, count: int, timeout: float = 10.0) -> list[dict[str, float]]:
    """Start `count` threads of a server's request pool at once (each waits for the others,
    so none runs two of these) and warm each with `warm_thread`. What each took, per step."""
    together = threading.Barrier(count)

    def one() -> dict[str, float]:
        # A pool with fewer threads breaks the barrier: then it warms what it has.
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait(timeout)
        return warm_thread()

    started = [pool.submit(one) for _ in range(count)]
    took = [future.result() for future in started]
    logger.info("warm-up: %d request threads ready", len(took))
    return took


def warm_thread() -> dict[str, float]:
    """What a request thread opens for itself on its first request: its database connection
    (kept open, as the server keeps connections between requests), the rate-limit cache's
    connections, and a search through the whole path."""
    from search.queries import search_papers

    return _run(
        {
            "database": connection.ensure_connection,
            "cache": lambda: caches["default"].get("paperboy:warm-up"),
            "search": lambda: search_papers("attention is all you need", limit=5),
        }
    )


def _run(steps: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Run each step, timing it; what cannot run yet is skipped, and nothing is fatal."""
    from search.embeddings import EmbeddingsUnavailable
    from search.lexical import IndexUnavailable
    from search.model_files import ModelFileMismatch

    took: dict[str, float] = {}
    for name, step in steps.items():
        started = time.perf_counter()
        try:
            step()
        except (IndexUnavailable, EmbeddingsUnavailable, ModelFileMismatch) as error:
            logger.info("warm-up: %s skipped (%s)", name, error)
            continue
        except Exception:  # a warm-up must never stop a server from starting
            logger.exception("warm-up: %s failed", name)
            continue
        took[name] = (time.perf_counter() - started) * 1000
    return took


def _routes() -> None:
    """Import the URL configuration, with every view and API schema it names."""
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (the property imports them)
    resolver.resolve("/api/v1/search")
