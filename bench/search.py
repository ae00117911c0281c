"""Benchmark: search at 144k, 1M and 3M papers, end to end through the HTTP API.

For each corpus size:
1. The corpus: 144k is the real snapshot; 1M and 3M are made by recombining real titles,
   abstracts, authors and categories deterministically (seed 3) into snapshot-format records.
2. `paperboy import arxiv-snapshot --no-index` into a fresh SQLite database.
3. Embeddings, written to the embeddings table the site reads. Embedding 3M abstracts on 2
   cores would take days, so vectors are grown from real ones (`corpus.grown_vectors`: each
   on the way from a real paper's vector toward one of its 10 nearest real neighbours, so
   neighbourhoods survive). Once the whole snapshot is embedded (`bench/recall.py embed`,
   about two hours), the 144k corpus gets each paper's own vector and the larger ones grow
   from all 144k; until then, from 12,000 real papers (seed 11) embedded once and cached.
4. `paperboy index rebuild` (keyword index, timed) and, from PAPERBOY_VECTOR_INDEX_MIN on,
   `paperboy index vectors` (inverted lists, timed); below it the server scans vectors
   exactly.
5. `paperboy serve` (gunicorn, 2 workers, production settings, page cache off); 500 queries
   made from real titles (seed 7: words, phrases, cat:, year:, has:code) through
   `GET /api/v1/search`, keyword-only and hybrid: p50 / p95 / p99 with one client, then
   throughput with 4, then the p50 of a second pass, when the pages the papers need are
   cached. Server RSS (and PSS, which counts shared memory maps once) is read from /proc
   after the run.
6. Recall@10 of the vector search the server used against an exact scan, for 200 real query
   embeddings.

    .venv/bin/python bench/search.py [--sizes 144k,1M,3M] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from corpus import (
    DIMENSIONS,
    GROWTH,
    SNAPSHOT,
    catalogue_model,
    catalogue_vectors,
    exact_top,
    grown_vectors,
    make_queries,
    nearest_real,
    real_records,
    store_embeddings,
)
from corpus import real_embeddings as cached_real_embeddings
from corpus import synthetic_corpus as cached_synthetic_corpus
from report import write_section

from web import free_port, process_tree, timed_get, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "paperboy"
WORK = ROOT / "var" / "bench"
SIZES = {"144k": 0, "1M": 1_000_000, "3M": 3_000_000}
VECTOR_INDEX_MIN = 20_000  # the setting's default


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(env: dict, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([str(BIN), *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def memory_mb(root: int) -> tuple[float, float]:
    """Summed RSS and PSS (shared pages divided among sharers) of a process tree, in MB."""
    rss = pss = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


def measure(port: int, queries: list[str], mode: str) -> dict[str, float]:
    urls = [
        f"http://127.0.0.1:{port}/api/v1/search?limit=10&mode={mode}&q={urllib.parse.quote(q)}"
        for q in queries
    ]
    for url in urls[:40]:
        timed_get(url)  # warm up both workers
    single = [timed_get(url) for url in urls]
    start = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(timed_get, urls))
    return {
        "p50": statistics.median(single),
        "p95": percentile(single, 0.95),
        "p99": percentile(single, 0.99),
        "rps": len(urls) / (time.perf_counter() - start),
    }


class Vectors:
    """Where each corpus's vectors come from (step 3 of the module's docstring)."""

    def __init__(self, records: list[dict]) -> None:
        self.catalogue = catalogue_vectors(records)
        self.row_of = {r["id"]: n for n, r in enumerate(records)}
        self.real = self.catalogue
        self.source = "real 144k" + (" (int8 graph)" if catalogue_model() == "int8" else "")
        if self.real is None:
            self.real = cached_real_embeddings(records, WORK)
            self.source = f"real {len(self.real) // 1000}k sample"
        self.neighbours = nearest_real(self.real, cache_name=self.source.replace(" ", "-"))

    def label(self, size: int) -> str:
        if size == 0 and self.catalogue is not None:
            return "real" + (" (int8 graph)" if catalogue_model() == "int8" else "")
        return f"grown from {self.source}"

    def store(self, database: Path, size: int) -> None:
        if size == 0 and self.catalogue is not None:
            connection = sqlite3.connect(database)
            rows = connection.execute("SELECT id, arxiv_id FROM catalog_paper").fetchall()
            connection.executemany(
                "INSERT INTO search_paperembedding (paper_id, model_id, vector, created, "
                "text_hash) VALUES (?, 'real', ?, '2026-01-01 00:00:00', '')",
                (
                    (pk, self.catalogue[self.row_of[arxiv]].tobytes())
                    for pk, arxiv in rows
                    if arxiv in self.row_of
                ),
            )
            connection.commit()
            connection.close()
            return
        store_embeddings(
            database,
            self.real,
            lambda count, seed: grown_vectors(self.real, self.neighbours, count, seed, GROWTH),
        )


def stored_vectors(database: Path) -> tuple[np.ndarray, np.ndarray]:
    """The ids and vectors in the embeddings table, read back."""
    connection = sqlite3.connect(database)
    total = connection.execute("SELECT count(*) FROM search_paperembedding").fetchone()[0]
    ids = np.zeros(total, dtype=np.int64)
    matrix = np.zeros((total, DIMENSIONS), dtype=np.float32)
    rows = connection.execute("SELECT paper_id, vector FROM search_paperembedding")
    for number, (pk, blob) in enumerate(rows):
        ids[number] = pk
        matrix[number] = np.frombuffer(blob, dtype=np.float32)
    connection.close()
    return ids, matrix


def stored_as(index_dir: Path) -> str:
    """The built vector index: its lists and how it stores its vectors."""
    from search import ann

    path = index_dir / ann.FILE_NAME
    if not path.exists():
        return "none"
    return f"IVF{ann.Neighbours(path).index.nlist} {ann.STORED_AS}"


def vector_recall(database: Path, queries: list[str], index_dir: Path) -> float:
    """Recall@10 of the server's vector search (inverted lists, or exact below the
    threshold) against an exact scan, for 200 embedded queries, at the lists the server
    scans and at others."""
    from search import ann
    from search.embeddings import query_vectors

    path = index_dir / ann.FILE_NAME
    if not path.exists():
        return 1.0
    texts = [re.sub(r"\w+:\S+|\"", " ", q) for q in queries[:200]]
    vectors = query_vectors(texts)  # as the site embeds them
    ids, matrix = stored_vectors(database)
    approximate = ann.Neighbours(path)
    exact = [set(ids[row].tolist()) for row in exact_top(matrix, vectors)]
    found = {}
    site = approximate.probes  # what the server searched with
    lists = approximate.index.nlist
    for probes in dict.fromkeys(p for p in (site, 16, 32, 64, 128) if p <= lists):
        approximate.index.nprobe = probes
        hits, took = 0, []
        for vector, truth in zip(vectors, exact, strict=True):
            start = time.perf_counter()
            keys, _ = approximate.search(vector, 10)
            took.append((time.perf_counter() - start) * 1000)
            hits += len(truth & set(keys.tolist()))
        found[probes] = (hits / (10 * len(vectors)), statistics.median(took))
        log(
            f"recall@10 scanning {probes} lists: {found[probes][0]:.3f}, "
            f"p50 {found[probes][1]:.2f} ms"
        )
    return found[site][0]


def bench_size(
    label: str,
    size: int,
    records: list[dict],
    vectors: Vectors,
    queries: list[str],
    *,
    reuse: bool = False,
    workers: int = 2,
    threads: int = 4,
):
    work = WORK / f"search-{label}"
    database = work / "db.sqlite3"
    config = f"{workers} x {threads}"
    result_file = WORK / f"search-result-{label}-w{workers}t{threads}.json"
    earlier_runs = sorted(WORK.glob(f"search-result-{label}-w*.json"))
    previous = result_file if result_file.exists() else (earlier_runs or [result_file])[0]
    built = reuse and database.exists() and previous.exists()
    if reuse and database.exists() and not built:
        # Never throw away hours of building because a result file went missing.
        raise SystemExit(
            f"--reuse: {database} exists but no earlier result for {label} records its build "
            f"times; write them to {result_file.name} ({{'import_s', 'keyword_s', "
            "'vector_s'}) or move the corpus away"
        )
    if not built:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    env = {
        **os.environ,
        "PAPERBOY_DATA_DIR": str(work),
        "DATABASE_URL": f"sqlite:///{database}",
        "PAPERBOY_RATE_API": "100000000",
        "PAPERBOY_PAGE_CACHE_SECONDS": "0",
        "PAPERBOY_DEBUG": "0",
        "PAPERBOY_VECTOR_INDEX_MIN": str(10**9),  # `index vectors` below builds it, timed
    }
    if built:  # measure again on a quiet machine, without rebuilding
        earlier = json.loads(previous.read_text())
        import_seconds, keyword_seconds = earlier["import_s"], earlier["keyword_s"]
        vector_seconds = earlier["vector_s"]
    else:
        corpus = SNAPSHOT if size == 0 else cached_synthetic_corpus(records, size, WORK)
        run(env, "migrate", "-v0")
        log(f"{label}: importing {corpus.name}")
        import_seconds = run(env, "import", "arxiv-snapshot", str(corpus), "--no-index")
        log(f"{label}: storing embeddings ({vectors.label(size)})")
        vectors.store(database, size)
        log(f"{label}: keyword index")
        keyword_seconds = run(env, "index", "rebuild")
        vector_seconds = 0.0
    papers = sqlite3.connect(database).execute("SELECT count(*) FROM catalog_paper").fetchone()[0]
    if papers >= VECTOR_INDEX_MIN and not built:
        log(f"{label}: vector index over {papers} embeddings")
        vector_seconds = run(env, "index", "vectors", "--force")
    index_dir = work / "index"
    size_mb = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 1e6
    port = free_port()
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--workers", str(workers),
         "--threads", str(threads)],
        env={**env, "PAPERBOY_VECTOR_INDEX_MIN": str(VECTOR_INDEX_MIN)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=300)
        log(f"{label}: querying")
        keyword = measure(port, queries, "keyword")
        hybrid = measure(port, queries, "hybrid")
        # The same queries again: the database pages their papers need are now cached
        # (a first pass at 3M reads many of them from disk).
        again = {mode: measure(port, queries, mode)["p50"] for mode in ("keyword", "hybrid")}
        rss, pss = memory_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    recall = vector_recall(database, queries, index_dir)
    result = {
        "label": label,
        "papers": papers,
        "import_s": import_seconds,
        "keyword_s": keyword_seconds,
        "vector_s": vector_seconds,
        "index_mb": size_mb,
        "rss_mb": rss,
        "pss_mb": pss,
        "keyword": keyword,
        "hybrid": hybrid,
        "again": again,
        "recall": recall,
        "vectors": stored_as(index_dir) if vector_seconds else "exact f32",
        "embeddings": earlier.get("embeddings", "derived") if built else vectors.label(size),
        "server": config,
    }
    log(json.dumps(result))
    result_file.write_text(json.dumps(result))
    return result


def table(results: list[dict]) -> str:
    lines = [
        "| corpus | papers | server processes x threads | keyword index s | vector index s "
        "| index MB | vectors | recall@10 | keyword p50 / p95 / p99 ms | keyword req/s "
        "| hybrid p50 / p95 / p99 ms | hybrid req/s | second pass p50 keyword / hybrid ms "
        "| server RSS / PSS MB |",
        "|---|---:|---|---:|---:|---:|---|---:|---|---:|---|---:|---|---|",
    ]
    for r in results:
        k, h = r["keyword"], r["hybrid"]
        again = f"{r['again']['keyword']:.1f} / {r['again']['hybrid']:.1f}" if "again" in r else "-"
        lines.append(
            f"| {r['label']} | {r['papers']:,} | {r.get('server', '2 x 4')} | "
            f"{r['keyword_s']:.0f} | {r['vector_s']:.0f} | "
            f"{r['index_mb']:,.0f} | {r['vectors']}, {r.get('embeddings', 'derived')} | "
            f"{r['recall']:.3f} | "
            f"{k['p50']:.1f} / {k['p95']:.1f} / {k['p99']:.1f} | {k['rps']:.0f} | "
            f"{h['p50']:.1f} / {h['p95']:.1f} / {h['p99']:.1f} | {h['rps']:.0f} | "
            f"{again} | {r['rss_mb']:,.0f} / {r['pss_mb']:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="144k,1M,3M")
    parser.add_argument("--keep", action="store_true", help="keep each corpus's database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="query corpora kept by --keep again, without rebuilding (and keep them)",
    )
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per server process")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
    import django

    django.setup()
    WORK.mkdir(parents=True, exist_ok=True)
    records = real_records()
    queries = make_queries(records)
    vectors = Vectors(records)
    results = []
    for label in options.sizes.split(","):
        results.append(
            bench_size(
                label,
                SIZES[label],
                records,
                vectors,
                queries,
                reuse=options.reuse,
                workers=options.workers,
                threads=options.threads,
            )
        )
        if not options.keep and not options.reuse:  # a corpus queried again stays
            shutil.rmtree(WORK / f"search-{label}", ignore_errors=True)
    # Sizes run separately are merged into one table.
    merged = [
        json.loads(path.read_text())
        for label in SIZES
        for path in sorted(WORK.glob(f"search-result-{label}-w*.json"))
    ]
    body = table([result for result in merged if "keyword" in result])  # not build-only notes
    print(body)
    write_section(
        "Search at scale",
        ".venv/bin/python bench/search.py --sizes 144k,1M,3M",
        "500 queries made from real titles (seed 7: words, phrases, `cat:`, `year:`, "
        "`has:code`) through `GET /api/v1/search?limit=10` on gunicorn (processes x threads "
        "as listed; production settings, page cache off). Latencies with one client; req/s with 4 "
        "concurrent clients. 1M and 3M are real titles, abstracts, authors and categories "
        "recombined (seed 3). Vectors as listed: real (the snapshot embedded with the site's "
        "model), grown from real ones so that neighbourhoods survive (`corpus.grown_vectors`; "
        "embedding 3M abstracts on 2 cores would take days), or derived (before 2026-12-02: "
        "the sum of two real vectors plus noise, flat neighbourhoods). Recall@10 is the "
        "vector search the server used against an exact scan, for 200 embedded queries. "
        "Server RSS sums the gunicorn processes, so memory-mapped index files shared by "
        "several processes count once per process; PSS counts them once.\n\n" + body,
    )


if __name__ == "__main__":
    main()
