"""Ranking a fixed set of candidate papers against many standing queries at once.

Digests ask "which of this week's papers match 'diffusion models for video'?" for every
distinct topic among their subscribers. Each topic is answered once, however many
subscribers share it: keyword matches among the candidates (BM25 with the query's filters)
fused with semantic neighbours among the candidates that have embeddings, the same way the
search page fuses them (search/ranking.py). The semantic side is one matrix product for all topics.
"""

from __future__ import annotations

import numpy as np

from search import lexical, ranking
from search.embeddings import DIMENSIONS, EmbeddingsUnavailable, query_vectors
from search.models import PaperEmbedding
from search.query import ParsedQuery, parse_query

DEPTH = 100
MIN_SIMILARITY = 0.30  # all-MiniLM: on-topic short queries scored 0.31-0.78, off-topic <= 0.22
CHUNK = 5000


def stored_vectors(paper_ids: list[int]) -> tuple[list[int], np.ndarray]:
    """The embeddings these papers have (ids in the order found, float32 rows)."""
    found, rows = [], []
    for start in range(0, len(paper_ids), CHUNK):
        chunk = paper_ids[start : start + CHUNK]
        for pk, vector in PaperEmbedding.objects.filter(paper_id__in=chunk).values_list(
            "paper_id", "vector"
        ):
            found.append(pk)
            rows.append(np.frombuffer(bytes(vector), dtype=np.float32))
    matrix = np.vstack(rows) if rows else np.zeros((0, DIMENSIONS), dtype=np.float32)
    return found, matrix


def _keyword_matches(query: ParsedQuery, candidates: list[int]) -> list[tuple[int, float]]:
    if not query.has_text:  # filters only: keep the candidates' own order
        passing = lexical.passing_filters(query, candidates)
        return [(pk, 0.0) for pk in candidates if pk in passing][:DEPTH]
    title_boost = ranking.profile_for(query.word_count).title_boost
    return lexical.scored_among(query, candidates, limit=DEPTH, title_boost=title_boost)


def rank_topics(topics: list[str], candidates: list[int]) -> dict[str, list[int]]:
    """For each topic (a query in the search language), the candidates that match it, best
    first. `candidates` should come in the order to prefer among equals (e.g. by votes)."""
    if not topics or not candidates:
        return {topic: [] for topic in topics}
    parsed = {topic: parse_query(topic) for topic in topics}
    keyword = {topic: _keyword_matches(parsed[topic], candidates) for topic in topics}
    semantic: dict[str, list[tuple[int, float]]] = {topic: [] for topic in topics}
    with_text = [t for t in topics if parsed[t].text]
    ids, matrix = stored_vectors(candidates)
    if with_text and len(ids):
        try:
            vectors = query_vectors(
                [parsed[t].text for t in with_text],
                documents=[bool(parsed[t].document) for t in with_text],
            )
        except EmbeddingsUnavailable:
            vectors = None
        if vectors is not None:
            similarities = vectors @ matrix.T
            for row, topic in enumerate(with_text):
                order = np.argsort(-similarities[row])[:DEPTH]
                near = [
                    (ids[i], float(similarities[row, i]))
                    for i in order
                    if similarities[row, i] >= MIN_SIMILARITY
                ]
                allowed = lexical.passing_filters(parsed[topic], [pk for pk, _ in near])
                semantic[topic] = [(pk, score) for pk, score in near if pk in allowed]
    return {topic: _fused(parsed[topic], keyword[topic], semantic[topic]) for topic in topics}


def _fused(
    query: ParsedQuery, keyword: list[tuple[int, float]], semantic: list[tuple[int, float]]
) -> list[int]:
    """The search page's ranking (search/ranking.py) of one topic's matches."""
    profile = ranking.profile_for(query.word_count)
    return [entry.paper_id for entry in ranking.fuse_with(profile, keyword, semantic)]


def rank_by_likeness(
    profiles: dict[object, np.ndarray], candidates: list[int], *, depth: int = DEPTH
) -> dict[object, list[int]]:
    """For each profile vector (e.g. the mean of a member's upvoted papers), the candidates
    closest to it, best first, above MIN_SIMILARITY."""
    ids, matrix = stored_vectors(candidates)
    if not profiles or not len(ids):
        return {key: [] for key in profiles}
    keys = list(profiles)
    similarities = np.vstack([profiles[key] for key in keys]) @ matrix.T
    ranked = {}
    for row, key in enumerate(keys):
        order = np.argsort(-similarities[row])[:depth]
        ranked[key] = [ids[i] for i in order if similarities[row, i] >= MIN_SIMILARITY]
    return ranked


PROFILE_SIZE = 200  # a member's latest upvoted and collected papers make their profile


def like_these(liked: dict[object, list[int]], candidates: list[int]) -> dict[object, list[int]]:
    """ "For you": for each member's liked papers (oldest first), the candidates most like
    their latest PROFILE_SIZE, best first, leaving out every paper they liked. The digest's
    "for you" part and the `/for-you` page both rank this way."""
    recent = {key: papers[-PROFILE_SIZE:] for key, papers in liked.items()}
    ranked = rank_by_likeness(profiles_of(recent), candidates)
    found = {}
    for key, papers in ranked.items():
        mine = set(liked[key])
        found[key] = [pk for pk in papers if pk not in mine]
    return found


def profiles_of(groups: dict[object, list[int]]) -> dict[object, np.ndarray]:
    """For each group of papers (e.g. one member's upvotes), the normalised mean of their
    embeddings; groups without any are left out. Every embedding is loaded once."""
    ids, matrix = stored_vectors(sorted({pk for papers in groups.values() for pk in papers}))
    row_of = {pk: row for row, pk in enumerate(ids)}
    profiles = {}
    for key, papers in groups.items():
        rows = [row_of[pk] for pk in papers if pk in row_of]
        if not rows:
            continue
        mean = matrix[rows].mean(axis=0)
        norm = float(np.linalg.norm(mean))
        if norm:
            profiles[key] = mean / norm
    return profiles
