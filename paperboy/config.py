"""Typed readers for environment settings.

Every setting Paperboy reads comes through one of these helpers, so a bad value fails at
start-up with the variable's name and what was expected, never later with a confusing error.
Each name read here must be documented in docs/configuration.md (a test checks it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    """The variable's value; or, when only NAME_FILE is set, that file's content (the
    container and systemd convention for secrets). Setting both is an error."""
    env = environ if environ is not None else os.environ
    value = env.get(name)
    file_name = env.get(f"{name}_FILE")
    if file_name:
        if value is not None:
            raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
        try:
            value = Path(file_name).expanduser().read_text()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE={file_name!r} cannot be read: {error.strerror}"
            ) from None
    return None if value is None else value.strip()


def env_is_set(name: str, *, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the variable (or its _FILE form) is given at all, even as an empty value."""
    env = environ if environ is not None else os.environ
    return name in env or f"{name}_FILE" in env


def env_str(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    """A string setting; an unset or blank variable gives the default."""
    value = _raw(name, environ)
    return value if value else default


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    """A yes/no setting: 1/true/yes/on or 0/false/no/off (case-insensitive)."""
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use 1/0, true/false or yes/no")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """An integer setting, optionally bounded; out-of-range values are rejected, not clamped."""
    value = _raw(name, environ)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum {maximum}")
    return number


def env_float(
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> float:
    """A decimal number setting, optionally with a lower bound."""
    value = _raw(name, environ)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ImproperlyConfigured(f"{name}={value!r} is not a finite number")
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    return number


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    """A comma-separated list; blanks between commas are dropped."""
    value = _raw(name, environ)
    if value is None or value == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: Path, *, environ: Mapping[str, str] | None = None) -> Path:
    """A filesystem path; relative paths are taken from the current directory."""
    value = _raw(name, environ)
    return Path(value).expanduser().resolve() if value else default


def env_url(
    name: str,
    default: str,
    *,
    schemes: tuple[str, ...] = ("http", "https"),
    environ: Mapping[str, str] | None = None,
) -> str:
    """A URL whose scheme is one of `schemes` and that names a host."""
    value = _raw(name, environ) or default
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        allowed = ", ".join(schemes)
        raise ImproperlyConfigured(f"{name}={value!r} is not a URL with scheme {allowed}")
    return value.rstrip("/")


def env_choice(
    name: str, default: str, choices: tuple[str, ...], *, environ: Mapping[str, str] | None = None
) -> str:
    """One value out of a fixed set."""
    value = _raw(name, environ) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value
