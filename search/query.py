"""The search query language, parsed into a small, engine-independent structure.

    diffusion "video generation" -gan title:transformer author:hinton cat:cs.CV cat:cs
    year:2024 after:2025-01-01 before:2025-06-30 has:code 2401.01234 sort:newest

Plain words and "quoted phrases" are searched; `-word` and `-"phrase"` exclude; the fields
narrow. A pasted arXiv id or arXiv / Hugging Face URL puts that paper first. Pure: no
database, no index.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from catalog.ids import InvalidArxivId, parse_arxiv_id
from catalog.taxonomy import ARCHIVES, is_category
from search.ranking import DOCUMENT_WORDS

MAX_LENGTH = 500
MAX_CLAUSES = DOCUMENT_WORDS  # more words than this are read as a document
MAX_DOCUMENT_LENGTH = 5000  # a long abstract with its title, or a paragraph of a draft
DOCUMENT_FIELDS = ("cat", "category", "year", "after", "before", "has")
NOTHING = "Nothing to search for: use words, a phrase, or a filter like cat:cs.CL."
SORTS = ("relevance", "newest", "upvotes")
_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')
_WORD = re.compile(r"[^\W_]+(?:['\u2019.\-][^\W_]+)*", re.UNICODE)


class QueryError(ValueError):
    """The query cannot be run; the message says why, for the person who typed it."""


@dataclass
class ParsedQuery:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # words or phrases
    title: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # cs.CL, or an archive: cs
    after: dt.date | None = None  # inclusive
    before: dt.date | None = None  # inclusive
    has_code: bool = False
    arxiv_ids: list[str] = field(default_factory=list)
    sort: str = "relevance"
    # A pasted abstract or paragraph (more than DOCUMENT_WORDS words): found by meaning.
    # `words` then holds its first distinct words, for highlighting and the keyword side.
    document: str = ""

    @property
    def text(self) -> str:
        """The free text (words and phrases), for the semantic side of hybrid search."""
        if self.document:
            return self.document
        return " ".join([*self.phrases, *self.words, *self.title])

    @property
    def word_count(self) -> int:
        """How many words the free text has (the ranking's treatment depends on it)."""
        if self.document:
            return len(_words(self.document))
        return sum(len(part.split()) for part in [*self.phrases, *self.words, *self.title])

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases or self.title or self.authors)

    @property
    def has_filters(self) -> bool:
        """Whether anything besides ranking words narrows the matches."""
        return bool(
            self.authors
            or self.excluded
            or self.categories
            or self.after
            or self.before
            or self.has_code
        )

    @property
    def is_empty(self) -> bool:
        return (
            not (self.has_text or self.categories or self.after or self.before or self.has_code)
            and not self.arxiv_ids
        )


