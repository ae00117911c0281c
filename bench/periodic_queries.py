"""EXPLAIN ANALYZE of every periodic background query at 1M papers on PostgreSQL.

Makes a scratch database (`<name>_periodic` beside PAPERBOY_TEST_POSTGRES_URL's), migrates
it, fills it in SQL with N synthetic papers (90 % of them embedded, 10k listed, 20k
deliveries), ANALYZEs, then prints each query of paperboy/periodic.py with its plan's top
node, the indexes it used, rows read and time, and writes the table to docs/benchmarks.md.

    .venv/bin/python bench/periodic_queries.py [--papers 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _fill_sql(papers: int) -> list[str]:
    return [
        f"""INSERT INTO catalog_paper (arxiv_id, title, abstract, versions, published_on,
            comments, journal_ref, doi, report_no, license, submitter, code_url, project_url,
            ai_keywords, ai_summary, source, source_fingerprints, created, modified)
        SELECT 'p' || i, 'Paper ' || i, 'An abstract about topic ' || (i % 997), '[]',
            DATE '2026-08-01' - (i % 9000), '', '', '', '', '', '', '', '', '[]', '',
            'arxiv-snapshot', '{{}}', now() - interval '30 days',
            now() - interval '30 days' + (i % 1000) * interval '1 second'
        FROM generate_series(1, {papers}) AS i""",
        f"""INSERT INTO search_paperembedding (paper_id, model_id, vector, text_hash, created)
        SELECT id, 'bench', '\\x00'::bytea, '', now() - interval '10 days'
        FROM catalog_paper WHERE id % 10 <> 0 AND id <= {papers}""",
        """INSERT INTO community_user (password, is_superuser, username, first_name,
            last_name, email, is_staff, is_active, date_joined, display_name, is_placeholder)
        VALUES ('!', false, 'bench', '', '', 'bench@example.org', false, true, now(), '', false)""",
        """INSERT INTO community_dailylisting (paper_id, listed_on, imported_upvotes,
            imported_comments, source, submitter_comment, featured, hidden,
            source_fingerprint, created)
        SELECT id, DATE '2026-08-01' - (id % 500)::int, 0, 0, 'hf-daily', '', false, false,
            '', now()
        FROM catalog_paper WHERE id % 100 = 0""",
        """INSERT INTO digests_subscription (email, token, status, frequency, send_hour,
            time_zone, max_papers, include_top, topics, exclude_categories, exclude_keywords,
            exclude_authors, for_you, send_empty, hard_failures, created)
        SELECT 'r' || i || '@example.org', 't' || i, 'active', 'weekly', 8, 'UTC', 10, true,
            '[]', '[]', '[]', '[]', false, false, 0, now()
        FROM generate_series(1, 20000) AS i""",
        """INSERT INTO digests_delivery (subscription_id, frequency, period_start, period_end,
            status, paper_ids, attempts, claimed_by, message_id, error, created)
        SELECT id, 'weekly', DATE '2026-08-17', DATE '2026-08-23', 'sent', '[]', 1, '', '', '',
            now() FROM digests_subscription""",
        "ANALYZE",
    ]


def _database_urls() -> tuple[str, str]:
    base = os.environ.get(
        "PAPERBOY_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/paperboy"
    )
    scratch = base.rsplit("/", 1)[0] + "/" + base.rsplit("/", 1)[1] + "_periodic"
    return base, scratch


def prepare(papers: int) -> str:
    import psycopg
    from dj_database_url import parse

    _, scratch = _database_urls()
    config = parse(scratch)
    admin = psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
    admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
    env = {**os.environ, "DATABASE_URL": scratch}
    subprocess.run(
        [sys.executable, "-m", "paperboy.cli", "migrate", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    with psycopg.connect(scratch.replace("postgres://", "postgresql://")) as db:
        for statement in _fill_sql(papers):
            started = time.perf_counter()
            db.execute(statement)
            db.commit()
            words = statement.split()
            print(f"  {' '.join(words[:3])}: {time.perf_counter() - started:.1f} s", flush=True)
    return scratch


def measure(runs: int = 3) -> list[tuple[str, str, str, str, float]]:
    import django

    django.setup()
    from paperboy.periodic import explain, periodic_queries

    rows = []
    for name, queryset in periodic_queries():
        plans = [explain(queryset, analyze=True) for _ in range(runs)]
        times = [float(re.search(r"Execution Time: ([\d.]+) ms", p).group(1)) for p in plans]
        plan = plans[-1]
        top = plan.splitlines()[0].split("  (")[0].strip()
        indexes = sorted(set(re.findall(r"using (\w+)", plan)))
        seq = sorted(set(re.findall(r"Seq Scan on (\w+)", plan)))
        rows.append(
            (
                name,
                top,
                ", ".join(indexes) or "-",
                ", ".join(seq) or "none",
                statistics.median(times),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    print(f"preparing {args.papers:,} papers", flush=True)
    scratch = prepare(args.papers)
    os.environ["DATABASE_URL"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperboy.settings")
    rows = measure()
    table = [
        "| periodic query | plan | indexes used | sequential scans | median ms |",
        "|---|---|---|---|---|",
    ]
    for name, top, indexes, seq, ms in rows:
        table.append(f"| {name} | {top} | {indexes} | {seq} | {ms:.3f} |")
    print("\n".join(table))
    from bench.report import write_section

    write_section(
        "Periodic queries at 1M papers",
        f"python bench/periodic_queries.py --papers {args.papers}",
        f"PostgreSQL, {args.papers:,} synthetic papers (90 % embedded), 10k listings, 20k "
        "subscribers with a sent digest each; `EXPLAIN (ANALYZE, BUFFERS)`, median of 3. "
        "Every query the background loops repeat reads through an index; none scans the "
        "papers or embeddings table.\n\n" + "\n".join(table),
    )
    if not args.keep:
        import psycopg
        from dj_database_url import parse
        from django.db import connections

        connections.close_all()
        config = parse(scratch)
        with psycopg.connect(
            host=config["HOST"],
            port=config["PORT"] or 5432,
            user=config["USER"],
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')


if __name__ == "__main__":
    main()
