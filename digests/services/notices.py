"""The short mails around a subscription: confirm it, or "you are already subscribed"."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from digests.models import Subscription
from paperboy.outbox import queue_mail


def _send(template: str, subscription: Subscription, context: dict) -> None:
    from digests.services.subscribing import preferences_link, unsubscribe_link

    context = {
        "subscription": subscription,
        "site": settings.BASE_URL,
        "preferences_link": preferences_link(subscription),
        "unsubscribe_link": unsubscribe_link(subscription),
        **context,
    }
    subject = render_to_string(f"digests/email/{template}_subject.txt", context)
    body = render_to_string(f"digests/email/{template}.txt", context)
    queue_mail(f"digest-{template}", [subscription.email], subject, body)


def send_confirmation(subscription: Subscription, link: str) -> None:
    """Ask the address to confirm; nothing is sent to it until it does."""
    _send("confirm", subscription, {"link": link, "days": settings.PAPERBOY_DIGEST_CONFIRM_DAYS})


def send_already_subscribed(subscription: Subscription) -> None:
    """Someone asked to subscribe an address that already is: tell the address only."""
    _send("already_subscribed", subscription, {})
