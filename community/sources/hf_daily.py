"""Hugging Face `/api/daily_papers` responses: one JSON array of entries per day.

The archived files drift in schema: 2024 files lack `submittedOnDailyAt` and the AI fields,
some entries are Python-repr strings instead of objects, and one day is wrapped in a status
object. Each entry is decoded on its own, so one bad entry costs only itself.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson

from catalog.ids import InvalidArxivId, parse_arxiv_id
from catalog.links import code_repository
from catalog.models import Source
from catalog.records import PaperRecord, Rejected, clean_abstract, clean_line, iso_datetime
from catalog.sources.base import SourceError, check_readable, file_fingerprint, read_bytes

_DAY_FILE = re.compile(r"(\d{4}-\d{2}-\d{2})\.json(?:\.gz)?$")
_MAX_REPR_ENTRY = 2_000_000  # characters; a larger "entry string" is not worth evaluating


class MalformedEntry(ValueError):
    """An entry whose shape is wrong; the message says what is wrong."""


@dataclass(slots=True)
class Submitter:
    username: str
    fullname: str


@dataclass(slots=True)
class ListingRecord:
    """One entry of a daily list: the paper, the day, who submitted it, and its counts."""

    paper: PaperRecord
    listed_on: date
    submitter: Submitter | None
    submitted_at: datetime | None
    upvotes: int
    comments: int


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        check_readable(path)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.name.endswith((".json", ".json.gz")))
            )
        else:
            found.append(path)
    if not found:
        raise SourceError(f"{', '.join(map(str, paths))}: no .json or .json.gz files found")
    return found


class HfDailySource:
    """Reads daily-list entries from files or folders of daily-papers responses."""

    name = Source.HF_DAILY

    def __init__(self, paths: list[Path]) -> None:
        self.files = _files(paths)
        self.target = ", ".join(str(p) for p in paths)
        self._done = 0

    def fingerprint(self) -> str:
        return file_fingerprint(*self.files)

    def progress(self) -> tuple[int, int | None]:
        return self._done, len(self.files)

    def read(self) -> Iterator[ListingRecord | Rejected]:
        for path in self.files:
            yield from self._read_file(path)
            self._done += 1

    def _read_file(self, path: Path) -> Iterator[ListingRecord | Rejected]:
        try:
            data = orjson.loads(read_bytes(path))
        except orjson.JSONDecodeError as error:
            yield Rejected(str(path), f"not valid JSON ({error})")
            return
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]  # a status wrapper: {"status", "date", "count", "data": [...]}
        if not isinstance(data, list):
            yield Rejected(str(path), "expected a JSON array of daily entries")
            return
        match = _DAY_FILE.search(path.name)
        file_day = date.fromisoformat(match.group(1)) if match else None
        for index, entry in enumerate(data):
            location = f"{path}[{index}]"
            try:
                yield parse_entry(_decode_entry(entry), file_day)
            except (MalformedEntry, InvalidArxivId) as error:
                yield Rejected(location, str(error))


def _decode_entry(entry: Any) -> dict[str, Any]:
    if isinstance(entry, dict):
        return entry
    if isinstance(entry, str):
        text = entry.strip()
        if text.startswith("{") and len(text) <= _MAX_REPR_ENTRY:
            try:
                decoded = orjson.loads(text)
            except orjson.JSONDecodeError:
                try:
                    # Some archived entries are Python reprs; literal_eval evaluates no code.
                    decoded = ast.literal_eval(text)
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    decoded = None
            if isinstance(decoded, dict):
                return decoded
        raise MalformedEntry(f"entry is a string, not an object: {text[:60]!r}")
    raise MalformedEntry(f"entry is {type(entry).__name__}, not an object")


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _submitter(entry: dict[str, Any], paper: dict[str, Any]) -> Submitter | None:
    for who in (paper.get("submittedOnDailyBy"), entry.get("submittedBy")):
        if isinstance(who, dict):
            username = _string(who.get("user")) or _string(who.get("name"))
            if username:
                return Submitter(username[:150], _string(who.get("fullname"))[:150])
    return None


def parse_entry(entry: dict[str, Any], file_day: date | None) -> ListingRecord:
    """Turn one decoded daily entry into a ListingRecord, or raise MalformedEntry."""
    paper = entry.get("paper")
    if not isinstance(paper, dict):
        raise MalformedEntry("entry has no 'paper' object")
    arxiv_id = parse_arxiv_id(_string(paper.get("id")))
    title = clean_line(_string(paper.get("title")) or _string(entry.get("title")))
    if not title:
        raise MalformedEntry(f"{arxiv_id}: no title")
    listed_at = iso_datetime(paper.get("submittedOnDailyAt")) or iso_datetime(
        entry.get("publishedAt")
    )
    listed_on = file_day or (listed_at.date() if listed_at else None)
    if listed_on is None:
        raise MalformedEntry(f"{arxiv_id}: no listing date in the entry or the file name")
    authors = [
        clean_line(a["name"])
        for a in paper.get("authors") or []
        if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"].strip()
    ]
    keywords = paper.get("ai_keywords")
    github = _string(paper.get("githubRepo"))
    project = _string(paper.get("projectPage"))
    stars = paper.get("githubStars")
    record = PaperRecord(
        arxiv_id=arxiv_id.base,
        title=title,
        abstract=clean_abstract(_string(paper.get("summary")) or _string(entry.get("summary"))),
        authors=authors,
        submitted_at=iso_datetime(paper.get("publishedAt")),
        code_url=code_repository(github) or (github if github.startswith("https://") else ""),
        project_url=project if project.startswith(("http://", "https://")) else "",
        code_stars=stars if isinstance(stars, int) and stars >= 0 else None,
        ai_keywords=[clean_line(k) for k in keywords if isinstance(k, str)][:50]
        if isinstance(keywords, list)
        else [],
        ai_summary=clean_line(_string(paper.get("ai_summary"))),
    )
    return ListingRecord(
        paper=record,
        listed_on=listed_on,
        submitter=_submitter(entry, paper),
        submitted_at=listed_at,
        upvotes=_count(paper.get("upvotes")),
        comments=_count(entry.get("numComments")),
    )
