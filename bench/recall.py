"""Benchmark: recall@10 of the approximate vector index on real embeddings.

1. `embed`: the whole demo catalogue (the arXiv snapshot, 144k papers) embedded with the
   site's model and text (title and abstract, 256 tokens), in chunks saved under
   var/bench/real-144k/ as they finish, so a killed run resumes where it stopped. About two
   hours on 2 CPU cores; run it under `nice`.
2. `measure`: recall@10 of usearch HNSW built with the site's settings (search/ann.py) against
   an exact scan, for 400 real queries: 200 of the search benchmark's queries (filters
   removed) embedded by the site, and 200 papers' own vectors, which are kept out of every
   index (a new paper looking for its neighbours). At 144k on the real vectors; at 1M and 3M
   on the real vectors plus vectors grown from them so that neighbourhoods survive
   (`corpus.grown_vectors`), their growth calibrated first: the held-out papers' 10 nearest
   neighbours get closer as the real catalogue grows (measured on random eighths, quarters
   and halves of it, fitted against the logarithm of its size), and the growth chosen is the
   one whose grown 1M corpus gives the closeness that fit predicts for 1M. Each at several
   search expansions, asking for 10 neighbours and for 100 (what the site asks for, before
   fusion), with the p50 time of one search (in-process, one thread).

    .venv/bin/python bench/recall.py embed
    .venv/bin/python bench/recall.py measure [--sizes 144k,1M,3M]
    .venv/bin/python bench/recall.py report    # the sizes measured so far

3. `construction`: the same recall against HNSW's construction expansion (efConstruction),
   which decides how good the graph is: one corpus (`--size`, real plus grown) indexed once
   per expansion in `--expansions`, each searched at the expansions the site could use. On
   the catalogue's vectors when they are embedded, else on the 12,000 real papers that
   bench/search.py embeds (minutes, not hours), which makes a corpus of 1M or 3M grown from
   fewer real papers: compare expansions with each other, not with the rows above.

    .venv/bin/python bench/recall.py construction --size 1M [--expansions 64,128,256]
        [--connectivity 16,32] [--searches 128,256,512] [--dtype f16,bf16,i8]

   `--connectivity` (HNSW's M) and `--dtype` (how the index stores vectors) vary the graph
   too; every combination is built on the same corpus and searched at every expansion in
   `--searches`.

`embed --model int8 --shard k/2`, run twice at once, embeds with the typed queries' int8
graph of the same network, one thread each: on a CPU with VNNI both together take about
70 minutes against about two hours for the float model; the vectors lie within a cosine of
0.998 (median) of the float model's, close enough to measure an index's recall on.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")

from corpus import (  # noqa: E402
    GROWTH,
    SAMPLE,
    catalogue_model,
    catalogue_vectors,
    embed_catalogue,
    exact_top,
    grown_vectors,
    make_queries,
    nearest_real,
    real_embeddings,
    real_records,
)
from report import write_section  # noqa: E402

RESULTS = ROOT / "var" / "bench"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def build_index(
    base: np.ndarray,
    connectivity: int,
    expansion_add: int | None = None,
    dtype: str | None = None,
):
    """An index with the site's settings (search/ann.py, unless `expansion_add` is given),
    keyed by row number, filled as `ann.build_from` fills it (20,000 at a time)."""
    from search import ann

    index = ann.new_index(
        dtype=dtype, connectivity=connectivity, expansion_add=expansion_add or ann.EXPANSION_ADD
    )
    for start in range(0, len(base), 20_000):
        chunk = base[start : start + 20_000]
        index.add(np.arange(start, start + len(chunk), dtype=np.uint64), chunk, threads=2)
    return index


def recall_at(index, queries: np.ndarray, truth: np.ndarray, ef: int, depth: int) -> dict:
    """Recall@10 of searches for `depth` neighbours, and the p50 of one search's time."""
    index.expansion_search = ef
    hits, took = 0, []
    for vector, expected in zip(queries, truth, strict=True):
        start = time.perf_counter()
        found = index.search(vector, depth)
        took.append((time.perf_counter() - start) * 1000)
        hits += len(set(expected.tolist()) & set(found.keys[:10].astype(np.int64).tolist()))
    return {"recall": hits / truth.size, "p50_ms": statistics.median(took)}


