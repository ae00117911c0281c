"""Adjacent pairs of common words, indexed so that quoted phrases of common words are fast.

tantivy answers a phrase by intersecting its words' postings and then reading word
positions in every paper of the intersection. For "models with" that is half the corpus:
11 ms at 144k papers, and growing with the corpus. The keyword index's `title_pairs` and
`abstract_pairs` fields hold every adjacent pair of words of a paper's title and abstract
where both are common (search/common_stems.py: stems in at least 1% of papers), as one
term ("model_with"), with counts. This is Lucene's CommonGrams idea:

- A phrase of two common words is exactly the papers holding that pair, so it is asked as
  the pair's term in each field, scored by BM25 like any term (a phrase's own BM25 uses the
  same counts and lengths, with the sum of its words' idf instead of the pair's). The one
  difference: a word of over 40 characters, which the analyzer drops, sits between two
  words as a gap for positions but not for pairs.
- A longer phrase with common pairs is still checked by position, but only in the papers
  holding all of its pairs, which add nothing to the score: results and scores unchanged.
- A phrase with a rarer word needs no help (its intersection is small).
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise

import tantivy

from search.common_stems import STEMS


@cache
def analyzer() -> tantivy.TextAnalyzer:
    """The same chain as tantivy's `en_stem` tokenizer, which the title and abstract
    fields use, so pairs line up with the positions a phrase query checks."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def stems(text: str) -> list[str]:
    return analyzer().analyze(text)


def common_pairs(words: list[str]) -> list[str]:
    """The pair terms of a run of stems, in order, repeats kept: adjacent stems that are
    both common."""
    return [
        f"{first}_{second}"
        for first, second in pairwise(words)
        if first in STEMS and second in STEMS
    ]


def field_pairs(text: str) -> str:
    """A field's pair terms, separated by spaces (the pairs fields split on whitespace and
    keep counts, so a pair is scored like any term)."""
    return " ".join(common_pairs(stems(text)))
