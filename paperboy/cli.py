"""The `paperboy` command: Paperboy's own verbs first, and every Django command too."""

from __future__ import annotations

import os
import sys

OVERVIEW = """\
usage: paperboy COMMAND [options]

Paperboy finds the research papers that matter and delivers them.

Running the site
  demo [--data DIR]   the demo site in one command: migrate, load the demo data, start the
                      embedder, the worker and the index follower, and serve (`make run`)
  serve               serve the site with gunicorn (--host, --port, --workers)
  migrate             create or upgrade the database tables
  createsuperuser     make an administrator account for /admin
  load-demo           import the demo data from PAPERBOY_DEMO_DATA_DIR (idempotent)
  backup FILE         a consistent copy of the database (pg_dump, or SQLite's backup)
  restore FILE [--yes]
                      replace the database with a backup; every node's index rebuilds

Getting papers in
  import arxiv-snapshot PATH         the arXiv metadata snapshot (.json / .json.gz)
  import hf-daily PATH...            Hugging Face daily-papers responses
  import arxiv-rss PATH|URL|CATEGORY an arXiv listing feed
  harvest oai [--from D] [--until D] [--set S]
                                     incremental arXiv OAI-PMH harvest
  fetch arxiv ID_OR_URL...           single papers from the arXiv API
  imports                            recent import runs and their counts

Searching
  index rebuild|update|status        the search index, derived from the database
  index follow [--interval S]        keep this node's indexes in step (one per app node)
  index snapshot|restore DIR         copy a node's indexes to start another from
  index embed [--loop S]             semantic embeddings, listed papers first
  search "QUERY" [--limit N] [--json]
                                     search with the query language
  index vectors [--force]            the approximate vector index for large catalogues
  eval beir DIR [--split S] [--json] search quality on a BEIR benchmark

Delivering
  digests send [--period P] [--as-of D] [--loop S]
                                     build and send the email digests that are due
  digests status                     subscriptions and deliveries by state
  worker                             background jobs: digests, webhooks, mails, harvests,
                                     submitted papers, imports, the embedding backfill

Run `paperboy COMMAND --help` for a command's options, and `paperboy help --all` for every
Django command. Settings come from PAPERBOY_* environment variables and DATABASE_URL
(see docs/configuration.md).
"""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `paperboy` console script."""
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
    if len(argv) < 2 or argv[1] in ("-h", "--help") or argv[1:] == ["help"]:
        sys.stdout.write(OVERVIEW)
        return
    if argv[1:3] == ["help", "--all"]:
        argv = [argv[0], "help"]
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as error:
        sys.stderr.write(f"paperboy: configuration error: {error}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
