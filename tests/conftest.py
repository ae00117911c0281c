"""Shared fixtures: the real data folder, personas, frozen time and a local HTTP server."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

from tests.factories import UserFactory

DATA = Path(settings.DEMO_DATA_DIR)
FORMATS = DATA / "formats"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The read-only real data folder (../shared/data)."""
    if not (DATA / "README.md").exists():
        pytest.fail(f"real data not found at {DATA}; set PAPERBOY_DEMO_DATA_DIR")
    return DATA


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Tests render templates without collectstatic, see fresh pages, and start with an
    empty cache (rate limits and the page cache live there)."""
    from django.core.cache import caches

    from search import dense

    for alias in settings.CACHES:
        caches[alias].clear()
    dense.forget()  # each test's database has its own embeddings
    settings.PAPERBOY_PAGE_CACHE_SECONDS = 0
    # Mails from requests are tried at once (retries still go through the queue), so a
    # test reads them as soon as the request is answered; tests/paperboy/test_outbox.py
    # covers the worker mode.
    settings.PAPERBOY_MAIL_QUEUE = "eager"
    settings.PAPERBOY_INDEX_DIR = tmp_path / "index"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def copy_data(tmp_path: Path, data_dir: Path) -> Callable[[str], Path]:
    """Copy a file from the data folder into a temporary folder the test may change."""

    def copy(relative: str) -> Path:
        target = tmp_path / Path(relative).name
        shutil.copy(data_dir / relative, target)
        target.chmod(0o644)
        return target

    return copy


@pytest.fixture
def frozen_now():
    """Time stands still at a fixed instant inside the demo data's range."""
    with time_machine.travel("2026-08-21 09:00:00+00:00", tick=False) as traveller:
        yield traveller


# -- personas ---------------------------------------------------------------------------


@pytest.fixture
def curator(db):
    return UserFactory(username="curator", is_staff=True)


@pytest.fixture
def member(db):
    return UserFactory(username="member")


@pytest.fixture
def other_member(db):
    return UserFactory(username="other")


@pytest.fixture
def anonymous_client(client):
    return client


@pytest.fixture
def curator_client(curator):
    from django.test import Client

    browser = Client()
    browser.force_login(curator)
    return browser


@pytest.fixture
def member_client(member):
    """A browser logged in as `member` (separate from `client`, which stays anonymous)."""
    from django.test import Client

    browser = Client()
    browser.force_login(member)
    return browser


# -- a local HTTP server replaying recorded responses --------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml; charset=utf-8"


@dataclass
class RecordingServer:
    """A loopback server whose answers come from `route(path, query) -> Reply`."""

    url: str
    requests: list[dict[str, list[str]]]
    route: Callable[[str, dict[str, list[str]]], Reply]


@pytest.fixture
def http_server() -> Iterator[Callable[[Callable[[str, dict], Reply]], RecordingServer]]:
    servers: list[ThreadingHTTPServer] = []

    def start(route: Callable[[str, dict], Reply]) -> RecordingServer:
        state = RecordingServer(url="", requests=[], route=route)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parsed = urlparse(self.path)
                query = parse_qs(parsed.query)
                state.requests.append(query)
                reply = state.route(parsed.path, query)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        state.url = f"http://127.0.0.1:{server.server_address[1]}"
        return state

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# Well-formed ids that stand in for recorded answers our own validation would never send:
# "abc" (answered with HTTP 400) and "0808.05394" (answered with an empty feed).
ALIASES = {"2101.99999": "abc", "2101.99998": "0808.05394"}


@pytest.fixture
def arxiv_api(http_server, data_dir):
    """A local arXiv API replaying the recorded id lookups (bad ids answer HTTP 400)."""
    recorded = data_dir / "formats" / "arxiv-api-atom"

    def route(path, query):
        ids = [ALIASES.get(i, i) for i in query.get("id_list", [""])[0].split(",")]
        key = "_".join(ids).replace("/", "_")
        matches = sorted(recorded.glob(f"id_{key}_s0_*.xml"))
        if not matches:
            return Reply(404, b"not recorded")
        status = 400 if "errors#" in matches[0].read_text() else 200
        return Reply(status, matches[0].read_bytes(), content_type="application/atom+xml")

    server = http_server(route)
    with override_settings(PAPERBOY_ARXIV_API_URL=f"{server.url}/api/query"):
        yield server


# -- a real SMTP server -------------------------------------------------------------------


@dataclass
class SmtpOutbox:
    """Messages received by the test SMTP server, parsed."""

    messages: list = field(default_factory=list)
    # address -> SMTP reply to its RCPT TO, e.g. "550 5.1.1 No such user" or "451 Try later"
    refuse: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds the server takes to accept each message (a slow relay)

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def links(self, index: int = -1) -> list[str]:
        import re

        message = self.messages[index]
        body = message.get_body(("plain",)).get_content()
        return re.findall(r"https?://\S+", body)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback; Django sends mail to it."""
    import asyncio
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    outbox = SmtpOutbox()

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            reply = outbox.refuse.get(address)
            if reply:
                return reply
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if outbox.delay:
                await asyncio.sleep(outbox.delay)
            outbox.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 Message accepted for delivery"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
    ):
        yield outbox
    controller.stop()
