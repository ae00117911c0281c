"""The real arXiv records and the benchmark queries made from them (shared by the search
benchmarks)."""

from __future__ import annotations

import gzip
import json
import random
import re
import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT.parent / "shared" / "data" / "arxiv" / "arxiv-snapshot.jsonl.gz"
SAMPLE = 12_000  # real papers embedded, from which every derived vector is made
DIMENSIONS = 384
CHUNK = 50_000
CATALOGUE = ROOT / "var" / "bench" / "real-144k"  # the whole snapshot embedded, by chunks
EMBED_CHUNK = 4_000
GROWTH = (0.25, 0.1)  # grown_vectors' (reach, spread), as bench/recall.py's calibration chose


def real_records() -> list[dict]:
    with gzip.open(SNAPSHOT, "rt") as handle:
        return [json.loads(line) for line in handle]


def make_queries(records: list[dict], count: int = 500) -> list[str]:
    rng = random.Random(7)
    titles = []
    for record in records:
        words = re.findall(r"[A-Za-z]{4,}", record["title"])
        if len(words) >= 3:
            titles.append((words, (record["categories"] or "cs.LG").split()[0]))
    queries = []
    for number in range(count):
        words, category = rng.choice(titles)
        picked = rng.sample(words, k=min(len(words), rng.randint(1, 3)))
        kind = number % 5
        if kind == 0:
            queries.append(" ".join(picked))
        elif kind == 1:
            start = rng.randrange(max(1, len(words) - 1))
            queries.append(f'"{words[start]} {words[start + 1]}"' if len(words) > 1 else words[0])
        elif kind == 2:
            queries.append(f"{' '.join(picked)} cat:{category.split('.')[0]}")
        elif kind == 3:
            queries.append(f"{' '.join(picked)} year:{rng.choice([2023, 2024, 2025])}")
        else:
            queries.append(f"{' '.join(picked)} has:code")
    return queries


def synthetic_corpus(records: list[dict], size: int, work: Path) -> Path:
    """`size` records recombined from real ones, with unique new-style ids."""
    path = work / f"corpus-{size}.jsonl.gz"
    if path.exists():
        return path
    rng = random.Random(3)
    months = [f"{y:02d}{m:02d}" for y in range(15, 26) for m in range(1, 13)]
    partial = path.with_suffix(".partial")
    with gzip.open(partial, "wt", compresslevel=1) as out:
        for i in range(size):
            title, body, people = (records[rng.randrange(len(records))] for _ in range(3))
            record = dict(body)
            record.update(
                id=f"{months[i // 99_999]}.{i % 99_999 + 1:05d}",
                title=title["title"],
                categories=title["categories"],
                authors=people["authors"],
                authors_parsed=people.get("authors_parsed"),
                doi=None,
                journal_ref=None,
            )
            out.write(json.dumps(record) + "\n")
    partial.replace(path)
    return path


def real_embeddings(records: list[dict], work: Path):
    """SAMPLE real abstracts embedded with the site's model (cached)."""
    import numpy as np

    path = work / f"real-embeddings-{SAMPLE}.npy"
    if path.exists():
        return np.load(path)
    from search.embeddings import embedder, paper_text

    rng = random.Random(11)
    chosen = sorted(rng.sample(range(len(records)), SAMPLE))
    print(f"embedding {SAMPLE} real abstracts (once; cached in {path})", flush=True)
    texts = [paper_text(records[i]["title"], records[i]["abstract"]) for i in chosen]
    vectors = embedder().embed(texts)
    np.save(path, vectors.astype(np.float32))
    return vectors


