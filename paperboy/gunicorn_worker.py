"""gunicorn's threaded worker, with its request threads started and warmed before it serves.

gunicorn makes a worker's request threads one at a time, as requests arrive, and each new
thread's first request opened its own database connection and rate-limit cache connections
on the way: about 20 ms over a warm thread's search at 1M papers (docs/benchmarks.md, "Cold
start at 1M papers"). This worker starts all of them once the application is loaded (and
warmed, paperboy/wsgi.py), and each runs search/warmup.py's `warm_thread`, so the first
requests find their threads ready. Nothing else changes: the pool comes from
`get_thread_pool`, the hook gunicorn documents for making it, and is gunicorn's own.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from gunicorn.workers.gthread import ThreadWorker


class WarmThreadWorker(ThreadWorker):
    def get_thread_pool(self) -> ThreadPoolExecutor:
        self.request_threads = super().get_thread_pool()
        return self.request_threads

    def load_wsgi(self) -> None:
        super().load_wsgi()
        from django.conf import settings

        if settings.PAPERBOY_WARM_UP:
            from search.warmup import warm_threads

            warm_threads(self.request_threads, self.cfg.threads)
