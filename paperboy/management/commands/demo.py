"""`paperboy demo`: what `make run` does, for an install without the Makefile.

Migrates the embedded database, imports the demo data (skipping what is already in),
starts the background embedder, the worker and the index follower as child processes,
and serves the site in the foreground; the children are stopped (SIGTERM: they finish
their batch) when the server ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from paperboy.management.commands import serve
from paperboy.management.commands._base import PaperboyCommand


class Command(PaperboyCommand):
    help = (
        "Run the demo site: migrate, load the demo data, start the embedder and the worker "
        "in the background, and serve (what `make run` does)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data", type=Path, help="the demo data folder (default PAPERBOY_DEMO_DATA_DIR)"
        )
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument(
            "--daily-only", action="store_true", help="skip the 144k-paper arXiv snapshot"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = (options["data"] or settings.DEMO_DATA_DIR).expanduser().resolve()
        if options["data"] and not (data / "hf-daily-papers").is_dir():
            raise CommandError(f"{data}: no hf-daily-papers folder in it; is it the data?")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load-demo", data=data, daily_only=options["daily_only"])
        env = {**os.environ, "PAPERBOY_DEMO_DATA_DIR": str(data)}
        logs = settings.DATA_DIR
        logs.mkdir(parents=True, exist_ok=True)
        self.stdout.write(
            "Semantic embeddings are computed in the background (listed papers first); "
            "search is keyword-only until some exist. Progress: paperboy index status\n"
            f"Digests and submitted papers are handled by a background worker; in the demo "
            f"mail lands in {logs / 'outbox'}. Logs: {logs}/embed.log, {logs}/worker.log, "
            f"{logs}/follow.log (the search index following new and deleted papers)"
        )
        children = [
            _start(["index", "embed", "--loop", "60"], logs / "embed.log", env),
            _start(["worker"], logs / "worker.log", env),
            _start(["index", "follow", "--interval", "5"], logs / "follow.log", env),
        ]
        server = subprocess.Popen(serve.prepare(self, options), env=env)  # noqa: S603
        stop = lambda number, _frame: server.send_signal(number)  # noqa: E731
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, stop)
        try:
            server.wait()
        finally:
            for child in children:
                child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    child.kill()


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "paperboy.cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
