"""Citations of papers in BibTeX, RIS and CSL-JSON, for reference managers. Pure.

Follows arXiv's own BibTeX export: `@misc` with `eprint`, `archivePrefix = {arXiv}` and
`primaryClass` for a preprint, `@article` with the journal reference as `journal` when one
is known, and `doi` when known. Titles and names keep arXiv's LaTeX in BibTeX (accents
written as Unicode become LaTeX escapes); RIS and CSL-JSON, which are plain text, get the
LaTeX rendered as Unicode. bibtexparser writes BibTeX, rispy writes RIS (docs/decisions.md).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import bibtexparser
import rispy
from bibtexparser import model
from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexencode import unicode_to_latex

FORMATS = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "json": "application/vnd.citationstyles.csl+json; charset=utf-8",
}
PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "le", "la", "dos"}
SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_KEY_WORD = re.compile(r"[a-z0-9]+")
_SKIPPED_TITLE_WORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "via"}


@dataclass(frozen=True)
class Citable:
    """What a citation needs of a paper (a Paper row or a snapshot record)."""

    arxiv_id: str
    title: str
    authors: Sequence[str] = field(default_factory=tuple)
    published: dt.date | None = None
    primary_category: str = ""
    doi: str = ""
    journal_ref: str = ""

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"


def from_paper(paper) -> Citable:
    """A catalog Paper, with its authorships prefetched in order (papers_with_details)."""
    return Citable(
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        authors=tuple(a.author.name for a in paper.authorships.all()),
        published=paper.published_on,
        primary_category=paper.primary_category.code if paper.primary_category else "",
        doi=paper.doi,
        journal_ref=paper.journal_ref,
    )


@cache
def _text() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


_LATEX = re.compile(r"[\\{}$~^_]|--|``|''")


def plain(latex: str) -> str:
    """LaTeX as Unicode text (accents, dashes; math kept as written), whitespace folded."""
    if not _LATEX.search(latex):  # most titles and names: no LaTeX to render
        return " ".join(latex.split())
    try:
        text = _text().latex_to_text(latex)
    except Exception:
        text = latex
    return " ".join(text.split())


def split_name(name: str) -> tuple[str, str, str]:
    """(given, family, suffix) of a name written "Given Names Family" (arXiv's order);
    particles such as "van der" go with the family name."""
    parts = plain(name).replace(",", " ").split()
    suffix = ""
    if len(parts) > 1 and parts[-1].lower() in SUFFIXES:
        suffix = parts.pop()
    if len(parts) <= 1:
        return "", " ".join(parts), suffix
    start = len(parts) - 1
    while start > 1 and parts[start - 1].lower() in PARTICLES:
        start -= 1
    return " ".join(parts[:start]), " ".join(parts[start:]), suffix


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(_KEY_WORD.findall(folded))


def citation_key(item: Citable) -> str:
    """Stable and unique: first author's family name, year and first title word, then the
    arXiv id (which alone makes it unique), e.g. `vaswani2017attention-1706.03762`."""
    family = _ascii_word(split_name(item.authors[0])[1]) if item.authors else "anon"
    words = [_ascii_word(w) for w in plain(item.title).split()]
    first = next((w for w in words if w and w not in _SKIPPED_TITLE_WORDS), "")
    year = str(item.published.year) if item.published else ""
    return f"{family or 'anon'}{year}{first}-{item.arxiv_id.replace('/', '_')}"


def _latex(text: str) -> str:
    """Text for a BibTeX field: arXiv's LaTeX kept, non-ASCII letters as LaTeX escapes,
    and braces balanced so that one stray brace cannot swallow the rest of a file."""
    text = unicode_to_latex(" ".join(text.split()), non_ascii_only=True, unknown_char_warning=False)
    # Escaped braces count as braces to some BibTeX readers and not to others: spell them.
    text = text.replace("\\{", "\\textbraceleft{}").replace("\\}", "\\textbraceright{}")
    depth, kept = 0, []
    for char in text:
        if char == "}" and depth == 0:
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        kept.append(char)
    return "".join(kept) + "}" * depth


def _bib_name(name: str) -> str:
    given, family, suffix = split_name(name)
    parts = [family] + ([suffix] if suffix else []) + ([given] if given else [])
    return _latex(", ".join(parts))


def bibtex(items: Iterable[Citable]) -> str:
    entries = []
    for item in items:
        fields = [
            ("title", "{" + _latex(item.title) + "}"),
            ("author", " and ".join(_bib_name(name) for name in item.authors)),
            ("year", str(item.published.year) if item.published else ""),
            ("journal", _latex(item.journal_ref)),
            ("doi", item.doi),
            ("eprint", item.arxiv_id),
            ("archivePrefix", "arXiv"),
            ("primaryClass", item.primary_category),
            ("url", item.url),
        ]
        entries.append(
            model.Entry(
                "article" if item.journal_ref else "misc",
                citation_key(item),
                [model.Field(key, value) for key, value in fields if value],
            )
        )
    # The entries are made here and thrown away after: they may be changed in place (the
    # default stack copies every block first, which doubles the time for a large export).
    stack = bibtexparser.middlewares.default_unparse_stack(allow_inplace_modification=True)
    return bibtexparser.write_string(bibtexparser.Library(entries), unparse_stack=stack)


class _RisWriter(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # no "1." line before each record: not part of RIS


def ris(items: Iterable[Citable]) -> str:
    records = []
    for item in items:
        record = {
            "type_of_reference": "JOUR" if item.journal_ref else "UNPB",
            "title": plain(item.title),
            "authors": [_ris_name(name) for name in item.authors],
            "urls": [item.url],
            "publisher": "arXiv",
            "number": item.arxiv_id,
            "id": citation_key(item),
        }
        if item.published:
            record["year"] = str(item.published.year)
            record["date"] = item.published.strftime("%Y/%m/%d")
        if item.doi:
            record["doi"] = item.doi
        if item.journal_ref:
            record["journal_name"] = plain(item.journal_ref)
        if item.primary_category:
            record["keywords"] = [item.primary_category]
        records.append(record)
    return rispy.dumps(records, implementation=_RisWriter)


def _ris_name(name: str) -> str:
    given, family, suffix = split_name(name)
    return ", ".join(part for part in (family, given, suffix) if part)


def csl_json(items: Iterable[Citable]) -> list[dict]:
    out = []
    for item in items:
        record: dict[str, object] = {
            "id": citation_key(item),
            "type": "article-journal" if item.journal_ref else "article",
            "title": plain(item.title),
            "author": [_csl_name(name) for name in item.authors],
            "URL": item.url,
            "number": item.arxiv_id,
            "publisher": "arXiv",
            "genre": "Preprint",
        }
        if item.published:
            parts = [item.published.year, item.published.month, item.published.day]
            record["issued"] = {"date-parts": [parts]}
        if item.doi:
            record["DOI"] = item.doi
        if item.journal_ref:
            record["container-title"] = plain(item.journal_ref)
        out.append(record)
    return out


def _csl_name(name: str) -> dict[str, str]:
    given, family, suffix = split_name(name)
    found = {"family": family}
    if given:
        found["given"] = given
    if suffix:
        found["suffix"] = suffix
    return found if family else {"literal": plain(name)}


def render(kind: str, items: Iterable[Citable]) -> str:
    """One of FORMATS' kinds as text."""
    if kind == "bib":
        return bibtex(items)
    if kind == "ris":
        return ris(items)
    if kind == "json":
        return json.dumps(csl_json(items), ensure_ascii=False, indent=1)
    raise ValueError(f"unknown citation format {kind!r}")
