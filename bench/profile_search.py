"""Where a search request's time goes, in-process, on a corpus built by bench/search.py.

    .venv/bin/python bench/profile_search.py var/bench/search-3M [--mode hybrid] [--count 200]
        [--any-word]

Wraps the steps of search.queries.search_papers with timers and prints the median and p90
of each over the benchmark's queries (a diagnostic; bench/search.py measures end to end).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # before bench/, whose web.py would shadow the web app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("work", type=Path)
    parser.add_argument("--mode", default="keyword", choices=["keyword", "hybrid"])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument(
        "--any-word",
        action="store_true",
        help="rank every paper holding any word, never only those holding all (the old way)",
    )
    options = parser.parse_args()
    work = options.work.resolve()
    os.environ.update(
        PAPERBOY_DATA_DIR=str(work),
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="paperboy.settings",
    )
    import django

    django.setup()
    from corpus import make_queries, real_records

    import search.queries as queries
    from community.queries import paper_upvote_counts
    from search import dense, lexical

    if options.any_word:
        lexical._text_parts = lambda query: 0
    took: dict[str, list[float]] = defaultdict(list)

    def timed(module, name, label=None):
        original = getattr(module, name)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                took[label or name].append((time.perf_counter() - start) * 1000)

        setattr(module, name, wrapper)

    timed(lexical, "search", "lexical.search")
    timed(lexical, "snippets", "lexical.snippets")
    timed(lexical, "passing_filters", "lexical.passing_filters")
    timed(dense, "nearest_scored", "dense.nearest_scored (semantic side)")
    timed(queries, "_semantic_side", "semantic side: embed + nearest")
    timed(lexical, "top", "lexical.top (every shard)")
    timed(queries, "cards_in_bulk", "cards_in_bulk")
    from django.db.backends import utils as db_utils

    original_execute = db_utils.CursorWrapper.execute

    def execute(self, sql, params=None):
        start = time.perf_counter()
        try:
            return original_execute(self, sql, params)
        finally:
            took["sql (all statements of a request)"].append((time.perf_counter() - start) * 1000)

    db_utils.CursorWrapper.execute = execute
    from search.embeddings import query_embedder

    embedder = query_embedder()  # the model that embeds typed queries
    original_embed = embedder.embed

    def embed(texts, *a, **k):
        start = time.perf_counter()
        try:
            return original_embed(texts, *a, **k)
        finally:
            took["embed query"].append((time.perf_counter() - start) * 1000)

    embedder.embed = embed
    texts = make_queries(real_records())[: options.count]
    for text in texts[:20]:
        queries.search_papers(
            text, limit=10, popularity=paper_upvote_counts, semantic=options.mode == "hybrid"
        )
    took.clear()
    totals = []
    for text in texts:
        start = time.perf_counter()
        queries.search_papers(
            text, limit=10, popularity=paper_upvote_counts, semantic=options.mode == "hybrid"
        )
        totals.append((time.perf_counter() - start) * 1000)
    # Counting alone: the same lexical queries with and without count.
    from search.query import parse_query

    kinds = ["words", "phrase", "cat:", "year:", "has:code"]
    for count in (True, False):
        for number, text in enumerate(texts):
            start = time.perf_counter()
            lexical.search.__wrapped__(parse_query(text), limit=10, count=count)
            spent = (time.perf_counter() - start) * 1000
            took[f"lexical top-10 count={count}"].append(spent)
            took[f"  {kinds[number % 5]} count={count}"].append(spent)
    print(f"{'step':40} {'n':>5} {'p50 ms':>8} {'p90 ms':>8}")
    for label, values in [("search_papers total", totals), *took.items()]:
        values = sorted(values)
        print(
            f"{label:40} {len(values):5d} {statistics.median(values):8.2f} "
            f"{values[int(0.9 * len(values))]:8.2f}"
        )


if __name__ == "__main__":
    main()
