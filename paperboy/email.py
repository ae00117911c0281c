"""PAPERBOY_EMAIL_URL: one setting that picks and configures Django's email backend.

smtp://user:password@host:587?tls=1     SMTP with STARTTLS (ssl=1 for implicit TLS)
console:                                print mails to stdout
file:///path/to/outbox                  one .log file per mail, in a folder
memory:                                 keep mails in memory (tests)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


def email_settings(url: str, *, name: str = "PAPERBOY_EMAIL_URL") -> dict[str, Any]:
    """Django email settings for an email URL; ImproperlyConfigured for anything else."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        if not parsed.path:
            raise ImproperlyConfigured(f"{name}={url!r}: a file URL needs a folder path")
        folder = Path(unquote(parsed.path))
        folder.mkdir(parents=True, exist_ok=True)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(folder),
        }
    if scheme in ("smtp", "smtps"):
        if not parsed.hostname:
            raise ImproperlyConfigured(f"{name}={url!r}: an SMTP URL needs a host")
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        flags = {
            key: options.get(key, "0").lower() in ("1", "true", "yes") for key in ("tls", "ssl")
        }
        try:
            port = parsed.port or (465 if scheme == "smtps" or flags["ssl"] else 25)
            timeout = float(options.get("timeout", "30"))
        except ValueError:
            raise ImproperlyConfigured(f"{name}={url!r}: bad port or timeout") from None
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname,
            "EMAIL_PORT": port,
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_TLS": flags["tls"],
            "EMAIL_USE_SSL": flags["ssl"] or scheme == "smtps",
            "EMAIL_TIMEOUT": timeout,
        }
    raise ImproperlyConfigured(
        f"{name}={url!r} is not an email URL (smtp://, smtps://, console:, file:///, memory:)"
    )


# Names that never reach a public mailbox: special-use and private-use names (RFC 6761,
# RFC 6762, RFC 8375, ICANN's .internal) and the reverse-lookup tree.
PRIVATE_SUFFIXES = (
    "localhost",
    "local",
    "internal",
    "invalid",
    "test",
    "lan",
    "home",
    "corp",
    "localdomain",
    "home.arpa",
    "arpa",
    "onion",
)


def is_public_mail_domain(domain: str, allowed: tuple[str, ...] = ()) -> bool:
    """Whether mail to this domain can go to the public internet: a name (no address
    literal), with at least two labels, a top-level label that is not numeric and no
    special-use suffix. Names in `allowed` (PAPERBOY_MAIL_ALLOWED_DOMAINS) pass anyway."""
    domain = domain.strip().rstrip(".").lower()
    if domain in allowed:
        return True
    if not domain or domain.startswith("[") or ":" in domain:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or any(not label for label in labels):
        return False
    top = labels[-1]
    if top.isdigit() or not (top.isalpha() or top.startswith("xn--")):
        return False
    return not any(domain == s or domain.endswith("." + s) for s in PRIVATE_SUFFIXES)
