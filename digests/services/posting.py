"""Posting JSON to a member's URL without letting the member reach the server's network.

The host is resolved once; every address it resolves to must be public (unless
PAPERBOY_WEBHOOK_ALLOW_PRIVATE), and the connection goes to the address that was checked, so
a name that resolves differently a moment later (DNS rebinding) cannot point the post
inward. Redirects are not followed. The answer's body is not read beyond a few bytes."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeURL(ValueError):
    """The URL cannot be posted to; the message says why, for the member."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> Target:
    """The URL's parts and a checked address to connect to; UnsafeURL when it is not an
    http(s) URL of a host with public addresses."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("A webhook URL starts with https:// (or http://) and names a host.")
    if parts.username or parts.password:
        raise UnsafeURL("Put no user name or password in a webhook URL.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeURL("The URL's port is not a number between 0 and 65535.") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not resolve:
        return Target(parts.scheme, parts.hostname, port, path, "")
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL(f"The host {parts.hostname} cannot be found.") from None
    addresses = [row[4][0] for row in found]
    if not settings.PAPERBOY_WEBHOOK_ALLOW_PRIVATE and not all(map(_public, addresses)):
        raise UnsafeURL(f"{parts.hostname} is not a public address.")
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


class _Pinned(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


class PostFailed(Exception):
    """The post did not go through (a network error, a timeout, or a non-2xx answer)."""


def post_json(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body; the status code when it is 2xx, PostFailed (or UnsafeURL) otherwise."""
    target = check_url(url)
    kind = _PinnedTLS if target.scheme == "https" else _Pinned
    connection = kind(target, settings.PAPERBOY_WEBHOOK_TIMEOUT)
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Paperboy-Webhook/1",
                **headers,
            },
        )
        answer = connection.getresponse()
        answer.read(1024)
    except (OSError, http.client.HTTPException) as error:
        raise PostFailed(f"{type(error).__name__}: {error}"[:300]) from None
    finally:
        connection.close()
    if not 200 <= answer.status < 300:
        raise PostFailed(f"the receiver answered {answer.status} {answer.reason}"[:300])
    return answer.status
