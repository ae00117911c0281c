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
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Paperboy is serving on http://{bind}/ (Ctrl-C to stop)")
        self.stdout.flush()
        argv = [
            "gunicorn",
            "paperboy.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        os.execvp(sys.executable, [sys.executable, "-m", *argv])  # noqa: S606