def derived_vectors(real, count: int, seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    left = real[rng.integers(0, len(real), count)]
    right = real[rng.integers(0, len(real), count)]
    mixed = left + right + rng.normal(0, 0.02, (count, DIMENSIONS)).astype(np.float32)
    return (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)


def catalogue_chunk(number: int) -> Path:
    return CATALOGUE / f"chunk-{number:04d}.npy"


def embed_catalogue(
    records: list[dict], log=print, model: str = "float", shard: tuple[int, int] = (0, 1)
) -> None:
    """Every snapshot record embedded with the site's model and text, EMBED_CHUNK at a time,
    each chunk saved as it finishes: a killed run resumes at the first missing chunk. About
    two hours on 2 CPU cores with the papers' float model (two threads). `model="int8"` uses
    the typed queries' int8 graph of the same network (one thread; with VNNI about 80 % of
    the float model's rate each, so two shards in two processes took about 70 minutes);
    `shard=(k, n)` embeds every n-th chunk from the k-th."""
    import time

    import numpy as np

    from search.embeddings import embedder, paper_text, query_embedder

    CATALOGUE.mkdir(parents=True, exist_ok=True)
    marker = CATALOGUE / "model"
    if marker.exists() and marker.read_text() != model:
        raise SystemExit(f"{CATALOGUE} holds chunks of the {marker.read_text()} model")
    marker.write_text(model)
    encoder = query_embedder() if model == "int8" else embedder()
    starts = range(0, len(records), EMBED_CHUNK)
    for number, start in enumerate(starts):
        path = catalogue_chunk(number)
        if path.exists() or number % shard[1] != shard[0]:
            continue
        began = time.perf_counter()
        part = records[start : start + EMBED_CHUNK]
        vectors = encoder.embed([paper_text(r["title"], r["abstract"]) for r in part])
        partial = path.with_suffix(".partial.npy")
        np.save(partial, vectors.astype(np.float32))
        partial.replace(path)
        rate = len(part) / (time.perf_counter() - began)
        log(f"chunk {number + 1}/{len(starts)}: {rate:.1f} abstracts/s")


def catalogue_model() -> str:
    """Which graph embedded the catalogue's chunks: the papers' float model unless marked."""
    marker = CATALOGUE / "model"
    return marker.read_text() if marker.exists() else "float"


def catalogue_vectors(records: list[dict]):
    """The snapshot's real vectors in snapshot order (`embed_catalogue`), or None while any
    chunk is missing."""
    import numpy as np

    count = (len(records) + EMBED_CHUNK - 1) // EMBED_CHUNK
    paths = [catalogue_chunk(number) for number in range(count)]
    if not all(path.exists() for path in paths):
        return None
    return np.concatenate([np.load(path) for path in paths])


def exact_top(base, queries, k: int = 10):
    """Row numbers of each query's k most similar base vectors (cosine: all are normalised)."""
    import numpy as np

    best = np.zeros((len(queries), 0), dtype=np.int64)
    scores = np.zeros((len(queries), 0), dtype=np.float32)
    for start in range(0, len(base), 250_000):
        block = queries @ base[start : start + 250_000].T
        top = np.argpartition(-block, k, axis=1)[:, :k]
        best = np.hstack([best, top + start])
        scores = np.hstack([scores, np.take_along_axis(block, top, axis=1)])
    order = np.argsort(-scores, axis=1)[:, :k]
    return np.take_along_axis(best, order, axis=1)


def nearest_real(real, k: int = 10, cache_name: str | None = None):
    """Each real vector's k nearest other real vectors (exact, a few minutes of both cores at
    144k), kept beside the catalogue's chunks under `cache_name` when one is given."""
    import numpy as np

    cache = CATALOGUE / f"neighbours-{cache_name}-{len(real)}-{k}.npy"
    if cache_name and cache.exists():
        return np.load(cache)
    rows = []
    for start in range(0, len(real), 1_000):
        block = real[start : start + 1_000] @ real.T
        block[np.arange(len(block)), np.arange(start, start + len(block))] = -2.0  # not itself
        top = np.argpartition(-block, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(block, top, axis=1), axis=1)
        rows.append(np.take_along_axis(top, order, axis=1))
    found = np.vstack(rows).astype(np.int32)
    if cache_name:
        CATALOGUE.mkdir(parents=True, exist_ok=True)
        np.save(cache, found)
    return found


def grown_vectors(real, neighbours, count: int, seed: int, growth: tuple[float, float]):
    """`count` vectors made from real ones so that their neighbourhoods survive: each starts
    at a random point of the first `reach` of the segment from a real paper's vector to one of
    its 10 nearest real neighbours, moves by Gaussian noise of `spread` times the distance
    from that paper to its nearest neighbour, and is normalised (`growth` is (reach,
    spread)). A topic with many real papers gets many derived ones around the same place, as
    a larger real catalogue would, and `growth` sets how tightly (bench/recall.py chooses it
    so that real papers' nearest neighbours are as close as the real catalogue's growth
    predicts). `derived_vectors` (the sum of two unrelated papers)
    lands between topics instead; those flat neighbourhoods held HNSW at recall@10 0.55 at
    3M."""
    import numpy as np

    reach, spread = growth
    rng = np.random.default_rng(seed)
    origin = rng.integers(0, len(real), count)
    toward = neighbours[origin, rng.integers(0, neighbours.shape[1], count)]
    share = rng.uniform(0, reach, (count, 1)).astype(np.float32)
    mixed = real[origin] + share * (real[toward] - real[origin])
    gap = np.linalg.norm(real[origin] - real[neighbours[origin, 0]], axis=1, keepdims=True)
    noise = rng.normal(0, 1 / np.sqrt(DIMENSIONS), (count, DIMENSIONS)).astype(np.float32)
    mixed += noise * (spread * gap)
    return (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)


def store_embeddings(database: Path, real, derive=None) -> None:
    """Derived vectors for every paper, written straight into the site's embeddings table:
    `derive(count, seed)` for each chunk of papers in id order (by default
    `derived_vectors` of `real`)."""
    connection = sqlite3.connect(database)
    ids = [row[0] for row in connection.execute("SELECT id FROM catalog_paper ORDER BY id")]
    created = "2026-01-01 00:00:00"
    derive = derive or (lambda count, seed: derived_vectors(real, count, seed=seed))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        vectors = derive(len(chunk), start)
        connection.executemany(
            "INSERT INTO search_paperembedding (paper_id, model_id, vector, created, text_hash) "
            "VALUES (?, 'derived', ?, ?, '')",  # derived, not embedded from the paper's text
            ((pk, vector.tobytes(), created) for pk, vector in zip(chunk, vectors, strict=True)),
        )
        connection.commit()
    connection.close()
