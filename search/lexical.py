"""The keyword (BM25) index: tantivy on disk, derived from the database and rebuildable.

Queries are built from a ParsedQuery: every user value is reduced to words and quoted before
it reaches tantivy's parser, so no input can change the query's structure. Several processes
may search one index while one writer updates it (tantivy's own lock keeps writers single).

The index is split into PAPERBOY_SEARCH_SHARDS shards, each a tantivy index holding the
papers whose id leaves that remainder, searched at the same time on several threads (tantivy
releases Python's lock) and merged by score. tantivy-py searches an index on one thread, and
at millions of papers the scoring of common words is most of a search's time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tantivy
from django.conf import settings

from search.phrases import common_pairs, field_pairs, stems
from search.query import ParsedQuery

TEXT_FIELDS = ["title", "abstract", "authors", "arxiv_id"]
BOOSTS = {"title": 1.25, "authors": 1.5, "arxiv_id": 5.0}
PAIR_FIELDS = {"title": "title_pairs", "abstract": "abstract_pairs"}  # search/phrases.py
_reader_lock = threading.Lock()
_readers: dict[Path, tuple[Shards, float]] = {}
RELOAD_EVERY = 1.0  # seconds between checks for a newer commit
# With at least this many papers holding every word of a query, only those are ranked.
ALL_WORDS_ENOUGH = 10
FEW_CANDIDATES = 256  # up to this many papers are looked up one term each, not as a set


class IndexUnavailable(RuntimeError):
    """There is no index yet, or it cannot be opened."""


SCHEMA_VERSION = 5  # bump when build_schema or the layout changes: a new folder is built


def index_path() -> Path:
    """The index's folder; another shard count is another folder, built from scratch."""
    shards = settings.PAPERBOY_SEARCH_SHARDS
    return Path(settings.PAPERBOY_INDEX_DIR) / f"lexical-v{SCHEMA_VERSION}-{shards}shards"


def shard_paths(path: Path | None = None) -> list[Path]:
    path = path or index_path()
    return [path / f"shard-{number}" for number in range(settings.PAPERBOY_SEARCH_SHARDS)]


def is_built(path: Path | None = None) -> bool:
    return all((shard / "meta.json").exists() for shard in shard_paths(path))


class Shards:
    """The shards of one keyword index, read or written together. The same schema and
    tokenizers hold in every shard, so a query parsed by one runs on all."""

    def __init__(self, indexes: Sequence[tantivy.Index]) -> None:
        self.indexes = list(indexes)
        self._searchers: list[tantivy.Searcher] | None = None

    def searchers(self) -> list[tantivy.Searcher]:
        """One searcher per shard, kept until the next reload: making one costs ~0.1 ms,
        and a search asks for several. A searcher sees the commit it was made on and is
        safe to share between threads."""
        searchers = self._searchers
        if searchers is None:
            searchers = self._searchers = [index.searcher() for index in self.indexes]
        return searchers

    @property
    def schema(self) -> tantivy.Schema:
        return self.indexes[0].schema

    def parse_query(self, text: str, fields: list[str], **options) -> tantivy.Query:
        return self.indexes[0].parse_query(text, fields, **options)

    def shard_number(self, paper_id: int) -> int:
        """Which shard holds this paper."""
        return paper_id % len(self.indexes)

    def reload(self) -> None:
        for index in self.indexes:
            index.reload()
        self._searchers = None

    @property
    def num_docs(self) -> int:
        return sum(searcher.num_docs for searcher in self.searchers())


@cache
def _pool() -> ThreadPoolExecutor:
    # Made on first use, so each web worker process gets its own after forking; sized so
    # that every request thread can have its other shards searched at once.
    workers = max(1, settings.PAPERBOY_SEARCH_SHARDS - 1) * settings.PAPERBOY_SERVE_THREADS
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="keyword-shard")


Key = float | int  # a BM25 score, or the day when ordering by date


def top(
    shards: Shards,
    query: tantivy.Query,
    *,
    limit: int,
    count: bool = False,
    order_by_field: str | None = None,
) -> tuple[list[tuple[Key, int]], int]:
    """The best `limit` (score or day, paper id) pairs over every shard, best first (ties
    by paper id), and the number of matches when `count`. Shards are searched at once:
    all but the first on the pool, the first in this thread."""

    def one(searcher: tantivy.Searcher) -> tuple[list[tuple[Key, int]], int]:
        result = searcher.search(query, limit=limit, count=count, order_by_field=order_by_field)
        keys = [key for key, _ in result.hits]
        return list(zip(keys, paper_ids(searcher, result), strict=True)), result.count or 0

    searchers = shards.searchers()
    others = [_pool().submit(one, searcher) for searcher in searchers[1:]]
    parts = [one(searchers[0])] + [future.result() for future in others]
    merged = sorted(
        (pair for hits, _ in parts for pair in hits), key=lambda pair: (-pair[0], pair[1])
    )
    return merged[:limit], sum(total for _, total in parts)


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
    # Adjacent pairs of common words, with counts, for phrases (search/phrases.py).
    for field in PAIR_FIELDS.values():
        builder.add_text_field(
            field, stored=False, tokenizer_name="whitespace", index_option="freq"
        )
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
        title_pairs=field_pairs(title),
        abstract_pairs=field_pairs(abstract),
        day=day,
        year=day // 10000,
        has_code=1 if has_code else 0,
    )


