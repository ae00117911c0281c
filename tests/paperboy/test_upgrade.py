"""Upgrading a database made by the previous release (stop 21, f21cd05): its schema with
data in it takes this release's migrations, and the data comes through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The newest migration of each app in the previous release ("paperboy" had none).
PREVIOUS = [
    ("catalog", "0002_paper_modified_index_no_ordering"),
    ("community", "0006_citation_imports"),
    ("digests", "0002_delivery_cancelled"),
    ("search", "0004_embedding_text_hash_and_cursor"),
    ("paperboy", None),
]


def _migrate(targets) -> object:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_a_previous_release_database_with_data_upgrades():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(PREVIOUS)
    try:
        paper = old.get_model("catalog", "Paper").objects.create(
            arxiv_id="2401.00001",
            title="A paper from the previous release",
            abstract="Still here after the upgrade.",
            published_on=dt.date(2024, 1, 2),
        )
        old.get_model("catalog", "Paper").objects.create(
            arxiv_id="0704.0374",
            title="Withdrawn before the release that marks withdrawals",
            comments="This paper has been withdrawn",
        )
        user = old.get_model("community", "User").objects.create(
            username="veteran", email="veteran@example.org"
        )
        old.get_model("community", "Upvote").objects.create(user=user, paper=paper)
        old.get_model("digests", "Subscription").objects.create(
            email="veteran@example.org", status="active", topics=["diffusion"]
        )
    finally:
        new = _migrate(latest)
    paper = new.get_model("catalog", "Paper").objects.get(arxiv_id="2401.00001")
    assert paper.title == "A paper from the previous release" and not paper.withdrawn
    assert new.get_model("catalog", "Paper").objects.get(arxiv_id="0704.0374").withdrawn
    assert new.get_model("community", "Upvote").objects.filter(paper_id=paper.pk).count() == 1
    subscription = new.get_model("digests", "Subscription").objects.get()
    assert subscription.topics == ["diffusion"] and subscription.following is False
    # The new tables work with the old rows.
    veteran = new.get_model("community", "User").objects.get(username="veteran")
    follow = new.get_model("community", "Follow").objects.create(
        user=veteran, kind="search", query="diffusion"
    )
    assert follow.pk
    new.get_model("paperboy", "WorkerHeartbeat").objects.create(
        worker_id="w", beat_at=timezone.now()
    )
