"""The keyword (BM25) index: tantivy on disk, derived from the database and rebuildable.

Queries are built from a ParsedQuery: every user value is reduced to words and quoted before
it reaches tantivy's parser, so no input can change the query's structure. Several processes
may search one index while one writer updates it (tantivy's own lock keeps writers single).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import tantivy
from django.conf import settings

from search.query import ParsedQuery

TEXT_FIELDS = ["title", "abstract", "authors", "arxiv_id"]
BOOSTS = {"title": 1.25, "authors": 1.5, "arxiv_id": 5.0}
_reader_lock = threading.Lock()
_readers: dict[Path, tuple[tantivy.Index, float]] = {}
RELOAD_EVERY = 1.0  # seconds between checks for a newer commit


class IndexUnavailable(RuntimeError):
    """There is no index yet, or it cannot be opened."""


SCHEMA_VERSION = 3  # bump when build_schema changes: a new folder is built from scratch


def index_path() -> Path:
    return Path(settings.PAPERBOY_INDEX_DIR) / f"lexical-v{SCHEMA_VERSION}"


def build_schema() -> tantivy.Schema:
    """Nothing is stored: hits are mapped to papers through the `paper_id` fast field, and
    snippets are cut from the abstracts the page loads from the database anyway. Reading
    stored documents meant decompressing a block per hit (100 per hybrid query), and the
    store made up most of the index (v2 at 3M papers: 6.3 GB with vectors)."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("paper_id", stored=False, indexed=True, fast=True)
    builder.add_text_field("arxiv_id", stored=False, tokenizer_name="raw")
    builder.add_text_field("title", stored=False, tokenizer_name="en_stem")
    builder.add_text_field("abstract", stored=False, tokenizer_name="en_stem")
    builder.add_text_field("authors", stored=False, tokenizer_name="default")
    builder.add_text_field("categories", stored=False, tokenizer_name="raw")
    builder.add_integer_field("day", stored=False, indexed=True, fast=True)
    # year:2025 is the common date filter; one term beats a range over 365 day terms
    # (13 ms against 4.6 ms at 1M papers).
    builder.add_integer_field("year", stored=False, indexed=True, fast=False)
    builder.add_integer_field("has_code", stored=False, indexed=True, fast=True)
    return builder.build()


def make_document(
    *,
    paper_id: int,
    arxiv_id: str,
    title: str,
    abstract: str,
    authors: list[str],
    categories: list[str],
    day: int,
    has_code: bool,
) -> tantivy.Document:
    """One paper as an index document; categories also index their archive (cs.CL -> cs)."""
    archives = {code.split(".")[0] for code in categories}
    return tantivy.Document(
        paper_id=paper_id,
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=" ; ".join(authors),
        categories=sorted(set(categories) | archives),
        day=day,
        year=day // 10000,
        has_code=1 if has_code else 0,
    )


def open_for_writing(path: Path | None = None) -> tantivy.Index:
    path = path or index_path()
    path.mkdir(parents=True, exist_ok=True)
    return tantivy.Index(build_schema(), path=str(path), reuse=True)


def open_for_reading(path: Path | None = None) -> tantivy.Index:
    """This process's reader of the index, reloaded at most once a second."""
    path = path or index_path()
    with _reader_lock:
        cached = _readers.get(path)
        now = time.monotonic()
        if cached is None:
            if not (path / "meta.json").exists():
                raise IndexUnavailable("The search index has not been built yet.")
            index = tantivy.Index.open(str(path))
            _readers[path] = (index, now)
            return index
        index, checked = cached
        if now - checked > RELOAD_EVERY:
            index.reload()
            _readers[path] = (index, now)
        return index


def reload_readers() -> None:
    """See the latest commit now in this process (other processes catch up within
    RELOAD_EVERY seconds)."""
    with _reader_lock:
        for index, _ in _readers.values():
            index.reload()


@dataclass(frozen=True, slots=True)
class LexicalHit:
    paper_id: int
    score: float


def quoted(text: str) -> str:
    cleaned = " ".join(text.replace('"', " ").replace("\\", " ").split())
    return f'"{cleaned}"' if cleaned else ""


def _text_query(index: tantivy.Index, query: ParsedQuery) -> tantivy.Query | None:
    """Words and phrases OR-ed for relevance ranking; when results are ordered by something
    else (newest, upvotes) every word must match, or the list fills with weak matches.
    Phrases are matched in titles and abstracts only: positions in every field made a common
    phrase cost 39 ms at 1M papers, against 7 ms."""
    parts = [quoted(w) for w in query.words]
    for phrase in query.phrases:
        text = quoted(phrase)
        if text:
            parts.append(f"(title:{text} OR abstract:{text})")
    parts += [f"title:{quoted(w)}" for w in query.title]
    parts += [f"authors:{quoted(a)}" for a in query.authors]
    parts = [p for p in parts if p and not p.endswith(':""')]
    if not parts:
        return None
    if query.sort != "relevance":
        parts = [f"+{part}" for part in parts]
    return index.parse_query(" ".join(parts), TEXT_FIELDS, field_boosts=BOOSTS)


