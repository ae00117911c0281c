"""The query model: the packaged all-MiniLM-L6-v2 graph with int8 weights in most of its
matrix products, for embedding what people type.

A typed query is a few word pieces, so the float network spends its time reading its 42 MB
of float32 weights, not computing: 3.5-5.5 ms on 2 cores for "protein folding". Here the
attention projections and the first feed-forward layer of each block are quantised to int8
per output channel (ONNX Runtime's dynamic quantisation: weights stored as int8, each query's
activations quantised as it runs), and each block's second feed-forward layer keeps its
float weights, because quantising it too moved the vectors twice as far (cosine to the
float model's 0.994 against 0.997). Papers keep the float model: their vectors are stored,
and long texts are compute-bound anyway. docs/decisions.md (2026-12-02) has the measurements.

The graph is derived from the verified package file on first use and kept under
PAPERBOY_DATA_DIR/models, named by everything that determines its bytes, so each node makes
its own (about 3 s) and a new ONNX Runtime makes a new one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

logger = logging.getLogger("paperboy.search")

RECIPE = "int8-per-channel-keep-ffn-output-v1"  # change it whenever derive() changes


def _feed_forward_outputs(model) -> list[str]:
    """Names of the MatMul nodes whose result gets a feed-forward output bias
    (`encoder.layer.N.output.dense.bias`, not the attention's `attention.output.dense`)."""
    consumers: dict[str, list] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def feeds_ffn_output(node) -> bool:
        return any(
            name.endswith(".output.dense.bias") and ".attention." not in name
            for consumer in consumers.get(node.output[0], [])
            for name in consumer.input
        )

    return [n.name for n in model.graph.node if n.op_type == "MatMul" and feeds_ffn_output(n)]


class _QuietQuantiser(logging.Filter):
    """ONNX Runtime's quantiser reports every tensor it skips on the root logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or "onnxruntime" not in record.pathname


def derive(source: Path, target: Path) -> None:
    """Write the query graph for the float graph at `source` to `target`."""
    quiet = _QuietQuantiser()
    logging.getLogger().addFilter(quiet)
    try:
        _derive(source, target)
    finally:
        logging.getLogger().removeFilter(quiet)


def _derive(source: Path, target: Path) -> None:
    import onnx
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(prefix="paperboy-query-model-") as work:
        folded = Path(work) / "folded.onnx"
        # The package stores its weights as int8 with a scale; folding constants turns them
        # into the float initialisers the quantiser expects.
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        model = onnx.load(str(folded))
        keep = _feed_forward_outputs(model)
        if len(keep) != 6:  # one per block of all-MiniLM-L6-v2: the graph is not the one known
            raise RuntimeError(f"{source}: expected 6 feed-forward outputs, found {len(keep)}")
        quantize_dynamic(
            model,
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=keep,
        )


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
