"""Production settings that can be switched on: `check --deploy` is clean under the
documented production environment, secrets come from files, the demo key is refused."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def documented_production_env() -> dict[str, str]:
    """The example environment in docs/configuration.md, section Production."""
    text = (ROOT / "docs" / "configuration.md").read_text()
    block = text.split("A production environment (the one the test checks):", 1)[1]
    block = block.split("```sh", 1)[1].split("```", 1)[0]
    return dict(line.split("=", 1) for line in block.strip().splitlines())


def run_paperboy(args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' fixture
    env.update(PAPERBOY_DATA_DIR=str(tmp_path), **env_extra)
    return subprocess.run(
        [sys.executable, "-m", "paperboy.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def with_secret_files(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Point every *_FILE of the example at a real file in tmp_path."""
    values = {
        "PAPERBOY_SECRET_KEY_FILE": "k" * 20 + "-a-long-random-production-secret-key",
        "DATABASE_URL_FILE": f"sqlite:///{tmp_path}/prod.sqlite3",
    }
    for name, value in values.items():
        secret = tmp_path / name.lower()
        secret.write_text(value + "\n")
        env[name] = str(secret)
    return env


def test_check_deploy_is_clean_under_the_documented_production_settings(tmp_path):
    env = with_secret_files(documented_production_env(), tmp_path)
    result = run_paperboy(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_them(tmp_path):
    env = {"PAPERBOY_SECRET_KEY": "x" * 50, "PAPERBOY_BASE_URL": "http://papers.example.org"}
    result = run_paperboy(["check", "--deploy"], env, tmp_path)
    found = set(re.findall(r"security\.W0\d\d", result.stdout + result.stderr))
    assert {"security.W004", "security.W008", "security.W012", "security.W016"} <= found


def test_production_refuses_the_generated_demo_key(tmp_path):
    env = {"PAPERBOY_BASE_URL": "https://papers.example.org"}
    result = run_paperboy(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "PAPERBOY_SECRET_KEY" in result.stderr and "demo key is refused" in result.stderr


def test_secrets_are_read_from_files():
    from paperboy.config import env_str

    secret = ROOT / "var" / "test-secret"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text("from-a-file\n")
    try:
        assert env_str("X", "", environ={"X_FILE": str(secret)}) == "from-a-file"
    finally:
        secret.unlink()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"X": "a", "X_FILE": "/etc/hostname"}, "not both"),
        ({"X_FILE": "/nonexistent/secret"}, "cannot be read"),
    ],
)
def test_bad_secret_files_fail_loudly(environ, message):
    from django.core.exceptions import ImproperlyConfigured

    from paperboy.config import env_str

    with pytest.raises(ImproperlyConfigured, match=message):
        env_str("X", "", environ=environ)


def test_production_cookies_and_headers(tmp_path):
    env = with_secret_files(documented_production_env(), tmp_path)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")} | env
    env.pop("DATABASE_URL", None)
    env.update(PAPERBOY_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="paperboy.settings")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.split() == [
        "True",
        "True",
        "31536000",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ], out.stderr