def _day(value) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def build_query(
    index: tantivy.Index, query: ParsedQuery, *, with_text: bool = True
) -> tantivy.Query:
    """The tantivy query for a parsed query: text clauses OR-ed, filters AND-ed. Without
    text it matches every document that passes the filters."""
    schema = index.schema
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    text = _text_query(index, query) if with_text else None
    clauses.append((tantivy.Occur.Must, text or tantivy.Query.all_query()))
    if query.authors:  # an author: filter must match, not just rank
        for author in query.authors:
            must = index.parse_query(f"authors:{quoted(author)}", ["authors"])
            clauses.append((tantivy.Occur.Must, must))
    for excluded in query.excluded:
        phrase = quoted(excluded)
        if phrase:
            clauses.append(
                (tantivy.Occur.MustNot, index.parse_query(phrase, ["title", "abstract"]))
            )
    if query.categories:
        any_category = [
            (tantivy.Occur.Should, tantivy.Query.term_query(schema, "categories", code))
            for code in query.categories
        ]
        clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(any_category)))
    whole_year = (
        query.after
        and query.before
        and query.after.year == query.before.year
        and (query.after.month, query.after.day) == (1, 1)
        and (query.before.month, query.before.day) == (12, 31)
    )
    if whole_year:
        clauses.append(
            (tantivy.Occur.Must, tantivy.Query.term_query(schema, "year", query.after.year))
        )
    elif query.after or query.before:
        clauses.append(
            (
                tantivy.Occur.Must,
                tantivy.Query.range_query(
                    schema,
                    "day",
                    tantivy.FieldType.Integer,
                    _day(query.after) if query.after else None,
                    _day(query.before) if query.before else None,
                ),
            )
        )
    if query.has_code:
        clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "has_code", 1)))
    return tantivy.Query.boolean_query(clauses)


def paper_ids(searcher: tantivy.Searcher, result: tantivy.SearchResult) -> list[int]:
    """The papers of a result's hits, in order, from the `paper_id` fast field."""
    return [int(pk) for pk in searcher.fast_field_values("paper_id", [a for _, a in result.hits])]


def passing_filters(query: ParsedQuery, candidates: list[int]) -> set[int]:
    """Which of these papers pass the query's filters and exclusions (for semantic hits,
    which are found without them)."""
    if not candidates:
        return set()
    if not query.has_filters:
        return set(candidates)
    index = open_for_reading()
    schema = index.schema
    among = tantivy.Query.term_set_query(schema, "paper_id", candidates)
    built = tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Must, among),
            (tantivy.Occur.Must, build_query(index, query, with_text=False)),
        ]
    )
    searcher = index.searcher()
    return set(paper_ids(searcher, searcher.search(built, limit=len(candidates), count=False)))


def snippets(query: ParsedQuery, abstracts: dict[int, str]) -> dict[int, str]:
    """Highlighted snippets (HTML: escaped text, <b> around matches) of these abstracts, for
    the papers a page shows. Empty when the query has no words to highlight."""
    if not abstracts or not query.has_text:
        return {}
    index = open_for_reading()
    generator = tantivy.SnippetGenerator.create(
        index.searcher(), build_query(index, query), index.schema, "abstract"
    )
    generator.set_max_num_chars(240)
    return {
        pk: generator.snippet_from_doc(tantivy.Document(abstract=text)).to_html()
        for pk, text in abstracts.items()
    }


def search(
    query: ParsedQuery,
    *,
    limit: int = 20,
    offset: int = 0,
    newest_first: bool = False,
    index: tantivy.Index | None = None,
    count: bool = True,
) -> tuple[list[LexicalHit], int]:
    """Matching papers by BM25 (or newest first), and the total match count (0 unless
    `count`: counting visits every match, which top-k search alone can skip).
    `index` defaults to the site's; evaluation passes a temporary one."""
    index = index or open_for_reading()
    searcher = index.searcher()
    result = searcher.search(
        build_query(index, query),
        limit=limit,
        offset=offset,
        count=count,
        order_by_field="day" if newest_first else None,
    )
    ids = paper_ids(searcher, result)
    hits = [
        LexicalHit(paper_id=pk, score=0.0 if newest_first else float(key))
        for pk, (key, _) in zip(ids, result.hits, strict=True)
    ]
    return hits, (result.count or 0) if count else 0
