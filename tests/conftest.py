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
def _static_files_without_a_manifest(settings):
    """Tests render templates without running collectstatic first."""
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
def anonymous_client(client):
    return client


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


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
