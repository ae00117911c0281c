"""Warming a fresh app server before it takes traffic, so its first search is as fast as
its hundredth: the site's routes imported (every view and API schema: about 0.4 s, which the
first request paid until 2026-12-02), the shared cache opened (the rate limits count there),
the keyword index's searchers opened, the vectors loaded, the embedding models (the papers'
and the queries') loaded and run once, and one search through the whole path.
Best effort: whatever is not there yet (no index, no embeddings, no model) is skipped, never
fatal."""

from __future__ import annotations

import logging
import time

from django.core.cache import caches
from django.db import close_old_connections

logger = logging.getLogger("paperboy.search")


def warm_up() -> dict[str, float]:
    """Milliseconds each step took (a skipped step is left out)."""
    from search import dense, lexical
    from search.embeddings import EmbeddingsUnavailable, embedder, query_embedder
    from search.model_files import ModelFileMismatch
    from search.queries import search_papers

    steps = {
        "routes": _routes,
        "cache": lambda: caches["default"].get("paperboy:warm-up"),
        "keyword index": lambda: lexical.open_for_reading().searchers(),
        "vectors": dense.available,
        "model": lambda: embedder().embed(["warming up the search"]),
        "query model": lambda: query_embedder().embed(["warming up the search"]),
        "search": lambda: search_papers("attention is all you need", limit=5),
    }
    took: dict[str, float] = {}
    for name, step in steps.items():
        started = time.perf_counter()
        try:
            step()
        except (lexical.IndexUnavailable, EmbeddingsUnavailable, ModelFileMismatch) as error:
            logger.info("warm-up: %s skipped (%s)", name, error)
            continue
        except Exception:  # a warm-up must never stop a server from starting
            logger.exception("warm-up: %s failed", name)
            continue
        took[name] = (time.perf_counter() - started) * 1000
    close_old_connections()
    logger.info("warm-up done: %s", ", ".join(f"{k} {v:.0f} ms" for k, v in took.items()))
    return took


def _routes() -> None:
    """Import the URL configuration, with every view and API schema it names."""
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (the property imports them)
    resolver.resolve("/api/v1/search")
