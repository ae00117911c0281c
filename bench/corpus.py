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


def store_embeddings(database: Path, real) -> None:
    """Derived vectors for every paper, written straight into the site's embeddings table."""
    connection = sqlite3.connect(database)
    ids = [row[0] for row in connection.execute("SELECT id FROM catalog_paper ORDER BY id")]
    created = "2026-01-01 00:00:00"
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        vectors = derived_vectors(real, len(chunk), seed=start)
        connection.executemany(
            "INSERT INTO search_paperembedding (paper_id, model_id, vector, created, text_hash) "
            "VALUES (?, 'derived', ?, ?, '')",  # derived, not embedded from the paper's text
            ((pk, vector.tobytes(), created) for pk, vector in zip(chunk, vectors, strict=True)),
        )
        connection.commit()
    connection.close()
