"""The normalised shape every source turns its input into before it reaches the database."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

import orjson

_SPACE = re.compile(r"\s+")


def iso_datetime(value: object) -> datetime | None:
    """An ISO 8601 timestamp (a trailing Z allowed) as a datetime; None for anything else."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def clean_line(text: str | None) -> str:
    """Collapse all whitespace (including LaTeX-style hard wraps) into single spaces."""
    return _SPACE.sub(" ", text or "").strip()


def clean_abstract(text: str | None) -> str:
    """Unwrap hard line breaks but keep paragraph breaks; LaTeX is left verbatim.

    arXiv abstracts are wrapped at ~80 columns and start new paragraphs with an indented line
    or a blank line, so a newline followed by indentation or another newline is a paragraph.
    """
    if not text:
        return ""
    paragraphs = re.split(r"\n\s*\n|\n(?=[ \t]+\S)", text.strip())
    return "\n\n".join(clean_line(p) for p in paragraphs if p.strip())


_NAME_PUNCTUATION = re.compile(r"[\s.\-'`,]+")


def author_key(name: str) -> str:
    """The matching key for an author name: case-, accent- and punctuation-insensitive."""
    if not name.isascii():
        decomposed = unicodedata.normalize("NFKD", name)
        name = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NAME_PUNCTUATION.sub(" ", name.casefold()).strip()[:300]


@dataclass(slots=True)
class PaperRecord:
    """One paper as a source describes it. Empty values mean "this source does not say"."""

    arxiv_id: str
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # primary first
    versions: list[dict[str, str]] = field(default_factory=list)  # [{"version", "created"}]
    latest_version: int | None = None
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    listed_on: date | None = None
    comments: str = ""
    journal_ref: str = ""
    doi: str = ""
    report_no: str = ""
    license: str = ""
    submitter: str = ""
    code_url: str = ""
    project_url: str = ""
    code_stars: int | None = None
    ai_keywords: list[str] = field(default_factory=list)
    ai_summary: str = ""

    def fingerprint(self) -> str:
        """A stable digest of everything the record says, to skip unchanged re-imports."""
        return hashlib.blake2b(orjson.dumps(self), digest_size=12).hexdigest()


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be read: where it was and why, for the import report."""

    location: str
    reason: str
