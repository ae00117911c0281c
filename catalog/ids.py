"""arXiv identifiers: parsing, validation and normalisation.

Two schemes exist: new-style `YYMM.NNNN` (4 digits to 2014, 5 digits from 2015) and old-style
`archive[.SC]/YYMMNNN` used until March 2007. Either may carry a version suffix `vN`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

_NEW = re.compile(r"^(?P<yymm>\d{4})\.(?P<num>\d{4,5})(?:v(?P<version>\d+))?$")
_OLD = re.compile(
    r"^(?P<archive>[a-z][a-z\-]*)(?:\.[A-Z]{2})?/(?P<yymm>\d{4})(?P<num>\d{3})(?:v(?P<version>\d+))?$"
)
_PREFIXES = ("arxiv:", "oai:arxiv.org:")
_URL_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org", "huggingface.co", "hf.co"}
_URL_PATHS = ("/abs/", "/pdf/", "/html/", "/papers/", "/format/")


class InvalidArxivId(ValueError):
    """Raised when text is not an arXiv identifier or arXiv / Hugging Face paper URL."""


@dataclass(frozen=True, slots=True)
class ArxivId:
    """A parsed identifier: `base` has no version; `version` is None when none was given."""

    base: str
    version: int | None = None

    @property
    def is_old_style(self) -> bool:
        return "/" in self.base

    def __str__(self) -> str:
        return self.base if self.version is None else f"{self.base}v{self.version}"


def _valid_month(yymm: str) -> bool:
    return 1 <= int(yymm[2:]) <= 12


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse a bare id (`2401.01234v2`, `hep-th/9901001`), an `arXiv:` or OAI prefixed id,
    or an arXiv / Hugging Face paper URL. Raises InvalidArxivId with a readable reason."""
    candidate = (text or "").strip()
    if not candidate:
        raise InvalidArxivId("empty arXiv id")
    if len(candidate) > 300:
        raise InvalidArxivId("arXiv id is too long")
    lowered = candidate.lower()
    if lowered.startswith(("http://", "https://")):
        candidate = _id_from_url(candidate)
    else:
        for prefix in _PREFIXES:
            if lowered.startswith(prefix):
                candidate = candidate[len(prefix) :]
                break
    candidate = candidate.strip().removesuffix(".pdf")
    match = _NEW.match(candidate)
    if match:
        yymm, num = match["yymm"], match["num"]
        # 5-digit numbers began in January 2015; 4-digit ones ended in December 2014.
        if not _valid_month(yymm) or (len(num) == 5) != (yymm >= "1501"):
            raise InvalidArxivId(f"{text.strip()!r} is not a valid arXiv id")
        version = int(match["version"]) if match["version"] else None
        return ArxivId(f"{yymm}.{num}", _checked_version(version, text))
    match = _OLD.match(candidate)
    if match and _valid_month(match["yymm"]):
        # The subject class ("math.AG/...") is not part of the canonical id.
        base = f"{match['archive']}/{match['yymm']}{match['num']}"
        version = int(match["version"]) if match["version"] else None
        return ArxivId(base, _checked_version(version, text))
    raise InvalidArxivId(f"{text.strip()!r} is not a valid arXiv id")


def _checked_version(version: int | None, text: str) -> int | None:
    if version is not None and not 1 <= version <= 999:
        raise InvalidArxivId(f"{text.strip()!r} has an impossible version number")
    return version


def _id_from_url(url: str) -> str:
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    if host not in _URL_HOSTS:
        raise InvalidArxivId(f"{url!r} is not an arXiv or Hugging Face paper URL")
    for prefix in _URL_PATHS:
        if parsed.path.startswith(prefix):
            return parsed.path[len(prefix) :].strip("/")
    raise InvalidArxivId(f"{url!r} does not point at a paper")


def abs_url(arxiv_id: str) -> str:
    """The paper's abstract page on arXiv."""
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    """The paper's latest PDF on arXiv."""
    return f"https://arxiv.org/pdf/{arxiv_id}"
