"""Stopping a subscription: its status changes and nothing already built for it goes out.

One helper for every way a subscription stops (one-click unsubscribe, the unsubscribe page,
suspension after hard bounces, an admin): the status and the cancellation of its waiting
digests change in one transaction. The sender's claim also checks the status, so a digest a
sender is holding at that moment is not sent either.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from digests.models import Delivery, Subscription

WAITING = (Delivery.Status.PENDING, Delivery.Status.SENDING)


def stop_subscription(subscription_id: int, status: str) -> int:
    """Set `status` (unsubscribed or suspended) and cancel the subscription's waiting
    digests; returns how many were cancelled. Idempotent."""
    changes = {"status": status}
    if status == Subscription.Status.UNSUBSCRIBED:
        changes["unsubscribed_at"] = timezone.now()
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription_id).exclude(status=status).update(**changes)
        return cancel_waiting(subscription_id)


def cancel_waiting(subscription_id: int) -> int:
    return Delivery.objects.filter(subscription_id=subscription_id, status__in=WAITING).update(
        status=Delivery.Status.CANCELLED, claimed_by="", claimed_at=None
    )
