"""Who the client is behind a reverse proxy.

`X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the request comes from an
address in PAPERBOY_TRUSTED_PROXIES. The client is then the right-most hop that is not a
trusted proxy (everything to its left was written by the client and may be forged), and
REMOTE_ADDR is replaced with it so that everything downstream (rate limits, logs) sees the
real client. From any other peer both headers are removed, so that neither Django's
SECURE_PROXY_SSL_HEADER nor anything else can be fooled by a forged one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str], *, name: str = "PAPERBOY_TRUSTED_PROXIES") -> list:
    """Addresses or CIDR blocks; ImproperlyConfigured naming the bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return networks


def _address(text: str):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address, networks: list[Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def resolve_client(peer: str, forwarded_for: str, networks: list[Network]) -> str:
    """The client's address: the peer itself unless it is a trusted proxy, else the
    right-most X-Forwarded-For hop that is not one (a malformed hop stops the walk at the
    last trusted address seen)."""
    current = peer
    if not _trusted(_address(peer), networks):
        return peer
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        address = _address(hop)
        if address is None:
            return current
        current = str(address)
        if not _trusted(address, networks):
            return current
    return current


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = settings.TRUSTED_PROXY_NETWORKS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        if self.networks and _trusted(_address(peer), self.networks):
            meta["REMOTE_ADDR"] = resolve_client(
                peer, meta.get("HTTP_X_FORWARDED_FOR", ""), self.networks
            )
            proto = meta.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto:
                meta["HTTP_X_FORWARDED_PROTO"] = proto
        else:
            meta.pop("HTTP_X_FORWARDED_FOR", None)
            meta.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)
