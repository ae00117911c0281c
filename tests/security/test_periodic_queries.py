"""Every periodic background query can be answered through an index (PostgreSQL): with
sequential scans priced out, none of them reads a whole table. The plans at 1M papers are
in docs/benchmarks.md (bench/periodic_queries.py)."""

import pytest
from django.db import connection

from paperboy.periodic import explain, periodic_queries
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


def test_each_periodic_query_uses_an_index():
    if connection.vendor != "postgresql":
        pytest.skip("plans are checked on PostgreSQL")
    for _ in range(5):
        PaperFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET enable_seqscan = off")
    try:
        for name, queryset in periodic_queries():
            plan = explain(queryset)
            big_tables = (
                "catalog_paper",
                "search_paperembedding",
                "digests_delivery",
                "digests_webhookdelivery",
                "community_authornotice",
            )
            scanned = [t for t in big_tables if f"Seq Scan on {t}" in plan]
            assert not scanned, f"{name} scans {scanned}:\n{plan}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")
