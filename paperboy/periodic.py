"""The queries that run over and over in the background (every few seconds or minutes), in
one place, so that a test and `bench/periodic_queries.py` can EXPLAIN each of them: none
may scan a whole table, however large the catalogue grows."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Paper
from catalog.queries import by_newest_change, changed_papers
from community.models import AuthorNotice, DailyListing
from digests.models import Delivery, WebhookDelivery
from digests.services.sending import BATCH, claimable
from digests.services.webhook_rounds import claimable as webhook_claimable
from search.dense import made_since
from search.services.embedding import next_batch, papers_without_embeddings, pending_since

EMBED_BATCH = 64  # the CPU embedder's batch


def periodic_queries(now: dt.datetime | None = None) -> list[tuple[str, QuerySet]]:
    """(what runs it, the query) for every periodic read, built by the same functions the
    loops call, with typical parameters."""
    now = now or timezone.now()
    recently = now - dt.timedelta(minutes=5)
    listed = Paper.objects.filter(pk__in=DailyListing.objects.values("paper_id"))
    return [
        ("index update: papers changed since the watermark", changed_papers(recently)),
        ("index update / embedder: the newest change", by_newest_change()[:1]),
        (
            "embedder: changed papers without an embedding",
            next_batch(pending_since(recently), None, EMBED_BATCH),
        ),
        (
            "embedder backfill: the next batch below the saved position",
            next_batch(papers_without_embeddings(), 500_000, EMBED_BATCH),
        ),
        (
            "embedder: listed papers first",
            next_batch(listed.filter(embedding__isnull=True), None, EMBED_BATCH),
        ),
        (
            "vector index refresh / query tail: embeddings made since",
            made_since(recently).order_by("created", "pk"),
        ),
        (
            "digest sender: deliveries to claim",
            Delivery.objects.filter(claimable(now)).order_by("pk").values_list("pk")[:BATCH],
        ),
        (
            "webhooks: papers new since a saved search was last checked",
            Paper.objects.filter(modified__gt=recently, created__gt=recently).values_list("pk"),
        ),
        (
            "webhooks: deliveries to claim",
            WebhookDelivery.objects.filter(webhook_claimable(now))
            .order_by("pk")
            .values("pk")[:200],
        ),
        (
            "author notices: notices not sent yet",
            AuthorNotice.objects.filter(sent_at__isnull=True, attempts__lt=3).order_by("pk")[:100],
        ),
    ]


def explain(queryset: QuerySet, *, analyze: bool = False) -> str:
    """PostgreSQL's plan for a queryset, as text."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {'(ANALYZE, BUFFERS) ' if analyze else ''}{sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())
