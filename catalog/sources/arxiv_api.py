"""The arXiv API (`/api/query`, Atom): single papers by id, as for a member's submission."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from xml.etree.ElementTree import Element

from django.conf import settings

from catalog.ids import ArxivId, InvalidArxivId, parse_arxiv_id
from catalog.links import extract_links
from catalog.models import Source
from catalog.records import PaperRecord, Rejected, clean_abstract, clean_line, iso_datetime
from catalog.sources.base import SourceError
from catalog.sources.http import HttpClient
from catalog.sources.xml import NS, parse_xml, text_of
from catalog.taxonomy import is_category

MAX_IDS_PER_REQUEST = 100
_ERROR_ID = "/api/errors"


def _api_error(root: Element) -> str | None:
    for entry in root.findall("atom:entry", NS):
        if _ERROR_ID in text_of(entry, "atom:id"):
            return clean_line(text_of(entry, "atom:summary")) or "the arXiv API reported an error"
    return None


def parse_api_entry(entry: Element) -> PaperRecord:
    """One Atom <entry> of an API response as a PaperRecord."""
    arxiv_id = parse_arxiv_id(text_of(entry, "atom:id"))
    title = clean_line(text_of(entry, "atom:title"))
    if not title:
        raise ValueError(f"{arxiv_id}: no title")
    primary = entry.find("arxiv:primary_category", NS)
    codes = [primary.get("term", "")] if primary is not None else []
    codes += [c.get("term", "") for c in entry.findall("atom:category", NS)]
    abstract = clean_abstract(text_of(entry, "atom:summary"))
    comments = clean_line(text_of(entry, "arxiv:comment"))
    code_url, project_url = extract_links(abstract, comments)
    published = iso_datetime(text_of(entry, "atom:published"))
    updated = iso_datetime(text_of(entry, "atom:updated"))
    return PaperRecord(
        arxiv_id=arxiv_id.base,
        title=title,
        abstract=abstract,
        authors=[
            clean_line(text_of(author, "atom:name"))
            for author in entry.findall("atom:author", NS)
            if text_of(author, "atom:name").strip()
        ],
        categories=list(dict.fromkeys(c for c in codes if is_category(c))),
        latest_version=arxiv_id.version,
        submitted_at=published,
        updated_at=updated or published,
        comments=comments,
        journal_ref=clean_line(text_of(entry, "arxiv:journal_ref")),
        doi=clean_line(text_of(entry, "arxiv:doi"))[:255],
        code_url=code_url,
        project_url=project_url,
    )


class ArxivApiSource:
    """Looks papers up by id, up to 100 per request; ids arXiv doesn't know are rejected."""

    name = Source.ARXIV_API

    def __init__(
        self, ids: Sequence[str], client: HttpClient | None = None, base_url: str | None = None
    ) -> None:
        self.requested = list(ids)
        self.target = ", ".join(self.requested)
        self.client = client or HttpClient()
        self.base_url = base_url or settings.PAPERBOY_ARXIV_API_URL
        self._done = 0

    def fingerprint(self) -> str:
        return ""  # lookups are cheap and answers change: never resume, always ask again

    def progress(self) -> tuple[int, int | None]:
        return self._done, len(self.requested)

    def read(self) -> Iterator[PaperRecord | Rejected]:
        parsed: list[ArxivId] = []
        for text in self.requested:
            try:
                parsed.append(parse_arxiv_id(text))
            except InvalidArxivId as error:
                yield Rejected(text, str(error))
        for start in range(0, len(parsed), MAX_IDS_PER_REQUEST):
            chunk = parsed[start : start + MAX_IDS_PER_REQUEST]
            yield from self._lookup(chunk)
            self._done += len(chunk)

    def _lookup(self, ids: list[ArxivId]) -> Iterator[PaperRecord | Rejected]:
        id_list = ",".join(str(i) for i in ids)
        params = {"id_list": id_list, "start": "0", "max_results": str(len(ids))}
        response = self.client.get(self.base_url, params)
        if response.status not in (200, 400):
            raise SourceError(f"{response.url}: HTTP {response.status}")
        root = parse_xml(response.body, response.url)
        error = _api_error(root)
        if error or response.status == 400:
            for wanted in ids:
                yield Rejected(str(wanted), f"arXiv API: {error or 'bad request (HTTP 400)'}")
            return
        found: set[str] = set()
        for entry in root.findall("atom:entry", NS):
            try:
                record = parse_api_entry(entry)
            except (InvalidArxivId, ValueError) as problem:
                yield Rejected(text_of(entry, "atom:id") or response.url, str(problem))
                continue
            found.add(record.arxiv_id)
            yield record
        for wanted in ids:
            if wanted.base not in found:
                yield Rejected(str(wanted), "arXiv has no paper with this id")
