"""The queries that run over and over in the background (every few seconds or minutes), in
one place, so that a test and `bench/periodic_queries.py` can EXPLAIN each of them: none
may scan a whole table, however large the catalogue grows."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Paper
from community.models import DailyListing
from digests.models import Delivery
from search.models import PaperEmbedding


def periodic_queries(now: dt.datetime | None = None) -> list[tuple[str, QuerySet]]:
    """(what runs it, the query) for every periodic read, with typical parameters."""
    now = now or timezone.now()
    recently = now - dt.timedelta(minutes=5)
    return [
        (
            "index update: papers changed since the watermark",
            Paper.objects.filter(modified__gte=recently).order_by().values_list("pk"),
        ),
        (
            "index update / embedder: the newest change",
            Paper.objects.order_by("-modified").values_list("modified")[:1],
        ),
        (
            "embedder: changed papers without an embedding",
            Paper.objects.filter(modified__gte=recently, embedding__isnull=True)
            .order_by("-pk")
            .only("pk", "title", "abstract")[:64],
        ),
        (
            "embedder backfill: the next batch below the saved position",
            Paper.objects.filter(embedding__isnull=True, pk__lt=500_000)
            .order_by("-pk")
            .only("pk", "title", "abstract")[:64],
        ),
        (
            "embedder: listed papers first",
            Paper.objects.filter(
                pk__in=DailyListing.objects.values("paper_id"), embedding__isnull=True
            )
            .order_by("-pk")
            .only("pk", "title", "abstract")[:64],
        ),
        (
            "vector index refresh / query tail: embeddings made since",
            PaperEmbedding.objects.filter(created__gt=recently).order_by("created", "pk"),
        ),
        (
            "digest sender: due deliveries",
            Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .order_by("pk")
            .values_list("pk")[:50],
        ),
    ]


def explain(queryset: QuerySet, *, analyze: bool = False) -> str:
    """PostgreSQL's plan for a queryset, as text."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {'(ANALYZE, BUFFERS) ' if analyze else ''}{sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())
