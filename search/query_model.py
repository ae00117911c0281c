"""The query model: the packaged all-MiniLM-L6-v2 graph with 8-bit weights, for embedding
what people type.

A typed query is a few word pieces, so the float network spends its time reading its 42 MB
of float32 weights, not computing: 2.4 ms for "protein folding" on one core. Here every
matrix product with stored weights (36: the attention projections and both feed-forward
layers of the 6 blocks) keeps its weights as 8-bit integers in blocks of 32, each block with
its own scale (ONNX Runtime's MatMulNBits), and multiplies them with int8 instructions
against each row's activations quantised in blocks of the same size (accuracy level 4).
Small blocks keep the vectors close to the float model's (cosine 0.9996 median, 0.999 at
worst, over 200 benchmark queries), closer and faster than the graph this replaced
(dynamic quantisation per output channel with float feed-forward outputs: 0.996, and about
1.2 times the time). Papers keep the float model: their vectors are stored, and long texts
are compute-bound anyway. docs/decisions.md (2026-12-02, 2026-12-03) has the measurements.

The graph is derived from the verified package file on first use and kept under
PAPERBOY_DATA_DIR/models, named by everything that determines its bytes, so each node makes
its own (a few seconds) and a new ONNX Runtime makes a new one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

logger = logging.getLogger("paperboy.search")

RECIPE = "matmul-8bit-block32-symmetric-accuracy4-v1"  # change it whenever derive() changes
BLOCK = 32  # weights and activations share a scale per block of this many values
PRODUCTS = 36  # matrix products with stored weights in all-MiniLM-L6-v2: 6 blocks x 6


def derive(source: Path, target: Path) -> None:
    """Write the query graph for the float graph at `source` to `target`."""
    # ONNX Runtime's quantiser reports every node it handles or skips at INFO.
    quantisation = logging.getLogger("onnxruntime.quantization")
    level = quantisation.level
    quantisation.setLevel(logging.ERROR)
    try:
        _derive(source, target)
    finally:
        quantisation.setLevel(level)


def _derive(source: Path, target: Path) -> None:
    import onnx
    import onnxruntime
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    with tempfile.TemporaryDirectory(prefix="paperboy-query-model-") as work:
        folded = Path(work) / "folded.onnx"
        # The package stores its weights as int8 with a scale; folding constants turns them
        # into the float initialisers the quantiser expects.
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantiser = MatMulNBitsQuantizer(
            onnx.load(str(folded)), bits=8, block_size=BLOCK, is_symmetric=True, accuracy_level=4
        )
        quantiser.process()
        model = quantiser.model.model
        found = sum(node.op_type == "MatMulNBits" for node in model.graph.node)
        if found != PRODUCTS:  # the graph is not the one known
            raise RuntimeError(f"{source}: expected {PRODUCTS} weighted products, found {found}")
        onnx.save(model, str(target))


def _name(source_digest: str) -> str:
    import onnx
    import onnxruntime

    key = f"{source_digest} {RECIPE} onnxruntime {onnxruntime.__version__} onnx {onnx.__version__}"
    return f"query-{hashlib.sha256(key.encode()).hexdigest()[:20]}.onnx"


def path_for(source: Path, source_digest: str, folder: Path) -> Path:
    """The query graph for `source`, derived into `folder` unless already there. Written to
    a temporary name and renamed, so processes starting together never read half a file."""
    target = folder / _name(source_digest)
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    logger.info("deriving the int8 query model into %s", target)
    handle, name = tempfile.mkstemp(prefix=".query-", suffix=".onnx", dir=folder)
    os.close(handle)
    temporary = Path(name)
    try:
        derive(source, temporary)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return target
