"""Reading reference-manager exports: BibTeX (Zotero, JabRef, Mendeley, arXiv) and RIS.

Each entry becomes a CitedWork with what can match it to the catalogue: its arXiv id (from
`eprint` with `archivePrefix = {arXiv}`, an arxiv.org link, an arXiv DOI, or an `arXiv:` note,
as Zotero, arXiv and Google Scholar write them), its DOI and its title as plain text (LaTeX
turned into Unicode). bibtexparser reads BibTeX and rispy reads RIS; both are tolerant, so a
damaged entry is counted as unreadable and the rest of the file still counts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import bibtexparser
import rispy
from pylatexenc.latex2text import LatexNodes2Text

from catalog.ids import InvalidArxivId, parse_arxiv_id

MAX_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 2000

# arXiv ids as they appear in exports: links, arXiv DOIs, "arXiv:2401.01234", bare eprints.
_ARXIV_MENTION = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.|arxiv:\s*)"
    r"([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?",
    re.IGNORECASE,
)
_DOI = re.compile(r"\b(10\.\d{4,9}/\S+)", re.IGNORECASE)
_RIS_START = re.compile(r"^TY  - ", re.MULTILINE)
_BIBTEX_START = re.compile(r"@\s*[A-Za-z]+\s*[{(]")


class CitationFileError(ValueError):
    """The file as a whole cannot be read; the message says why, for the member."""


@dataclass(frozen=True, slots=True)
class CitedWork:
    key: str  # the citation key, or the RIS ID, or the entry's number
    title: str
    arxiv_id: str = ""  # without version
    doi: str = ""  # lower-case, without "https://doi.org/"


@dataclass(frozen=True, slots=True)
class CitationFile:
    format: str  # "BibTeX" or "RIS"
    works: list[CitedWork]
    unreadable: int  # entries the parser could not read


def read_citation_file(data: bytes) -> CitationFile:
    """Parse an uploaded export. CitationFileError when it is too big, not text, holds no
    entry, or is neither BibTeX nor RIS."""
    if len(data) > MAX_BYTES:
        raise CitationFileError(f"The file is over {MAX_BYTES // (1024 * 1024)} MB.")
    text = _decoded(data)
    if _RIS_START.search(text):
        found = _read_ris(text)
    elif _BIBTEX_START.search(text):
        found = _read_bibtex(text)
    else:
        raise CitationFileError("This is neither a BibTeX (.bib) nor a RIS (.ris) file.")
    if not found.works:
        raise CitationFileError(f"No readable entry in this {found.format} file.")
    if len(found.works) > MAX_ENTRIES:
        raise CitationFileError(f"The file has over {MAX_ENTRIES:,} entries; split it.")
    return found


def _decoded(data: bytes) -> str:
    if b"\x00" in data:
        raise CitationFileError("This is not a text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # older exports; every byte is a character


def _read_bibtex(text: str) -> CitationFile:
    # bibtexparser logs each block it cannot read; the count goes into the report instead.
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
    library = bibtexparser.parse_string(text)
    works = []
    for entry in library.entries:
        fields = {name.lower(): str(field.value) for name, field in entry.fields_dict.items()}
        arxiv_id = ""
        if (
            fields.get("archiveprefix", "").lower() == "arxiv"
            or "arxiv" in fields.get("eprinttype", "").lower()
        ):
            arxiv_id = _bare_arxiv_id(fields.get("eprint", ""))
        works.append(
            _work(entry.key, _plain(fields.get("title", "")), arxiv_id, fields.values(), fields)
        )
    return CitationFile("BibTeX", works, len(library.failed_blocks))


def _read_ris(text: str) -> CitationFile:
    try:
        entries = rispy.loads(text, skip_unknown_tags=True)
    except (ValueError, KeyError, IndexError) as error:
        raise CitationFileError(f"This RIS file cannot be read: {error}") from None
    works = []
    for number, entry in enumerate(entries, 1):
        title = entry.get("title") or entry.get("primary_title") or entry.get("short_title")
        values = [str(v) for value in entry.values() for v in _listed(value)]
        work = _work(str(entry.get("id") or number), str(title or ""), "", values, entry)
        works.append(work)
    return CitationFile("RIS", works, 0)


def _work(key: str, title: str, arxiv_id: str, values, fields: dict) -> CitedWork:
    values = list(values)
    if not arxiv_id:
        arxiv_id = next(filter(None, (_mentioned_arxiv_id(v) for v in values)), "")
    doi = _doi(str(fields.get("doi", "")))
    if doi.startswith("10.48550/arxiv."):
        arxiv_id = arxiv_id or _bare_arxiv_id(doi.removeprefix("10.48550/arxiv."))
        doi = ""  # arXiv's own DOI names the preprint, not a published version
    return CitedWork(
        key=key[:200], title=" ".join(title.split())[:1000], arxiv_id=arxiv_id, doi=doi
    )


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _plain(latex: str) -> str:
    """A BibTeX title as text: braces gone, accents and commands turned into Unicode."""
    try:
        return LatexNodes2Text(math_mode="verbatim").latex_to_text(latex)
    except Exception:  # a title pylatexenc cannot read is kept as written
        return latex.replace("{", "").replace("}", "")


def _bare_arxiv_id(text: str) -> str:
    try:
        return parse_arxiv_id(text).base
    except InvalidArxivId:
        return ""


def _mentioned_arxiv_id(text: str) -> str:
    match = _ARXIV_MENTION.search(text)
    return _bare_arxiv_id(match[1]) if match else ""


def _doi(text: str) -> str:
    match = _DOI.search(text)
    return match[1].rstrip(".,;").lower() if match else ""
