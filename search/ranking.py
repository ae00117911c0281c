"""How keyword and semantic evidence become one ranking. Pure: scores in, order out.

The site's search, the digests' topics and `paperboy eval beir` all rank through `fuse` with
a `Profile` chosen by `treatment`, so what is measured is what readers get.

Fusion is a convex combination of normalised scores (Bruch, Gai and Ingber, "An Analysis
of Fusion Functions for Hybrid Retrieval", 2023): each side is divided by its best score
(BM25 and clipped cosine both have a theoretical minimum of 0, so this is their "TM2C2"),
and a paper's fused score is (1 - w) * keyword + w * semantic, a side that did not return
the paper adding 0. Unlike reciprocal-rank fusion it keeps how decisive a match is: a
title typed in full scores far above its look-alikes on the keyword side and stays first.

The weights were chosen by 5-fold cross-validation on SciFact's training claims
(`paperboy eval beir DIR --cv 5`; docs/decisions.md, 2026-12-01 "Ranking").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SHORT_WORDS = 8  # a query of up to this many words is "short"
DOCUMENT_WORDS = 40  # a text of more words is a document: "find papers like this"
TREATMENTS = ("short", "long", "document")


@dataclass(frozen=True)
class Profile:
    """How one kind of query is ranked."""

    semantic_weight: float  # w in (1 - w) * keyword + w * semantic
    title_boost: float  # the title field's weight on the keyword side (abstract: 1)


PROFILES = {
    # Typed queries and short claims: titles weigh as much as on the keyword side alone.
    "short": Profile(semantic_weight=0.6, title_boost=1.25),
    # Long claims and questions are matched against abstracts more than titles.
    "long": Profile(semantic_weight=0.6, title_boost=0.25),
    # A pasted abstract or paragraph: matched by meaning, keywords only break near-ties.
    "document": Profile(semantic_weight=0.9, title_boost=0.5),
}


def treatment(word_count: int) -> str:
    """Which profile a query of this many words gets."""
    if word_count > DOCUMENT_WORDS:
        return "document"
    return "short" if word_count <= SHORT_WORDS else "long"


def profile_for(word_count: int, overrides: dict[str, Profile] | None = None) -> Profile:
    return (overrides or PROFILES)[treatment(word_count)]


@dataclass(frozen=True)
class Ranked:
    """One paper of a fused ranking, with the evidence behind its place (for explain)."""

    paper_id: int
    fused: float
    keyword: float | None = None  # BM25 score; None when keyword search did not return it
    semantic: float | None = None  # cosine similarity; None when not among the nearest
    keyword_rank: int | None = None  # from 1
    semantic_rank: int | None = None


def _normalised(scores: Sequence[tuple[int, float]]) -> dict[int, float]:
    best = max((score for _, score in scores), default=0.0)
    if best <= 0:
        return {pk: 0.0 for pk, _ in scores}
    return {pk: max(score, 0.0) / best for pk, score in scores}


def fuse(
    keyword: Sequence[tuple[int, float]],
    semantic: Sequence[tuple[int, float]],
    *,
    semantic_weight: float,
) -> list[Ranked]:
    """Papers from both sides, best fused score first.

    `keyword` is (paper id, BM25 score) best first, `semantic` (paper id, cosine
    similarity) best first. Ties keep the keyword side's order, then the semantic side's.
    """
    if not 0.0 <= semantic_weight <= 1.0:
        raise ValueError("semantic_weight is a share, between 0 and 1")
    keyword_norm, semantic_norm = _normalised(keyword), _normalised(semantic)
    keyword_at = {pk: (rank, score) for rank, (pk, score) in enumerate(keyword, start=1)}
    semantic_at = {pk: (rank, score) for rank, (pk, score) in enumerate(semantic, start=1)}
    order = list(dict.fromkeys([pk for pk, _ in keyword] + [pk for pk, _ in semantic]))
    ranked = []
    for pk in order:
        fused = (1.0 - semantic_weight) * keyword_norm.get(pk, 0.0)
        fused += semantic_weight * semantic_norm.get(pk, 0.0)
        k_rank, k_score = keyword_at.get(pk, (None, None))
        s_rank, s_score = semantic_at.get(pk, (None, None))
        ranked.append(Ranked(pk, fused, k_score, s_score, k_rank, s_rank))
    return sorted(ranked, key=lambda item: -item.fused)  # stable: ties keep `order`


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
