"""Safe XML parsing for feeds and harvest responses (no entities, no external DTDs)."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from catalog.sources.base import SourceError

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_arxiv": "http://arxiv.org/OAI/arXiv/",
}


def parse_xml(data: bytes, where: str) -> Element:
    """Parse untrusted XML, raising SourceError with `where` when it is not well-formed."""
    try:
        return fromstring(data, forbid_dtd=True)
    except ParseError as error:
        raise SourceError(f"{where}: not well-formed XML ({error})") from None
    except DefusedXmlException as error:
        raise SourceError(f"{where}: refused unsafe XML ({type(error).__name__})") from None


def text_of(element: Element | None, path: str) -> str:
    """The text of the first match of `path` under `element`, or an empty string."""
    if element is None:
        return ""
    found = element.find(path, NS)
    return (found.text or "") if found is not None else ""
