""" "Did you mean": a respelling of a query that found nothing, from the index's own words."""

from __future__ import annotations

import difflib
import re

import tantivy

from catalog.models import Paper
from search import lexical
from search.query import parse_query

_WORD = re.compile(r"[A-Za-z][A-Za-z\-]+")
SAMPLE = 30  # documents whose words are considered for each unknown word


def _known(index: lexical.Shards, word: str) -> bool:
    query = index.parse_query(lexical.quoted(word), ["title", "abstract"])
    return bool(lexical.top(index, query, limit=1)[0])


def _closest(index: lexical.Shards, word: str) -> str | None:
    """The most common word close to `word` among documents that fuzzily match it."""
    # The index holds stemmed terms ("diffus" for "diffusion"), so the word is also tried
    # without its last letters, the way a stemmer would cut it.
    lowered = word.lower()
    forms = {lowered: 2} | {lowered[:-cut]: 1 for cut in (2, 3, 4) if len(lowered) - cut >= 4}
    fuzzy = tantivy.Query.boolean_query(
        [
            (
                tantivy.Occur.Should,
                tantivy.Query.fuzzy_term_query(index.schema, field, form, distance=distance),
            )
            for field in ("title", "abstract")
            for form, distance in forms.items()
        ]
    )
    counts: dict[str, int] = {}
    ids = [pk for _, pk in lexical.top(index, fuzzy, limit=SAMPLE)[0]]
    # The index stores no text (search/lexical.py), so the words come from the database.
    for title, abstract in Paper.objects.filter(pk__in=ids).values_list("title", "abstract"):
        for text in (title, abstract):
            for found in _WORD.findall(text):
                known = found.lower()
                counts[known] = counts.get(known, 0) + 1
    close = difflib.get_close_matches(lowered, list(counts), n=5, cutoff=0.75)
    close = [c for c in close if c != lowered]
    return max(
        close,
        key=lambda c: (difflib.SequenceMatcher(None, lowered, c).ratio(), counts[c]),
        default=None,
    )


def did_you_mean(text: str) -> str | None:
    """The query with its unknown free words respelled as words the index knows, or None
    when there is nothing to respell (fields, phrases and filters are kept as typed)."""
    query = parse_query(text)
    if not query.words:
        return None
    index = lexical.open_for_reading()
    suggestion = text
    for word in dict.fromkeys(query.words):
        if len(word) < 4 or _known(index, word):
            continue
        replacement = _closest(index, word)
        if replacement:
            suggestion = re.sub(rf"(?<![\w:]){re.escape(word)}\b", replacement, suggestion)
    return suggestion if suggestion != text else None