def _day(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{name}: needs a date like 2025-01-31, not {value!r}") from None


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def parse_query(text: str) -> ParsedQuery:
    """Parse what a person typed; QueryError with a readable message when it cannot run."""
    if text is None or not text.strip():
        raise QueryError("Type something to search for.")
    if len(text) > MAX_DOCUMENT_LENGTH:
        raise QueryError(
            f"The query is too long (at most {MAX_DOCUMENT_LENGTH} characters, "
            "enough for an abstract)."
        )
    if len(_words(text)) > DOCUMENT_WORDS:
        return _parse_document(text)
    if len(text) > MAX_LENGTH:
        raise QueryError(f"The query is too long (at most {MAX_LENGTH} characters).")
    query = ParsedQuery()
    clauses = 0
    for match in _TOKEN.finditer(text.strip()):
        negated, name, quoted, bare = match.group(1), match.group(2), match.group(3), match.group(4)
        value = quoted if quoted is not None else (bare or "")
        clauses += 1
        if clauses > MAX_CLAUSES:
            raise QueryError(f"The query has too many parts (at most {MAX_CLAUSES}).")
        name = (name or "").lower()
        if name and not negated:
            _field(query, name, value, quoted is not None)
            continue
        if name:  # -field:value excludes the value's words
            query.excluded.extend(_words(value))
            continue
        if not quoted and not negated:
            try:
                query.arxiv_ids.append(parse_arxiv_id(value).base)
                continue
            except InvalidArxivId:
                pass
        words = _words(value)
        if not words:
            continue
        if negated:
            query.excluded.append(" ".join(words))
        elif quoted is not None and len(words) > 1:
            query.phrases.append(" ".join(words))
        else:
            query.words.extend(words)
    if query.is_empty:
        raise QueryError(NOTHING)
    return _dates_checked(query)


def _dates_checked(query: ParsedQuery) -> ParsedQuery:
    if query.after and query.before and query.after > query.before:
        raise QueryError("after: is later than before:, so nothing can match.")
    return query


def _parse_document(text: str) -> ParsedQuery:
    """A pasted abstract or paragraph: its text is matched as a whole, by meaning. Only
    filters that read correctly (cat:cs.CL, year:2024, after:, before:, has:code, as the
    search form appends them) are taken as filters; anything else is text, so a colon or
    a hyphen in prose never fails the search."""
    query = ParsedQuery()
    prose = []
    for match in _TOKEN.finditer(text.strip()):
        negated, name = match.group(1), (match.group(2) or "").lower()
        value = match.group(3) if match.group(3) is not None else (match.group(4) or "")
        if name in DOCUMENT_FIELDS and not negated:
            try:
                _field(query, name, value, match.group(3) is not None)
                continue
            except QueryError:
                pass
        prose.append(match.group(0))
    query.document = " ".join(_words(" ".join(prose)))
    query.words = list(dict.fromkeys(_words(query.document)))[:MAX_CLAUSES]
    if not query.document:
        raise QueryError(NOTHING)
    return _dates_checked(query)


def _field(query: ParsedQuery, name: str, value: str, quoted: bool) -> None:
    if name == "title":
        query.title.extend(_words(value))
    elif name in ("author", "authors"):
        query.authors.append(" ".join(_words(value)))
    elif name in ("cat", "category"):
        if not (is_category(value) or value in ARCHIVES):
            raise QueryError(f"cat: {value!r} is not an arXiv category (try cat:cs.CL or cat:cs)")
        query.categories.append(value)
    elif name == "year":
        if not re.fullmatch(r"(19|20)\d\d", value):
            raise QueryError(f"year: needs a year like 2024, not {value!r}")
        year = int(value)
        query.after = max(filter(None, [query.after, dt.date(year, 1, 1)]))
        query.before = min(filter(None, [query.before, dt.date(year, 12, 31)]))
    elif name == "after":
        query.after = _day(value, "after")
    elif name == "before":
        query.before = _day(value, "before")
    elif name == "has":
        if value.lower() != "code":
            raise QueryError(f"has: only knows has:code, not {value!r}")
        query.has_code = True
    elif name == "sort":
        if value not in SORTS:
            raise QueryError(f"sort: use one of {', '.join(SORTS)}")
        query.sort = value
    elif name in ("http", "https", "arxiv"):
        try:
            query.arxiv_ids.append(parse_arxiv_id(f"{name}:{value}").base)
        except InvalidArxivId:
            query.words.extend(w for w in _words(value) if w not in ("www", "com", "org"))
    else:
        # An unknown "field:" is most likely ordinary text with a colon ("BERT: a study").
        query.words.extend(_words(f"{name} {value}"))


def with_filters(
    text: str,
    *,
    sort: str | None = None,
    category: str | None = None,
    year: int | None = None,
    has_code: bool = False,
) -> str:
    """A query with form or API filters appended in the query language (they combine with
    whatever the text already says)."""
    extra = []
    if sort and sort != "relevance":
        extra.append(f"sort:{sort}")
    if category:
        extra.append(f"cat:{category}")
    if year:
        extra.append(f"year:{year}")
    if has_code:
        extra.append("has:code")
    return " ".join([text.strip(), *extra]).strip()
