"""The deployment kit is valid as shipped: nginx accepts the site file (`nginx -t`),
systemd accepts the units (`systemd-analyze verify`, where systemd is installed), and the
example environment lists every production setting the README names."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.cluster.nginx import ROOT, nginx_conf

DEPLOY = ROOT / "deploy"


def test_nginx_accepts_the_shipped_site(tmp_path, nginx):
    conf = nginx_conf(tmp_path / "nginx", [8001, 8002], 8080, tmp_path / "static")
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path / "nginx"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {u.name for u in units} >= {
        "paperboy-web.service",
        "paperboy-follow.service",
        "paperboy-worker.service",
    }
    # Verify copies whose paths exist here: the units name /opt/paperboy and /etc/paperboy.
    fake = tmp_path / "paperboy"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    env_file = tmp_path / "env"
    env_file.write_text("")
    for unit in units:
        text = unit.read_text().replace("/opt/paperboy/venv/bin/paperboy", str(fake))
        text = text.replace("/etc/paperboy/env", str(env_file)).replace("User=paperboy", "")
        (tmp_path / unit.name).write_text(text)
    done = subprocess.run(
        [analyze, "verify", *[str(tmp_path / u.name) for u in units]],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_the_example_environment_names_the_production_settings():
    example = (DEPLOY / "paperboy.env.example").read_text()
    for name in (
        "DATABASE_URL",
        "PAPERBOY_SECRET_KEY",
        "PAPERBOY_BASE_URL",
        "PAPERBOY_ALLOWED_HOSTS",
        "PAPERBOY_TRUSTED_PROXIES",
        "PAPERBOY_CACHE_URL",
        "PAPERBOY_INDEX_DIR",
        "PAPERBOY_MAX_INDEX_LAG",
        "PAPERBOY_EMAIL_URL",
        "PAPERBOY_FROM_EMAIL",
    ):
        assert f"\n{name}=" in f"\n{example}", name
