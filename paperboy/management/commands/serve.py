"""`paperboy serve`: the site behind gunicorn, a production WSGI server."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser

from paperboy.management.commands._base import PaperboyCommand


class Command(PaperboyCommand):
    help = "Serve the site with gunicorn (never Django's development server)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.PAPERBOY_SERVE_WORKERS,
            help="worker processes (default PAPERBOY_SERVE_WORKERS)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.PAPERBOY_SERVE_THREADS,
            help="threads per worker process (default PAPERBOY_SERVE_THREADS)",
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="skip collecting static files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        argv = prepare(self, options)
        os.execvp(sys.executable, argv)  # noqa: S606 - gunicorn takes over this process


def prepare(command: PaperboyCommand, options: dict[str, Any]) -> list[str]:
    """Collect static files (unless told not to), announce the address, and return the
    gunicorn command line (`paperboy demo` runs it as a child instead)."""
    if not options.get("no_collectstatic"):
        call_command("collectstatic", interactive=False, verbosity=0)
    bind = f"{options['host']}:{options['port']}"
    command.stdout.write(f"Paperboy is serving on http://{bind}/ (Ctrl-C to stop)")
    command.stdout.flush()
    workers = options.get("workers") or settings.PAPERBOY_SERVE_WORKERS
    threads = options.get("threads") or settings.PAPERBOY_SERVE_THREADS
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "paperboy.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
    ]
