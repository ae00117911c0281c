import numpy as np
import pytest

from search.embeddings import DIMENSIONS, embedder
from search.fusion import reciprocal_rank_fusion


def test_rrf_rewards_items_both_rankings_agree_on():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]], k=60)
    assert fused[0] == "a" and set(fused) == {"a", "b", "c", "d"}


def test_rrf_weights_and_ties_are_deterministic():
    assert reciprocal_rank_fusion([["x"], ["y"]], weights=[1.0, 2.0]) == ["y", "x"]
    assert reciprocal_rank_fusion([["x"], ["y"]]) == ["x", "y"]
    assert reciprocal_rank_fusion([]) == []
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["x"]], weights=[1.0, 2.0])


def test_embeddings_are_unit_vectors_that_capture_meaning():
    vectors = embedder().embed(
        [
            "diffusion models for video generation",
            "Latent Video Diffusion Models for High-Fidelity Long Video Generation",
            "Cats in quantum field theory",
            "",
        ]
    )
    assert vectors.shape == (4, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > 0.7 and unrelated < 0.3
    assert embedder().embed([]).shape == (0, DIMENSIONS)
