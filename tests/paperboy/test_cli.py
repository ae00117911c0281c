"""The `paperboy` console script as an operator meets it, run as a real process."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "paperboy"


def paperboy(*args, env=None, timeout=120):
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


@pytest.fixture
def sqlite_env(tmp_path):
    """A private embedded database, never the test run's DATABASE_URL."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "PAPERBOY_DATA_DIR": str(tmp_path),
    }


def test_help_lists_paperboys_own_commands():
    result = paperboy("--help")
    assert result.returncode == 0
    for verb in ("serve", "import arxiv-snapshot", "harvest oai", "fetch arxiv", "load-demo"):
        assert verb in result.stdout


def test_subcommand_help_reads_well():
    result = paperboy("import", "--help")
    assert result.returncode == 0
    assert "arxiv-snapshot" in result.stdout and "hf-daily" in result.stdout


def test_errors_are_one_line_without_a_traceback(sqlite_env, tmp_path):
    paperboy("migrate", "-v0", env=sqlite_env)
    result = paperboy("import", "arxiv-snapshot", str(tmp_path / "missing.gz"), env=sqlite_env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith("no such file or folder")


def test_a_bad_setting_stops_with_its_name(sqlite_env):
    result = paperboy("imports", env={**sqlite_env, "PAPERBOY_IMPORT_BATCH_SIZE": "lots"})
    assert result.returncode == 2
    assert "PAPERBOY_IMPORT_BATCH_SIZE='lots' is not an integer" in result.stderr
    assert "Traceback" not in result.stderr


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_runs_gunicorn_and_lists_imported_papers(sqlite_env, data_dir):
    assert paperboy("migrate", "-v0", env=sqlite_env).returncode == 0
    day = data_dir / "hf-daily-papers" / "2026-08-21.json.gz"
    assert paperboy("import", "hf-daily", str(day), env=sqlite_env).returncode == 0
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--workers", "1"],
        env=sqlite_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    body = page.read().decode()
                    server_header = page.headers.get("Server", "")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert "EnvHarness: Awakening Static Worlds for Agent Learning" in body
        assert "gunicorn" in server_header
    finally:
        server.terminate()
        server.wait(timeout=15)
