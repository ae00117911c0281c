"""The arXiv metadata snapshot: one JSON object per line, plain or gzip-compressed.

This is the format of the `arxiv-metadata-oai-snapshot.json` bulk dump. The file is streamed
line by line, so memory stays flat whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import orjson

from catalog.ids import InvalidArxivId, parse_arxiv_id
from catalog.links import extract_links
from catalog.models import Source
from catalog.records import PaperRecord, Rejected, clean_abstract, clean_line
from catalog.sources.base import CountingReader, check_readable, file_fingerprint, open_lines
from catalog.taxonomy import split_categories


class MalformedRecord(ValueError):
    """A record whose shape is wrong; the message says what is wrong."""


class ArxivSnapshotSource:
    """Reads papers from an arXiv snapshot file."""

    name = Source.ARXIV_SNAPSHOT

    def __init__(self, path: Path) -> None:
        self.path = check_readable(path)
        self.target = str(path)
        self._counter: CountingReader | None = None
        self._size: int | None = None

    def fingerprint(self) -> str:
        return file_fingerprint(self.path)

    def progress(self) -> tuple[int, int | None]:
        return (self._counter.consumed if self._counter else 0), self._size

    def read(self) -> Iterator[PaperRecord | Rejected]:
        lines, self._counter = open_lines(self.path)
        self._size = self.path.stat().st_size
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield parse_snapshot_record(orjson.loads(line))
            except orjson.JSONDecodeError as error:
                yield Rejected(f"{self.path}:{number}", f"not valid JSON ({error})")
            except (MalformedRecord, InvalidArxivId) as error:
                yield Rejected(f"{self.path}:{number}", str(error))


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedRecord(f"field {key!r} should be text, got {type(value).__name__}")
    return value


def _version_date(created: Any) -> datetime | None:
    if not isinstance(created, str):
        return None
    try:
        return parsedate_to_datetime(created)
    except (TypeError, ValueError, IndexError):
        return None


def _authors(data: dict[str, Any]) -> list[str]:
    parsed = data.get("authors_parsed")
    names: list[str] = []
    if isinstance(parsed, list) and parsed:
        for entry in parsed:
            if not isinstance(entry, list) or not entry:
                continue
            last, first, suffix = ([*map(str, entry), "", ""])[:3]
            name = clean_line(" ".join(part for part in (first, last, suffix) if part.strip()))
            if name:
                names.append(name)
        if names:
            return names
    raw = clean_line(_text(data, "authors"))
    if not raw:
        return []
    return [name.strip() for name in raw.replace(" and ", ", ").split(",") if name.strip()]


def parse_snapshot_record(data: Any) -> PaperRecord:
    """Turn one decoded snapshot object into a PaperRecord, or raise MalformedRecord."""
    if not isinstance(data, dict):
        raise MalformedRecord(f"expected a JSON object, got {type(data).__name__}")
    arxiv_id = parse_arxiv_id(_text(data, "id"))
    title = clean_line(_text(data, "title"))
    if not title:
        raise MalformedRecord(f"{arxiv_id}: no title")
    raw_versions = data.get("versions") or []
    if not isinstance(raw_versions, list):
        raise MalformedRecord(f"{arxiv_id}: 'versions' should be a list")
    versions: list[dict[str, str]] = []
    dates: list[datetime] = []
    for entry in raw_versions:
        if isinstance(entry, dict) and isinstance(entry.get("version"), str):
            versions.append({"version": entry["version"], "created": str(entry.get("created"))})
            created = _version_date(entry.get("created"))
            if created:
                dates.append(created)
    if not versions and title.endswith(".") and not title.endswith(".."):
        # Records without versions came from old RSS listings, whose titles gained a full stop.
        title = title[:-1].rstrip()
    abstract = clean_abstract(_text(data, "abstract"))
    comments = clean_line(_text(data, "comments"))
    code_url, project_url = extract_links(abstract, comments)
    latest = max(
        (int(v["version"][1:]) for v in versions if v["version"][1:].isdigit()), default=None
    )
    return PaperRecord(
        arxiv_id=arxiv_id.base,
        title=title,
        abstract=abstract,
        authors=_authors(data),
        categories=split_categories(_text(data, "categories")),
        versions=versions,
        latest_version=latest,
        submitted_at=dates[0] if dates else None,
        updated_at=dates[-1] if dates else None,
        comments=comments,
        journal_ref=clean_line(_text(data, "journal-ref")),
        doi=clean_line(_text(data, "doi"))[:255],
        report_no=clean_line(_text(data, "report-no")),
        license=clean_line(_text(data, "license"))[:255],
        submitter=clean_line(_text(data, "submitter"))[:255],
        code_url=code_url,
        project_url=project_url,
    )
