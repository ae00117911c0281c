"""Polite HTTP GETs for harvesters: timeouts, retries with backoff, and `Retry-After`."""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlparse

from django.conf import settings

from catalog.sources.base import SourceError

log = logging.getLogger(__name__)
MAX_RESPONSE_BYTES = 200 * 1024 * 1024
_RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    url: str


class HttpClient:
    """GETs with bounded retries. 503/429 wait for `Retry-After`; connection errors back off."""

    def __init__(
        self,
        *,
        timeout: float | None = None,
        retries: int | None = None,
        max_wait: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout = timeout if timeout is not None else settings.PAPERBOY_HTTP_TIMEOUT
        self.retries = retries if retries is not None else settings.PAPERBOY_HTTP_RETRIES
        self.max_wait = max_wait if max_wait is not None else settings.PAPERBOY_HTTP_MAX_WAIT
        self.sleep = sleep

    def get(self, url: str, params: Mapping[str, str] | None = None) -> Response:
        """The response for any status below 500 except 429; SourceError when unreachable."""
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise SourceError(f"{url}: only http and https URLs can be fetched")
        full = f"{url}?{urlencode(params)}" if params else url
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            full, headers={"User-Agent": settings.PAPERBOY_HTTP_USER_AGENT}
        )
        last_problem = ""
        for attempt in range(self.retries + 1):
            wait = min(2.0**attempt, 60.0)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                    return Response(answer.status, _read_capped(answer, full), full)
            except urllib.error.HTTPError as error:
                if error.code not in _RETRY_STATUSES:
                    return Response(error.code, _read_capped(error, full), full)
                last_problem = f"HTTP {error.code}"
                wait = _retry_after(error.headers.get("Retry-After"), default=wait)
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
                reason = getattr(error, "reason", error)
                last_problem = str(reason)
            if attempt == self.retries:
                break
            wait = min(wait, self.max_wait)
            log.warning("%s: %s; retrying in %.0f s", full, last_problem, wait)
            self.sleep(wait)
        raise SourceError(f"{full}: unreachable ({last_problem}) after {self.retries + 1} tries")


def _read_capped(answer, url: str) -> bytes:
    body = answer.read(MAX_RESPONSE_BYTES + 1)
    if len(body) > MAX_RESPONSE_BYTES:
        raise SourceError(f"{url}: response larger than {MAX_RESPONSE_BYTES} bytes")
    return body


def _retry_after(value: str | None, *, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return default
