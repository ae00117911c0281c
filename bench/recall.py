"""Benchmark: recall@10 of the approximate vector index on real embeddings.

1. `embed`: the whole demo catalogue (the arXiv snapshot, 144k papers) embedded with the
   site's model and text (title and abstract, 256 tokens), in chunks saved under
   var/bench/real-144k/ as they finish, so a killed run resumes where it stopped. About two
   hours on 2 CPU cores; run it under `nice`.
2. `measure`: recall@10 of the site's inverted-file index (search/ann.py), built as `paperboy
   index vectors` builds it, against an exact scan, for 400 real queries: 200 of the search
   benchmark's queries (filters removed) embedded by the site, and 200 papers' own vectors,
   which are kept out of every index (a new paper looking for its neighbours). At 144k on
   the real vectors; at 1M and 3M on the real vectors plus vectors grown from them so that
   neighbourhoods survive (`corpus.grown_vectors`), their growth calibrated first: the
   held-out papers' 10 nearest neighbours get closer as the real catalogue grows (measured
   on random eighths, quarters and halves of it, fitted against the logarithm of its size),
   and the growth chosen is the one whose grown 1M corpus gives the closeness that fit
   predicts for 1M. Each scanning several numbers of lists, asking for 10 neighbours and for
   100 (what the site asks for, before fusion), with the p50 time of one search
   (in-process, one thread).

    .venv/bin/python bench/recall.py embed
    .venv/bin/python bench/recall.py measure [--sizes 144k,1M,3M]
    .venv/bin/python bench/recall.py report    # the sizes measured so far

3. `lists`: the same recall against the number of lists the index is trained with: one
   corpus (`--size`, real plus grown) indexed once per count in `--lists`, each searched
   scanning every count in `--probes`. On the catalogue's vectors when they are embedded,
   else on the 12,000 real papers that bench/search.py embeds (minutes, not hours), which
   makes a corpus of 1M or 3M grown from fewer real papers: compare counts with each
   other, not with the rows above.

    .venv/bin/python bench/recall.py lists --size 3M [--lists 4096,8192] [--probes 16,32,64]

Until 2026-12-03 the index was an HNSW graph (usearch); its measurements stay in
docs/benchmarks.md under their own headings.

`embed --model int8 --shard k/2`, run twice at once, embeds with the typed queries' 8-bit
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


def build_index(base: np.ndarray, lists: int | None = None) -> tuple[object, float]:
    """The site's index (search/ann.py) of `base`, keyed by row number, built as `paperboy
    index vectors` builds it (in chunks, 2 threads), with `lists` lists instead of the
    site's number when given; and the seconds it took."""
    from search import ann

    path = RESULTS / "recall-index" / ann.FILE_NAME
    chunks = (
        (np.arange(start, min(start + 20_000, len(base))), base[start : start + 20_000])
        for start in range(0, len(base), 20_000)
    )
    began = time.perf_counter()
    ann.build_from(path, chunks, threads=2, lists=lists)
    built = time.perf_counter() - began
    return ann.Neighbours(path), built


def recall_at(index, queries: np.ndarray, truth: np.ndarray, probes: int, depth: int) -> dict:
    """Recall@10 of searches for `depth` neighbours scanning `probes` lists, over all the
    queries and over each half (typed, held-out papers), and the p50 of one search's time."""
    index.index.nprobe = probes
    hits, took = [], []
    for vector, expected in zip(queries, truth, strict=True):
        start = time.perf_counter()
        keys, _ = index.search(vector, depth)
        took.append((time.perf_counter() - start) * 1000)
        hits.append(len(set(expected.tolist()) & set(keys[:10].tolist())))
    half = len(hits) // 2
    return {
        "recall": sum(hits) / truth.size,
        "typed": sum(hits[:half]) / (10 * half),
        "held_out": sum(hits[half:]) / (10 * (len(hits) - half)),
        "p50_ms": statistics.median(took),
    }


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


def _vectors_label(base: np.ndarray, kept: np.ndarray, growth: tuple[float, float]) -> str:
    return "real" if len(base) <= len(kept) else f"real + grown ({described(growth)})"


def _rows(index, queries, truth, probes_list, depths, **fixed) -> list[dict]:
    rows = []
    for probes in probes_list:
        if probes > index.index.nlist:
            continue
        for depth in depths:
            row = dict(fixed, lists=index.index.nlist, probes=probes, depth=depth)
            row.update(recall_at(index, queries, truth, probes, depth))
            log(str(row))
            rows.append(row)
    return rows


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
        base = corpus_of(kept, len(kept) if label == "144k" else parse_size(label), growth)
        truth = exact_top(base, queries)
        log(f"{label}: {len(base):,} vectors, exact neighbours found")
        index, built = build_index(base)
        found = _rows(
            index, queries, truth, PROBES, (10, 100),
            size=label, vectors=_vectors_label(base, kept, growth), build_s=built,
        )  # fmt: skip
        del index
        (RESULTS / f"recall-result-{label}.json").write_text(json.dumps(found))
        rows += found
    return rows


PROBES = (8, 16, 32, 48, 64, 96, 128)


def lists(records: list[dict], label: str, counts: list[int], probes: tuple[int, ...]) -> None:
    """Recall against the number of lists (step 3 of the module's docstring) on one corpus."""
    real = catalogue_vectors(records)
    source = "the catalogue's 144k" + (
        " (embedded by the 8-bit query graph of the same network)"
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
    # Rows are kept per list count, so runs for other counts add to them.
    results = RESULTS / f"lists-result-{label}-{len(real)}.json"
    earlier = json.loads(results.read_text()) if results.exists() else []
    rows = [row for row in earlier if row["lists"] not in counts]
    for count in counts:
        index, built = build_index(base, count)
        rows += _rows(index, queries, truth, probes, (100,), build_s=built)
        del index
        results.write_text(json.dumps(rows))
    _lists_report(label, rows, f"{len(base):,} vectors: {source} real embeddings")


def _table(rows: list[dict], leading: tuple[str, ...]) -> list[str]:
    names = {"size": "papers", "vectors": "vectors", "depth": "neighbours asked"}
    head = [names[key] for key in leading] + [
        "lists", "build s", "lists scanned", "recall@10", "typed", "held-out", "p50 ms per search",
    ]  # fmt: skip

    def cells(r: dict) -> list[str]:
        return [str(r[key]) for key in leading] + [
            str(r["lists"]), f"{r['build_s']:.0f}", str(r["probes"]), f"{r['recall']:.3f}",
            f"{r['typed']:.3f}", f"{r['held_out']:.3f}", f"{r['p50_ms']:.2f}",
        ]  # fmt: skip

    return [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(leading) + "---:|" * 7,
        *("| " + " | ".join(cells(r)) + " |" for r in rows),
    ]


def _lists_report(label: str, rows: list[dict], vectors: str) -> None:
    rows.sort(key=lambda r: (r["lists"], r["probes"]))
    lines = _table(rows, ())
    print("\n".join(lines))

    def listed(key: str) -> str:
        return ",".join(str(n) for n in sorted({row[key] for row in rows}))

    write_section(
        f"Inverted lists at {label} vectors",
        f".venv/bin/python bench/recall.py lists --size {label} --lists {listed('lists')} "
        f"--probes {listed('probes')}",
        f"{vectors} (200 held out as queries) and the rest grown from them "
        f'({described(GROWTH)}); 400 queries as in "Vector recall on real embeddings" (200 '
        "typed, 200 held-out papers; recall for each half beside the whole), asking for 100 "
        "neighbours as the site does; built with 2 threads; p50 of one search in-process, "
        "one thread.\n\n" + "\n".join(lines),
    )


def report() -> None:
    """Every size measured so far (sizes run separately are merged), smallest first."""
    rows = [
        row
        for path in sorted(
            RESULTS.glob("recall-result-*.json"), key=lambda p: parse_size(p.stem[14:])
        )
        for row in json.loads(path.read_text())
        if "lists" in row  # rows of the HNSW graph (until 2026-12-03) are in the docs' history
    ]
    calibration = json.loads((RESULTS / "recall-calibration.json").read_text())
    write_section(
        "Vector recall on real embeddings",
        ".venv/bin/python bench/recall.py measure --sizes 144k,1M,3M",
        __doc__.split("\n\n")[1]
        + "\n\nCalibration of the grown vectors (chosen: "
        + f"{calibration['growth']}):\n\n"
        + "\n".join(calibration["lines"])
        + "\n\nRecall:\n\n"
        + "\n".join(_table(rows, ("size", "vectors", "depth"))),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=["embed", "measure", "report", "lists"])
    parser.add_argument("--sizes", default="144k,1M,3M")
    parser.add_argument("--size", default="1M", help="lists: the corpus's size")
    parser.add_argument("--lists", default="4096,8192", help="lists: how many, one or more")
    parser.add_argument(
        "--probes", default=",".join(map(str, PROBES)), help="lists: how many are scanned"
    )
    parser.add_argument("--model", choices=["float", "int8"], default="float", help="embed")
    parser.add_argument("--shard", default="0/1", help="embed: every n-th chunk from the k-th")
    args = parser.parse_args()
    records = real_records()
    if args.step == "embed":
        import django

        django.setup()
        shard = tuple(int(n) for n in args.shard.split("/"))
        embed_catalogue(records, log, args.model, shard)
    elif args.step == "lists":
        counts = [int(n) for n in args.lists.split(",")]
        probes = tuple(int(n) for n in args.probes.split(","))
        lists(records, args.size, counts, probes)
    elif args.step == "measure":
        rows = measure(records, args.sizes.split(","))
        print("\n".join(f"{r}" for r in rows))
        report()
    else:  # the sizes measured so far, when a run was stopped before its last
        report()


if __name__ == "__main__":
    main()
