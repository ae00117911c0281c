"""arXiv's OAI-PMH interface, `metadataPrefix=arXiv`: parsing one ListRecords page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from xml.etree.ElementTree import Element

from catalog.ids import InvalidArxivId, parse_arxiv_id
from catalog.links import extract_links
from catalog.records import PaperRecord, Rejected, clean_abstract, clean_line
from catalog.sources.base import SourceError
from catalog.sources.xml import NS, parse_xml, text_of
from catalog.taxonomy import split_categories


class BadResumptionToken(SourceError):
    """The server no longer accepts the saved token; the harvest must restart its window."""


@dataclass
class OaiPage:
    """The records of one response page and the token for the next one ("" when done)."""

    records: list[PaperRecord | Rejected] = field(default_factory=list)
    deleted: int = 0
    token: str = ""
    response_date: date | None = None
    complete_list_size: int | None = None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text.strip() else None
    except ValueError:
        return None


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=UTC) if day else None


def parse_oai_record(metadata: Element) -> PaperRecord:
    """The `<arXiv>` metadata element of one record as a PaperRecord."""
    arxiv_id = parse_arxiv_id(text_of(metadata, "oai_arxiv:id"))
    title = clean_line(text_of(metadata, "oai_arxiv:title"))
    if not title:
        raise ValueError(f"{arxiv_id}: no title")
    authors = []
    for author in metadata.findall("oai_arxiv:authors/oai_arxiv:author", NS):
        parts = (
            text_of(author, "oai_arxiv:forenames"),
            text_of(author, "oai_arxiv:keyname"),
            text_of(author, "oai_arxiv:suffix"),
        )
        name = clean_line(" ".join(p for p in parts if p.strip()))
        if name:
            authors.append(name)
    abstract = clean_abstract(text_of(metadata, "oai_arxiv:abstract"))
    comments = clean_line(text_of(metadata, "oai_arxiv:comments"))
    code_url, project_url = extract_links(abstract, comments)
    created = _date(text_of(metadata, "oai_arxiv:created"))
    updated = _date(text_of(metadata, "oai_arxiv:updated"))
    return PaperRecord(
        arxiv_id=arxiv_id.base,
        title=title,
        abstract=abstract,
        authors=authors,
        categories=split_categories(text_of(metadata, "oai_arxiv:categories")),
        submitted_at=_midnight(created),
        updated_at=_midnight(updated or created),
        comments=comments,
        journal_ref=clean_line(text_of(metadata, "oai_arxiv:journal-ref")),
        doi=clean_line(text_of(metadata, "oai_arxiv:doi"))[:255],
        report_no=clean_line(text_of(metadata, "oai_arxiv:report-no")),
        license=clean_line(text_of(metadata, "oai_arxiv:license"))[:255],
        code_url=code_url,
        project_url=project_url,
    )


def parse_list_records(data: bytes, where: str) -> OaiPage:
    """Parse one ListRecords response. `noRecordsMatch` is an empty page, not an error."""
    root = parse_xml(data, where)
    if root.tag != f"{{{NS['oai']}}}OAI-PMH":
        raise SourceError(f"{where}: not an OAI-PMH response")
    page = OaiPage(response_date=_date(text_of(root, "oai:responseDate")))
    for error in root.findall("oai:error", NS):
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return page
        if code == "badResumptionToken":
            raise BadResumptionToken(f"{where}: resumption token rejected ({error.text or ''})")
        raise SourceError(f"{where}: OAI-PMH error {code}: {clean_line(error.text)}")
    listing = root.find("oai:ListRecords", NS)
    if listing is None:
        raise SourceError(f"{where}: response has no ListRecords element")
    for index, record in enumerate(listing.findall("oai:record", NS)):
        header = record.find("oai:header", NS)
        identifier = text_of(header, "oai:identifier")
        if header is not None and header.get("status") == "deleted":
            page.deleted += 1
            continue
        metadata = record.find("oai:metadata/oai_arxiv:arXiv", NS)
        try:
            if metadata is None:
                raise ValueError("record has no arXiv metadata")
            page.records.append(parse_oai_record(metadata))
        except (InvalidArxivId, ValueError) as problem:
            page.records.append(Rejected(f"{where} record {index + 1} {identifier}", str(problem)))
    token = listing.find("oai:resumptionToken", NS)
    if token is not None:
        page.token = (token.text or "").strip()
        size = token.get("completeListSize", "")
        page.complete_list_size = int(size) if size.isdigit() else None
    return page
