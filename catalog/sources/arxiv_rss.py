"""arXiv's daily listing feeds (rss.arxiv.org): Atom or RSS 2.0, announce types
new / cross / replace / replace-cross."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.etree.ElementTree import Element

from django.conf import settings

from catalog.ids import InvalidArxivId, parse_arxiv_id
from catalog.links import extract_links
from catalog.models import Source
from catalog.records import PaperRecord, Rejected, clean_abstract, clean_line
from catalog.sources.base import SourceError, check_readable, file_fingerprint, read_bytes
from catalog.sources.http import HttpClient
from catalog.sources.xml import NS, parse_xml, text_of
from catalog.taxonomy import is_category

_PREAMBLE = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?", re.S
)
FIRST_ANNOUNCEMENTS = {"new", "cross"}


class ArxivRssSource:
    """Reads one listing feed that is already in memory."""

    name = Source.ARXIV_RSS

    def __init__(self, data: bytes, target: str, fingerprint: str) -> None:
        self.data = data
        self.target = target
        self._fingerprint = fingerprint
        self._done = 0
        self._total: int | None = None

    @classmethod
    def open(cls, location: str, client: HttpClient | None = None) -> ArxivRssSource:
        """A feed from a file path, an http(s) URL, or an arXiv category name."""
        if location.startswith(("http://", "https://")):
            url = location
        elif is_category(location) and not Path(location).exists():
            url = f"{settings.PAPERBOY_ARXIV_RSS_URL}/{location}"
        else:
            path = check_readable(Path(location))
            return cls(read_bytes(path), str(path), file_fingerprint(path))
        response = (client or HttpClient()).get(url)
        if response.status != 200:
            raise SourceError(f"{url}: HTTP {response.status}")
        return cls(response.body, url, hashlib.sha256(response.body).hexdigest()[:32])

    def fingerprint(self) -> str:
        return self._fingerprint

    def progress(self) -> tuple[int, int | None]:
        return self._done, self._total

    def read(self) -> Iterator[PaperRecord | Rejected]:
        root = parse_xml(self.data, self.target)
        entries = root.findall("atom:entry", NS) or root.findall("channel/item")
        if not entries and root.tag not in (f"{{{NS['atom']}}}feed", "rss"):
            raise SourceError(f"{self.target}: not an Atom or RSS feed")
        self._total = len(entries)
        for index, entry in enumerate(entries):
            try:
                yield parse_feed_entry(entry)
            except (InvalidArxivId, ValueError) as error:
                yield Rejected(f"{self.target}[entry {index + 1}]", str(error))
            self._done += 1


def _date(text: str) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip()).date()
    except ValueError:
        try:
            return parsedate_to_datetime(text).date()
        except (TypeError, ValueError, IndexError):
            return None


def parse_feed_entry(entry: Element) -> PaperRecord:
    """One Atom <entry> or RSS <item> of an arXiv listing as a PaperRecord."""
    is_atom = entry.tag == f"{{{NS['atom']}}}entry"
    title = clean_line(text_of(entry, "atom:title" if is_atom else "title"))
    summary = text_of(entry, "atom:summary" if is_atom else "description")
    preamble = _PREAMBLE.match(summary)
    raw_id = preamble["id"] if preamble else text_of(entry, "atom:id" if is_atom else "guid")
    arxiv_id = parse_arxiv_id(raw_id)
    if not title:
        raise ValueError(f"{arxiv_id}: no title")
    announce = text_of(entry, "arxiv:announce_type") or (preamble["type"] if preamble else "")
    abstract = clean_abstract(summary[preamble.end() :] if preamble else summary)
    if is_atom:
        codes = [c.get("term", "") for c in entry.findall("atom:category", NS)]
    else:
        codes = [c.text or "" for c in entry.findall("category")]
    creators = clean_line(text_of(entry, "dc:creator"))
    authors = [a.strip() for a in creators.replace(" and ", ", ").split(",") if a.strip()]
    published = _date(text_of(entry, "atom:published" if is_atom else "pubDate"))
    code_url, project_url = extract_links(abstract)
    return PaperRecord(
        arxiv_id=arxiv_id.base,
        title=title,
        abstract=abstract,
        authors=authors,
        categories=list(dict.fromkeys(c for c in codes if is_category(c))),
        latest_version=arxiv_id.version,
        listed_on=published if announce.strip() in FIRST_ANNOUNCEMENTS else None,
        license=clean_line(text_of(entry, "dc:rights"))[:255],
        code_url=code_url,
        project_url=project_url,
    )
