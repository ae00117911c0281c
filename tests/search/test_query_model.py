"""Typed queries are embedded by an int8 graph of the same network (search/query_model.py)
on CPUs whose int8 products are exact; pasted documents and papers keep the float one."""

import numpy as np
import pytest

from search import embeddings, queries, query_model
from search.embeddings import embedder, query_embedder, query_vectors
from search.model_files import DIGESTS


@pytest.fixture(autouse=True)
def int8_queries(settings):
    """These tests are about the int8 graph, which `auto` uses only on a CPU with VNNI."""
    settings.PAPERBOY_QUERY_MODEL = "int8"
    query_embedder.cache_clear()
    yield
    query_embedder.cache_clear()


TYPED = [
    "protein folding",
    "diffusion models for video generation",
    "graph neural networks for molecules",
    "Vitamin D deficiency is associated with increased risk of tuberculosis in adults",
]


def test_typed_queries_get_the_int8_graph_with_vectors_beside_the_papers_model():
    model = query_embedder()
    assert model is not embedder() and model.model_id == embeddings.QUERY_MODEL_ID
    typed, papers = model.embed(TYPED), embedder().embed(TYPED)
    assert np.allclose(np.linalg.norm(typed, axis=1), 1.0, atol=1e-4)
    # 8-bit weights in blocks of 32: about 0.9996 (0.999 at worst over 200 queries).
    assert np.all((typed * papers).sum(axis=1) > 0.998)
    video, unrelated = embedder().embed(
        [
            "Latent Video Diffusion Models for High-Fidelity Long Video Generation",
            "Cats in quantum field theory",
        ]
    )
    assert typed[1] @ video > 0.7 and typed[1] @ unrelated < 0.3


def test_a_pasted_document_is_embedded_like_a_paper():
    abstract = " ".join(["We study sparse attention for long documents in transformers."] * 6)
    vectors = query_vectors(["sparse attention", abstract], documents=[False, True])
    assert np.allclose(vectors[0], query_embedder().embed(["sparse attention"])[0])
    assert np.allclose(vectors[1], embedder().embed([abstract])[0])
    assert np.allclose(query_vectors(["sparse attention"]), vectors[:1])


def test_the_query_graph_is_derived_once_and_then_reused(tmp_path, monkeypatch):
    source = embeddings._packaged_model()
    digest = DIGESTS[embeddings.PACKAGED_MODEL]
    made = []
    original = query_model.derive
    monkeypatch.setattr(query_model, "derive", lambda s, t: made.append(t) or original(s, t))
    first = query_model.path_for(source, digest, tmp_path)
    again = query_model.path_for(source, digest, tmp_path)
    assert first == again and len(made) == 1
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temporary file left
    monkeypatch.setattr(query_model, "RECIPE", "another recipe")
    assert query_model.path_for(source, digest, tmp_path) != first  # a new recipe, a new file


def test_a_query_graph_that_cannot_be_made_leaves_nothing_and_queries_use_the_papers_model(
    tmp_path, monkeypatch, settings
):
    def broken(source, target):
        target.write_bytes(b"half a model")
        raise OSError("No space left on device")

    monkeypatch.setattr(query_model, "derive", broken)
    settings.DATA_DIR = tmp_path
    query_embedder.cache_clear()
    try:
        assert query_embedder() is embedder()
        assert list((tmp_path / "models").iterdir()) == []
    finally:
        query_embedder.cache_clear()


@pytest.mark.django_db
def test_the_search_embeds_a_typed_query_with_the_query_graph(monkeypatch):
    seen = []
    original = query_embedder().embed
    monkeypatch.setattr(
        query_embedder(), "embed", lambda texts, *a, **k: seen.extend(texts) or original(texts)
    )
    queries._cached_query_vector.cache_clear()
    assert queries._query_vector("moving picture synthesis", False) is not None
    assert seen == ["moving picture synthesis"]


def test_a_stray_lone_surrogate_embeds_as_its_replacement_and_spares_its_batch():
    """The request layer refuses lone surrogates; one that gets past (an old stored topic)
    used to fail the tokenizer, and with it every text embedded beside it."""
    texts = ["x\udcffy protein folding", "x?y protein folding", "graph neural networks"]
    for documents in ([False] * 3, [True] * 3):
        vectors = query_vectors(texts, documents=documents)
        assert np.allclose(vectors[0], vectors[1], atol=1e-6)
        alone = query_vectors(texts[2:], documents=documents[2:])[0]
        assert vectors[2] @ alone > 0.9999


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu sse avx2 fma avx512f avx512_vnni avx512bw", True),  # Xeon (Cascade Lake on)
        ("fpu sse avx2 avx_vnni fma", True),  # Alder Lake's VNNI for AVX2
        ("fpu sse avx2 fma bmi2", False),  # AVX2 alone: int8 products saturate
        (None, False),  # no /proc/cpuinfo (macOS, a sandbox): not known, so not assumed
    ],
)
def test_int8_queries_only_where_the_cpu_multiplies_int8_exactly(
    tmp_path, settings, flags, expected
):
    cpuinfo = tmp_path / "cpuinfo"
    if flags is not None:
        cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\nprocessor\t: 1\n")
    assert embeddings.cpu_has_vnni(cpuinfo) is expected


def test_auto_runs_the_int8_graph_with_vnni_and_the_papers_model_without(settings, monkeypatch):
    settings.PAPERBOY_QUERY_MODEL = "auto"
    for vnni, int8 in ((True, True), (False, False)):
        monkeypatch.setattr(embeddings, "cpu_has_vnni", lambda vnni=vnni: vnni)
        query_embedder.cache_clear()
        assert (query_embedder() is not embedder()) is int8
    settings.PAPERBOY_QUERY_MODEL = "float"  # an operator's choice wins either way
    query_embedder.cache_clear()
    assert query_embedder() is embedder()


def test_a_typed_query_gets_the_same_vector_alone_or_among_others():
    """The int8 graph scales activations over its whole batch: queries go one at a time,
    so a digest's topic or an evaluated claim gets the vector the search would give it."""
    texts = ["protein folding", "a much longer query about diffusion models for video"]
    together = query_vectors(texts)
    assert np.array_equal(together[0], query_vectors(texts[:1])[0])
    assert np.array_equal(together[1], query_vectors(texts[1:])[0])
