"""Rendering deploy/nginx/paperboy.conf into a complete nginx.conf that runs in a folder as
this user (no Django here: bench/soak.py uses it too)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def nginx_conf(folder: Path, ports: list[int], listen: int, static_root: Path) -> Path:
    site = (ROOT / "deploy" / "nginx" / "paperboy.conf").read_text()
    servers = "\n".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports
    )
    site = site.replace("@UPSTREAM_SERVERS@", servers)
    site = site.replace("@LISTEN@", f"127.0.0.1:{listen}")
    site = site.replace("@STATIC_ROOT@", str(static_root))
    root = "user root;\n" if os.geteuid() == 0 else ""
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{root}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{site}
}}
"""
    )
    return conf
