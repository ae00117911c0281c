"""How keyword and semantic evidence become one ranking. Pure: scores in, order out.

The site's search, the digests' topics and `paperboy eval beir` all rank through `fuse` with
a `Profile` chosen by `treatment`, so what is measured is what readers get.

Fusion is a convex combination (Bruch, Gai and Ingber, "An Analysis of Fusion Functions for
Hybrid Retrieval", 2023): a paper's fused score is (1 - w) * keyword + w * semantic, a side
that did not return the paper adding 0. Long queries normalise each side by its best score
(BM25 and clipped cosine both have a theoretical minimum of 0, so this is their "TM2C2");
short ones by place, as reciprocal-rank fusion does, which measured better on short claims.
Either way, a paper that the keyword side finds far ahead of the rest (a title typed whole
or in part) stays first, above look-alikes that are closer in meaning.

The weights were chosen by 5-fold cross-validation on SciFact's training claims
(`paperboy eval beir DIR --cv 5`; docs/decisions.md, 2026-12-01 "Ranking").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

SHORT_WORDS = 8  # a query of up to this many words is "short"
DOCUMENT_WORDS = 40  # a text of more words is a document: "find papers like this"
TREATMENTS = ("short", "long", "document")
RANK_CONSTANT = 30  # k of reciprocal-rank fusion (docs/decisions.md, 2026-11-26)
# The keyword side's best paper stays first when it scores this many times the second's: a
# title typed whole or in part (bench/typed_queries.py). A design constant, chosen on the
# title benchmark, not on SciFact (docs/decisions.md).
KNOWN_ITEM_MARGIN = 1.2


@dataclass(frozen=True)
class Profile:
    """How one kind of query is ranked."""

    semantic_weight: float  # w in (1 - w) * keyword + w * semantic
    title_boost: float  # the title field's weight on the keyword side (abstract: 1)
    fusion: str = "scores"  # "scores": each side's score over its best; "ranks": k / (k + rank)


PROFILES = {
    # Typed queries and short claims: titles weigh as much as on the keyword side alone,
    # and fusing by ranks was best on short claims without costing typed queries.
    "short": Profile(semantic_weight=0.5, title_boost=1.25, fusion="ranks"),
    # Long claims and questions are matched against abstracts more than titles.
    "long": Profile(semantic_weight=0.7, title_boost=0.5),
    # A pasted abstract or paragraph: matched by meaning alone (its first 40 words go to
    # the keyword side only when there are no embeddings to compare).
    "document": Profile(semantic_weight=1.0, title_boost=0.5),
}


def treatment(word_count: int) -> str:
    """Which profile a query of this many words gets."""
    if word_count > DOCUMENT_WORDS:
        return "document"
    return "short" if word_count <= SHORT_WORDS else "long"


def profile_for(word_count: int) -> Profile:
    return PROFILES[treatment(word_count)]


def fuse_with(
    profile: Profile, keyword: Sequence[tuple[int, float]], semantic: Sequence[tuple[int, float]]
) -> list[Ranked]:
    """`fuse` as the profile says."""
    return fuse(keyword, semantic, semantic_weight=profile.semantic_weight, fusion=profile.fusion)


class Ranked(NamedTuple):
    """One paper of a fused ranking, with the evidence behind its place (for explain).
    A named tuple: a ranking makes up to 200 of them per query, and a frozen dataclass
    took 2 microseconds each."""

    paper_id: int
    fused: float
    keyword: float | None = None  # BM25 score; None when keyword search did not return it
    semantic: float | None = None  # cosine similarity; None when not among the nearest
    keyword_rank: int | None = None  # from 1
    semantic_rank: int | None = None
    known_item: bool = False  # kept first as a decisive keyword match


def _normalised(scores: Sequence[tuple[int, float]], fusion: str = "scores") -> dict[int, float]:
    """Each paper's share of its side's best: by score, or by place ((k + 1) / (k + rank),
    reciprocal-rank fusion's terms scaled so the first is 1)."""
    if fusion == "ranks":
        return {
            pk: (RANK_CONSTANT + 1) / (RANK_CONSTANT + rank)
            for rank, (pk, _) in enumerate(scores, start=1)
        }
    best = max((score for _, score in scores), default=0.0)
    if best <= 0:
        return {pk: 0.0 for pk, _ in scores}
    return {pk: max(score, 0.0) / best for pk, score in scores}


def fuse(
    keyword: Sequence[tuple[int, float]],
    semantic: Sequence[tuple[int, float]],
    *,
    semantic_weight: float,
    fusion: str = "scores",
    known_item_margin: float | None = KNOWN_ITEM_MARGIN,
) -> list[Ranked]:
    """Papers from both sides, best fused score first.

    `keyword` is (paper id, BM25 score) best first, `semantic` (paper id, cosine
    similarity) best first. Ties keep the keyword side's order, then the semantic side's.
    `fusion` "ranks" scores each side by place instead of by score (with weight 0.5 this
    orders as reciprocal-rank fusion does). The keyword side's first paper is put first,
    whatever its fused score, when it scores at least `known_item_margin` times the second
    (None: never): fusion must not bury the paper a reader named by its title under papers
    close to it in meaning.
    """
    if not 0.0 <= semantic_weight <= 1.0:
        raise ValueError("semantic_weight is a share, between 0 and 1")
    if fusion not in ("scores", "ranks"):
        raise ValueError("fusion is 'scores' or 'ranks'")
    keyword_norm, semantic_norm = _normalised(keyword, fusion), _normalised(semantic, fusion)
    keyword_at = {pk: (rank, score) for rank, (pk, score) in enumerate(keyword, start=1)}
    semantic_at = {pk: (rank, score) for rank, (pk, score) in enumerate(semantic, start=1)}
    missing = (None, None)
    ranked = []
    for pk in dict.fromkeys([pk for pk, _ in keyword] + [pk for pk, _ in semantic]):
        k_rank, k_score = keyword_at.get(pk, missing)
        s_rank, s_score = semantic_at.get(pk, missing)
        fused = (1.0 - semantic_weight) * keyword_norm.get(pk, 0.0)
        fused += semantic_weight * semantic_norm.get(pk, 0.0)
        ranked.append(Ranked(pk, fused, k_score, s_score, k_rank, s_rank))
    ranked.sort(key=lambda item: -item.fused)  # stable: ties keep `order`
    if known_item_margin is not None and _decisive(keyword, known_item_margin):
        first = next(item for item in ranked if item.paper_id == keyword[0][0])
        ranked.remove(first)
        ranked.insert(0, first._replace(known_item=True))
    return ranked


def _decisive(keyword: Sequence[tuple[int, float]], margin: float) -> bool:
    if not keyword or keyword[0][1] <= 0:
        return False
    return len(keyword) == 1 or keyword[0][1] >= margin * keyword[1][1]


def keyword_only(keyword: Sequence[tuple[int, float]]) -> list[Ranked]:
    """A keyword ranking in the same shape (no embeddings, or semantic search off)."""
    norm = _normalised(keyword)
    return [
        Ranked(pk, norm[pk], score, None, rank, None)
        for rank, (pk, score) in enumerate(keyword, start=1)
    ]


def semantic_only(semantic: Sequence[tuple[int, float]]) -> list[Ranked]:
    """A semantic ranking in the same shape."""
    return [
        Ranked(pk, score, None, score, None, rank)
        for rank, (pk, score) in enumerate(semantic, start=1)
    ]