def open_for_writing(path: Path | None = None) -> Shards:
    shards = []
    for shard in shard_paths(path):
        shard.mkdir(parents=True, exist_ok=True)
        shards.append(tantivy.Index(build_schema(), path=str(shard), reuse=True))
    return Shards(shards)


def open_for_reading(path: Path | None = None) -> Shards:
    """This process's reader of the index, reloaded at most once a second."""
    path = path or index_path()
    with _reader_lock:
        cached = _readers.get(path)
        now = time.monotonic()
        if cached is None:
            if not is_built(path):
                raise IndexUnavailable("The search index has not been built yet.")
            shards = Shards([tantivy.Index.open(str(shard)) for shard in shard_paths(path)])
            _readers[path] = (shards, now)
            return shards
        shards, checked = cached
        if now - checked > RELOAD_EVERY:
            shards.reload()
            _readers[path] = (shards, now)
        return shards


def forget_readers() -> None:
    """Drop this process's readers (after the index folder was replaced under it)."""
    with _reader_lock:
        _readers.clear()


def reload_readers() -> None:
    """See the latest commit now in this process (other processes catch up within
    RELOAD_EVERY seconds)."""
    with _reader_lock:
        for shards, _ in _readers.values():
            shards.reload()


@dataclass(frozen=True, slots=True)
class LexicalHit:
    paper_id: int
    score: float


def quoted(text: str) -> str:
    cleaned = " ".join(text.replace('"', " ").replace("\\", " ").split())
    return f'"{cleaned}"' if cleaned else ""


def field_boosts(title_boost: float | None = None) -> dict[str, float]:
    """The fields' weights, with the title's as a ranking profile asks (search/ranking.py)."""
    return BOOSTS if title_boost is None else {**BOOSTS, "title": title_boost}


def _text_query(
    index: Shards,
    query: ParsedQuery,
    *,
    every_part: bool = False,
    exact_phrases: bool = False,
    boosts: dict[str, float] = BOOSTS,
) -> tantivy.Query | None:
    """Words and phrases OR-ed for relevance ranking, or all required with `every_part`.
    When results are ordered by something else (newest, upvotes) every word must match, or
    the list fills with weak matches. Phrases are matched in titles and abstracts only:
    positions in every field made a common phrase cost 39 ms at 1M papers, against 7 ms."""

    def parsed(text: str) -> tantivy.Query:
        return index.parse_query(text, TEXT_FIELDS, field_boosts=boosts)

    # Each word once, as tantivy's parser counts a repeated word in one query string.
    parts = [parsed(text) for text in dict.fromkeys(map(quoted, query.words)) if text]
    parts += [
        _phrase(index, text, exact=exact_phrases, boosts=boosts)
        for text in map(quoted, query.phrases)
        if text
    ]
    parts += [parsed(f"title:{text}") for text in map(quoted, query.title) if text]
    parts += [parsed(f"authors:{text}") for text in map(quoted, query.authors) if text]
    if not parts:
        return None
    every = every_part or query.sort != "relevance"
    occur = tantivy.Occur.Must if every else tantivy.Occur.Should
    return tantivy.Query.boolean_query([(occur, part) for part in parts])


def _phrase(
    index: Shards, text: str, *, exact: bool = False, boosts: dict[str, float] = BOOSTS
) -> tantivy.Query:
    """A quoted phrase in titles or abstracts, helped by pairs of common words where it
    has them (search/phrases.py): two common words are asked as their pair's term; a
    longer phrase is checked by position only in the papers holding all its pairs. With
    `exact`, the plain phrase (for highlighting, which reads the abstract's own terms)."""
    words = stems(text)
    pairs = [] if exact else common_pairs(words)
    fields = []
    for field, pair_field in PAIR_FIELDS.items():
        boost = boosts.get(field, 1.0)
        if len(words) == 2 and pairs:
            term = tantivy.Query.term_query(index.schema, pair_field, pairs[0])
            fields.append((tantivy.Occur.Should, tantivy.Query.boost_query(term, boost)))
            continue
        phrase = index.parse_query(f"{field}:{text}", TEXT_FIELDS, field_boosts=boosts)
        if pairs:
            # Inside each field's clause: tantivy's union of two phrases reads both in
            # full, whatever it is intersected with.
            narrowing = [
                tantivy.Query.const_score_query(
                    tantivy.Query.term_query(index.schema, pair_field, pair), 0.0
                )
                for pair in dict.fromkeys(pairs)
            ]
            phrase = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query) for query in [phrase, *narrowing]]
            )
        fields.append((tantivy.Occur.Should, phrase))
    return tantivy.Query.boolean_query(fields)


def _text_parts(query: ParsedQuery) -> int:
    return len(query.words) + len(query.phrases) + len(query.title) + len(query.authors)


