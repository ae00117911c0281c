"""A deleted paper leaves a tombstone, whichever way it was deleted (admin, a queryset, a
cascade), so that search replicas on every node drop it (search/replica.py)."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver

from catalog.models import Paper, PaperTombstone


@receiver(post_delete, sender=Paper, dispatch_uid="catalog.paper_tombstone")
def leave_tombstone(sender, instance: Paper, **kwargs) -> None:
    PaperTombstone.objects.create(paper_id=instance.pk, arxiv_id=instance.arxiv_id)
