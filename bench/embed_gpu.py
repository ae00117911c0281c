"""Benchmark: the embedding path on a CUDA GPU (PAPERBOY_EMBED_DEVICE=cuda).

Runs the site's own `search.embeddings.embedder()` with the device set to cuda, so the code
measured is the code `paperboy index embed` runs. It needs only Django, PyTorch, transformers,
tokenizers and the model package, so it runs on a bare GPU machine:

    python bench/embed_gpu.py --texts texts.jsonl.gz --reference ref.npy --json out.json

`--texts` holds one JSON string per line (title + abstract, as `paper_text` makes them);
`--reference` holds the CPU (ONNX int8) vectors of the first texts, for agreement. It prints
abstracts/s (medians of 3 runs over the texts repeated `--repeat` times), the share spent
tokenising, milliseconds per single query, and cosine agreement with the CPU vectors;
`--save` writes the vectors (float16) for reuse, e.g. by bench/search.py.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import django
import numpy as np
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
settings.configure(PAPERBOY_EMBED_DEVICE="cuda", PAPERBOY_EMBED_THREADS=2)
django.setup()

from search.embeddings import TorchEmbedder, embedder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, required=True)
    parser.add_argument("--reference", type=Path)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cpu-dry-run", action="store_true", help="check the script here")
    options = parser.parse_args()
    with gzip.open(options.texts, "rt") as handle:
        texts = [json.loads(line) for line in handle]
    import torch

    started = time.perf_counter()
    model = TorchEmbedder("cpu") if options.cpu_dry_run else embedder()
    sync = (lambda: None) if options.cpu_dry_run else torch.cuda.synchronize
    load_s = time.perf_counter() - started
    model.embed(texts[:2048])  # warm up kernels
    workload = texts * options.repeat
    rates, tokenising = [], []
    for _ in range(3):
        sync()
        start = time.perf_counter()
        model.tokenizer.encode_batch(workload)
        tokenising.append(time.perf_counter() - start)
        start = time.perf_counter()
        model.embed(workload)
        rates.append(len(workload) / (time.perf_counter() - start))
    by_batch = {}
    for size in (128, 256, 512, 2048):
        start = time.perf_counter()
        model.embed(texts, batch_size=size)
        by_batch[size] = len(texts) / (time.perf_counter() - start)
    per_query = []
    for text in texts[:200]:
        start = time.perf_counter()
        model.embed([text[:120]])
        per_query.append((time.perf_counter() - start) * 1000)
    vectors = model.embed(texts)
    result = {
        "model": model.model_id,
        "device": "cpu" if options.cpu_dry_run else torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "texts": len(workload),
        "load_s": load_s,
        "abstracts_per_s": statistics.median(rates),
        "runs": rates,
        "tokenise_share": statistics.median(tokenising) * statistics.median(rates) / len(workload),
        "abstracts_per_s_by_batch": by_batch,
        "ms_per_query": statistics.median(per_query),
    }
    if options.reference:
        reference = np.load(options.reference)
        shared = min(len(reference), len(vectors))
        cosine = np.sum(vectors[:shared] * reference[:shared], axis=1)
        result["cosine_to_cpu"] = {
            "min": float(cosine.min()),
            "median": float(np.median(cosine)),
            "mean": float(cosine.mean()),
        }
    if options.save:
        np.save(options.save, vectors.astype(np.float16))
    print(json.dumps(result, indent=2))
    if options.json:
        options.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
