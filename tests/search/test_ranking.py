"""The ranking module is pure: scores in, order out."""

import pytest

from search import ranking
from search.ranking import fuse, treatment


def test_queries_are_treated_by_their_length():
    assert [treatment(n) for n in (1, 8, 9, 40, 41)] == [
        "short",
        "short",
        "long",
        "long",
        "document",
    ]


def test_each_side_is_divided_by_its_best_score():
    keyword = [(1, 20.0), (2, 10.0)]
    semantic = [(2, 0.8), (3, 0.4)]
    fused = fuse(keyword, semantic, semantic_weight=0.5, known_item_margin=None)
    assert [(r.paper_id, round(r.fused, 3)) for r in fused] == [(2, 0.75), (1, 0.5), (3, 0.25)]
    two = fused[0]
    assert (two.keyword, two.keyword_rank, two.semantic, two.semantic_rank) == (10.0, 2, 0.8, 1)
    assert fused[2].keyword is None and fused[2].keyword_rank is None


def test_a_decisive_keyword_match_stays_first_among_look_alikes():
    # The title typed in full: far ahead on keywords, a little behind on meaning.
    keyword = [(7, 30.0), (8, 9.0), (9, 8.5)]
    semantic = [(8, 0.83), (9, 0.82), (7, 0.80)]
    assert fuse(keyword, semantic, semantic_weight=0.6)[0].paper_id == 7
    # Reciprocal-rank fusion ranks by places alone and puts a look-alike first.
    from search.fusion import reciprocal_rank_fusion

    assert reciprocal_rank_fusion([[7, 8, 9], [8, 9, 7]], k=30)[0] == 8


def test_negative_similarities_and_empty_sides_are_safe():
    assert fuse([], [], semantic_weight=0.6) == []
    only = fuse([], [(1, -0.2), (2, -0.5)], semantic_weight=0.6)
    assert [r.paper_id for r in only] == [1, 2] and all(r.fused == 0 for r in only)
    with pytest.raises(ValueError):
        fuse([(1, 1.0)], [], semantic_weight=1.5)


def test_ties_keep_the_keyword_order_then_the_semantic_order():
    fused = fuse([(1, 5.0), (2, 5.0)], [(3, 0.5), (4, 0.5)], semantic_weight=0.5)
    assert [r.paper_id for r in fused] == [1, 2, 3, 4]


def test_every_treatment_has_a_profile_with_shares_between_0_and_1():
    assert set(ranking.PROFILES) == set(ranking.TREATMENTS)
    for profile in ranking.PROFILES.values():
        assert 0 <= profile.semantic_weight <= 1 and profile.title_boost > 0


def test_a_decisive_keyword_match_is_kept_first_and_says_so():
    # Fusing by places alone would put the look-alike (first on meaning) first.
    keyword = [(7, 12.0), (8, 9.0)]
    semantic = [(8, 0.9), (9, 0.85), (7, 0.5)]
    fused = fuse(keyword, semantic, semantic_weight=0.5, fusion="ranks")
    assert fused[0].paper_id == 7 and fused[0].known_item
    assert not any(r.known_item for r in fused[1:])
    close = fuse([(7, 10.0), (8, 9.0)], semantic, semantic_weight=0.5, fusion="ranks")
    assert close[0].paper_id == 8 and not close[0].known_item  # 10 < 1.2 x 9: no call
    never = fuse(keyword, semantic, semantic_weight=0.5, fusion="ranks", known_item_margin=None)
    assert never[0].paper_id == 8


def test_fusing_by_places_with_equal_weights_orders_as_reciprocal_rank_fusion():
    from search.fusion import reciprocal_rank_fusion

    keyword = [(1, 3.0), (2, 2.9), (3, 2.8), (4, 1.0)]
    semantic = [(4, 0.9), (3, 0.8), (5, 0.7)]
    by_places = fuse(keyword, semantic, semantic_weight=0.5, fusion="ranks", known_item_margin=None)
    rrf = reciprocal_rank_fusion([[pk for pk, _ in keyword], [pk for pk, _ in semantic]], k=30)
    assert [r.paper_id for r in by_places] == rrf