def _day(value) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def build_query(
    index: Shards,
    query: ParsedQuery,
    *,
    with_text: bool = True,
    every_part: bool = False,
    exact_phrases: bool = False,
    title_boost: float | None = None,
) -> tantivy.Query:
    """The tantivy query for a parsed query: text clauses OR-ed (all required with
    `every_part`), filters AND-ed. Without text it matches every document that passes the
    filters. `exact_phrases` asks phrases by position only (see _phrase); `title_boost`
    replaces the title field's default weight."""
    schema = index.schema
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    text = (
        _text_query(
            index,
            query,
            every_part=every_part,
            exact_phrases=exact_phrases,
            boosts=field_boosts(title_boost),
        )
        if with_text
        else None
    )
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


def ranked_among(
    query: ParsedQuery, candidates: list[int], *, limit: int, with_text: bool = True
) -> list[int]:
    """Which of these papers match the query (with its words, or only its filters and
    exclusions), best first."""
    return [pk for pk, _ in scored_among(query, candidates, limit=limit, with_text=with_text)]


def scored_among(
    query: ParsedQuery,
    candidates: list[int],
    *,
    limit: int,
    with_text: bool = True,
    title_boost: float | None = None,
) -> list[tuple[int, float]]:
    """ranked_among with each paper's BM25 score (titles weighted by `title_boost`)."""
    if not candidates:
        return []
    index = open_for_reading()
    if len(candidates) <= FEW_CANDIDATES:
        # One term query per paper: at 3M papers, 1.1 ms for 100 against 2.5 ms as a set.
        among = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.term_query(index.schema, "paper_id", pk))
                for pk in candidates
            ]
        )
    else:
        among = tantivy.Query.term_set_query(index.schema, "paper_id", candidates)
    built = tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Must, among),
            (
                tantivy.Occur.Must,
                build_query(index, query, with_text=with_text, title_boost=title_boost),
            ),
        ]
    )
    hits, _ = top(index, built, limit=limit)
    return [(pk, float(key)) for key, pk in hits]


def passing_filters(query: ParsedQuery, candidates: list[int]) -> set[int]:
    """Which of these papers pass the query's filters and exclusions (for semantic hits,
    which are found without them)."""
    if not query.has_filters:
        return set(candidates)
    return set(ranked_among(query, candidates, limit=len(candidates), with_text=False))


def snippets(query: ParsedQuery, abstracts: dict[int, str]) -> dict[int, str]:
    """Highlighted snippets (HTML: escaped text, <b> around matches) of these abstracts, for
    the papers a page shows. Empty when the query has no words to highlight."""
    if not abstracts or not query.has_text:
        return {}
    index = open_for_reading()
    # Phrases as positions: a generator highlights the abstract terms it finds in the query.
    built = build_query(index, query, exact_phrases=True)
    found: dict[int, str] = {}
    # A generator highlights the terms its searcher knows, so each paper's own shard's.
    for number, searcher in enumerate(index.searchers()):
        mine = {pk: text for pk, text in abstracts.items() if index.shard_number(pk) == number}
        if not mine:
            continue
        generator = tantivy.SnippetGenerator.create(searcher, built, index.schema, "abstract")
        generator.set_max_num_chars(240)
        for pk, text in mine.items():
            found[pk] = generator.snippet_from_doc(tantivy.Document(abstract=text)).to_html()
    return found


def search(
    query: ParsedQuery,
    *,
    limit: int = 20,
    offset: int = 0,
    newest_first: bool = False,
    index: Shards | None = None,
    count: bool = True,
    title_boost: float | None = None,
) -> tuple[list[LexicalHit], int]:
    """Matching papers by BM25 (or newest first), and the total match count (0 unless
    `count`: counting visits every match, which top-k search alone can skip).
    `index` defaults to the site's; evaluation passes a temporary one. `title_boost` is
    the ranking profile's weight of titles (search/ranking.py).

    A query of several words first asks for papers containing every one of them (with
    their BM25 scores, which are the scores an any-word query gives those papers). When at
    least ALL_WORDS_ENOUGH papers match, those are the results; otherwise any word may
    match. Intersecting posting lists costs a fraction of scoring every paper that holds
    any of the words (docs/decisions.md, 2026-11-26)."""
    index = index or open_for_reading()
    order = "day" if newest_first else None
    found: tuple[list[tuple[Key, int]], int] | None = None
    if query.sort == "relevance" and _text_parts(query) > 1:
        strict = top(
            index,
            build_query(index, query, every_part=True, title_boost=title_boost),
            limit=offset + limit,
            count=True,
            order_by_field=order,
        )
        if strict[1] >= ALL_WORDS_ENOUGH:
            found = strict
    if found is None:
        found = top(
            index,
            build_query(index, query, title_boost=title_boost),
            limit=offset + limit,
            count=count,
            order_by_field=order,
        )
    pairs, total = found
    hits = [
        LexicalHit(paper_id=pk, score=0.0 if newest_first else float(key))
        for key, pk in pairs[offset:]
    ]
    return hits, total if count else 0
