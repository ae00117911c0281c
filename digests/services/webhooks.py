"""A member's webhooks: add one for a saved search or a collection, switch it back on,
remove it. Posting them is digests/services/webhook_rounds.py."""

from __future__ import annotations

from django.utils import timezone

from community.models import Collection, Follow
from community.services.errors import NotAllowed
from digests.models import Webhook
from digests.services.posting import UnsafeURL, check_url

MAX_WEBHOOKS = 20  # per member


def add_webhook(
    owner,
    url: str,
    format: str = Webhook.Format.JSON,
    *,
    search: Follow | None = None,
    collection: Collection | None = None,
) -> Webhook:
    """A webhook for the member's saved search or collection; papers that come after now
    are posted to it."""
    if format not in Webhook.Format.values:
        raise NotAllowed("The format is slack, discord or json.")
    if (search is None) == (collection is None):
        raise NotAllowed("A webhook carries one saved search or one collection.")
    if search is not None and (search.user_id != owner.pk or search.kind != Follow.Kind.SEARCH):
        raise NotAllowed("Choose one of your saved searches.", status=404)
    if collection is not None and collection.owner_id != owner.pk:
        raise NotAllowed("Choose one of your collections.", status=404)
    if len(url or "") > 500:
        raise NotAllowed("A webhook URL has at most 500 characters.")
    try:
        check_url(url)
    except UnsafeURL as error:
        raise NotAllowed(str(error)) from None
    if Webhook.objects.filter(owner=owner).count() >= MAX_WEBHOOKS:
        raise NotAllowed(f"A member keeps at most {MAX_WEBHOOKS} webhooks.")
    return Webhook.objects.create(
        owner=owner,
        url=url,
        format=format,
        search=search,
        collection=collection,
        checked_at=timezone.now(),
    )


def enable_webhook(webhook: Webhook) -> Webhook:
    """Switch a disabled webhook back on; what waited is posted on the next round."""
    webhook.enabled, webhook.failures, webhook.disabled_reason = True, 0, ""
    webhook.save(update_fields=["enabled", "failures", "disabled_reason"])
    return webhook