def query_vectors(records: list[dict], real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 400 queries (see the module's docstring) and the held-out rows."""
    import django

    django.setup()
    from search import embeddings

    texts = [re.sub(r"\w+:\S+|\"", " ", q).strip() for q in make_queries(records)[:200]]
    typed = embeddings.query_vectors(texts)  # as the site embeds what people type
    held = np.random.default_rng(5).choice(len(real), 200, replace=False)
    return np.vstack([typed, real[held]]).astype(np.float32), held


def parse_size(label: str) -> int:
    if label == "144k":
        return 144_275
    number, unit = label[:-1], label[-1].upper()
    return int(float(number) * {"K": 1_000, "M": 1_000_000}[unit])


def corpus_of(kept: np.ndarray, size: int, growth: tuple[float, float]) -> np.ndarray:
    if size <= len(kept):
        return kept[:size]
    neighbours = nearest_real(kept, cache_name="kept")  # its cache names the count too
    grown = [kept]
    for start in range(len(kept), size, 100_000):
        count = min(100_000, size - start)
        grown.append(grown_vectors(kept, neighbours, count, seed=start, growth=growth))
    return np.vstack(grown)


GROWTHS = [(reach, spread) for reach in (1.0, 0.5, 0.25) for spread in (0.0, 0.1, 0.3)]


def described(growth: tuple[float, float]) -> str:
    return f"reach {growth[0]}, spread {growth[1]}"


def closeness(base: np.ndarray, papers: np.ndarray) -> float:
    """The median, over the held-out papers, of the mean similarity of their 10 nearest."""
    similarities = papers @ base.T
    return float(np.median(np.partition(similarities, -10, axis=1)[:, -10:].mean(axis=1)))


def calibrate(kept: np.ndarray, papers: np.ndarray) -> tuple[tuple[float, float], list[str]]:
    """The growth (reach, spread) whose grown 1M corpus matches the real catalogue's growth,
    and the lines of a table that shows how it was chosen."""
    order = np.random.default_rng(9).permutation(len(kept))
    sizes = [len(kept) // 8, len(kept) // 4, len(kept) // 2, len(kept)]
    real = [closeness(kept[order[:size]], papers) for size in sizes]
    slope, intercept = np.polyfit(np.log(sizes), real, 1)
    wanted = slope * np.log(1_000_000) + intercept
    lines = [
        "| corpus | mean similarity of a held-out paper's 10 nearest (median) |",
        "|---|---:|",
        *(f"| real, {size:,} | {value:.4f} |" for size, value in zip(sizes, real, strict=True)),
        f"| real, 1,000,000: the fit's prediction | **{wanted:.4f}** |",
        f"| real, 3,000,000: the fit's prediction | {slope * np.log(3_000_000) + intercept:.4f} |",
    ]
    found = {}
    for growth in GROWTHS:
        found[growth] = closeness(corpus_of(kept, 1_000_000, growth), papers)
        lines.append(f"| real + grown to 1,000,000, {described(growth)} | {found[growth]:.4f} |")
        log(lines[-1])
    chosen = min(found, key=lambda growth: abs(found[growth] - wanted))
    return chosen, lines


def measure(records: list[dict], sizes: list[str]) -> list[dict]:
    real = catalogue_vectors(records)
    if real is None:
        raise SystemExit("embed the catalogue first: bench/recall.py embed")
    queries, held = query_vectors(records, real)
    kept = np.delete(real, held, axis=0)
    growth, lines = calibrate(kept, real[held])
    if growth != GROWTH:
        log(f"calibration chose {growth}; bench/search.py grows with {GROWTH}: change it")
    (RESULTS / "recall-calibration.json").write_text(
        json.dumps({"growth": described(growth), "lines": lines})
    )
    rows = []
    for label in sizes:
        found = []
        base = corpus_of(kept, len(kept) if label == "144k" else parse_size(label), growth)
        truth = exact_top(base, queries)
        log(f"{label}: {len(base):,} vectors, exact neighbours found")
        for connectivity in (16, 32) if label == "144k" else (16,):
            began = time.perf_counter()
            index = build_index(base, connectivity)
            built = time.perf_counter() - began
            for ef in (64, 128, 256):
                for depth in (10, 100):
                    row = dict(
                        size=label,
                        vectors="real"
                        if len(base) <= len(kept)
                        else f"real + grown ({described(growth)})",
                        connectivity=connectivity,
                        ef=ef,
                        depth=depth,
                        build_s=built,
                        **recall_at(index, queries, truth, ef, depth),
                    )
                    log(str(row))
                    found.append(row)
            del index
        (RESULTS / f"recall-result-{label}.json").write_text(json.dumps(found))
        rows += found
    return rows


def construction(
    records: list[dict],
    label: str,
    expansions: list[int],
    connectivities: tuple[int, ...] = (16,),
    searches: tuple[int, ...] = (128, 256, 512),
    dtypes: tuple[str, ...] = ("f16",),
) -> None:
    """Recall against the construction expansion (step 3 of the module's docstring), for
    each stored type and connectivity asked, on one corpus."""
    real = catalogue_vectors(records)
    source = "the catalogue's 144k" + (
        " (embedded by the int8 query graph of the same network)"
        if catalogue_model() == "int8"
        else ""
    )
    if real is None:
        import django

        django.setup()
        real, source = real_embeddings(records, RESULTS), f"{SAMPLE:,} sampled"
    queries, held = query_vectors(records, real)
    kept = np.delete(real, held, axis=0)
    base = kept if label == "144k" else corpus_of(kept, parse_size(label), GROWTH)
    truth = exact_top(base, queries)
    log(f"{label}: {len(base):,} vectors grown from {source} real ones, exact neighbours found")
    # Rows are kept per built index, so runs for other indexes add to them.
    results = RESULTS / f"construction-result-{label}-{len(real)}.json"
    built_now = {(d, m, e) for d in dtypes for m in connectivities for e in expansions}
    rows = [
        row
        for row in (
            {"connectivity": 16, "dtype": "f16", **row}  # rows from before these were choices
            for row in (json.loads(results.read_text()) if results.exists() else [])
        )
        if (row["dtype"], row["connectivity"], row["expansion_add"]) not in built_now
    ]
    for dtype, connectivity, expansion_add in sorted(built_now):
        began = time.perf_counter()
        index = build_index(base, connectivity, expansion_add, dtype)
        built = time.perf_counter() - began
        for ef in searches:
            row = {"dtype": dtype, "connectivity": connectivity, "expansion_add": expansion_add}
            row.update(ef=ef, build_s=built, **recall_at(index, queries, truth, ef, 100))
            log(str(row))
            rows.append(row)
        del index
        results.write_text(json.dumps(rows))
    _construction_report(label, rows, f"{len(base):,} vectors: {source} real embeddings")


def _construction_report(label: str, rows: list[dict], vectors: str) -> None:
    rows.sort(key=lambda r: (r["dtype"], r["connectivity"], r["expansion_add"], r["ef"]))
    lines = [
        "| vectors stored as | connectivity (M) | construction expansion | build s "
        "| search expansion | recall@10 | p50 ms per search |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {r['dtype']} | {r['connectivity']} | {r['expansion_add']} | {r['build_s']:.0f} "
            f"| {r['ef']} | {r['recall']:.3f} | {r['p50_ms']:.2f} |"
            for r in rows
        ),
    ]
    print("\n".join(lines))

    def listed(key: str) -> str:
        return ",".join(str(n) for n in sorted({row[key] for row in rows}))

    write_section(
        f"HNSW construction expansion at {label} vectors",
        f".venv/bin/python bench/recall.py construction --size {label} --expansions "
        f"{listed('expansion_add')} --connectivity {listed('connectivity')} --searches "
        f"{listed('ef')} --dtype {listed('dtype')}",
        f"{vectors} (200 held out as queries) and the rest grown from them "
        f'({described(GROWTH)}); 400 queries as in "Vector recall on real embeddings" (200 '
        "typed, 200 held-out papers), asking for 100 neighbours as the site does; built with 2 "
        "threads; p50 of one search in-process, one thread.\n\n" + "\n".join(lines),
    )


def report() -> None:
    """Every size measured so far (sizes run separately are merged), smallest first."""
    rows = [
        row
        for path in sorted(
            RESULTS.glob("recall-result-*.json"), key=lambda p: parse_size(p.stem[14:])
        )
        for row in json.loads(path.read_text())
    ]
    lines = [
        "| papers | vectors | connectivity (M) | expansion (ef) | neighbours asked | build s "
        "| recall@10 | p50 ms per search |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['vectors']} | {r['connectivity']} | {r['ef']} | {r['depth']} "
            f"| {r['build_s']:.0f} | {r['recall']:.3f} | {r['p50_ms']:.2f} |"
        )
    calibration = json.loads((RESULTS / "recall-calibration.json").read_text())
    write_section(
        "Vector recall on real embeddings",
        ".venv/bin/python bench/recall.py measure --sizes 144k,1M,3M",
        __doc__.split("\n\n")[1]
        + "\n\nCalibration of the grown vectors (chosen: "
        + f"{calibration['growth']}):\n\n"
        + "\n".join(calibration["lines"])
        + "\n\nRecall:\n\n"
        + "\n".join(lines),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=["embed", "measure", "report", "construction"])
    parser.add_argument("--sizes", default="144k,1M,3M")
    parser.add_argument("--size", default="1M", help="construction: the corpus's size")
    parser.add_argument("--expansions", default="64,128,256", help="construction: efConstruction")
    parser.add_argument("--connectivity", default="16", help="construction: HNSW's M, one or more")
    parser.add_argument("--searches", default="128,256,512", help="construction: search ef")
    parser.add_argument("--dtype", default="f16", help="construction: f16, bf16, i8 (one or more)")
    parser.add_argument("--model", choices=["float", "int8"], default="float", help="embed")
    parser.add_argument("--shard", default="0/1", help="embed: every n-th chunk from the k-th")
    args = parser.parse_args()
    records = real_records()
    if args.step == "embed":
        import django

        django.setup()
        shard = tuple(int(n) for n in args.shard.split("/"))
        embed_catalogue(records, log, args.model, shard)
    elif args.step == "construction":
        searches = tuple(int(n) for n in args.searches.split(","))
        expansions = [int(n) for n in args.expansions.split(",")]
        connectivities = tuple(int(n) for n in args.connectivity.split(","))
        dtypes = tuple(args.dtype.split(","))
        construction(records, args.size, expansions, connectivities, searches, dtypes)
    elif args.step == "measure":
        rows = measure(records, args.sizes.split(","))
        print("\n".join(f"{r}" for r in rows))
        report()
    else:  # the sizes measured so far, when a run was stopped before its last
        report()


if __name__ == "__main__":
    main()
