"""Email digests: who subscribed to what, and every (subscriber, period) delivery."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from catalog.models import Paper


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily (weekdays)"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class Subscription(models.Model):
    """One address's digest and its preferences. Only `active` ones receive digests."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        ACTIVE = "active", "Active"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        SUSPENDED = "suspended", "Suspended after repeated delivery failures"

    email = models.EmailField(max_length=254, unique=True)  # stored lower-cased
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscriptions",
    )
    # Opaque, per-subscriber: identifies the subscriber in unsubscribe and preference links.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    frequency = models.CharField(max_length=8, choices=Frequency, default=Frequency.WEEKLY)
    send_hour = models.PositiveSmallIntegerField(default=8, help_text="Local hour, 0-23.")
    time_zone = models.CharField(max_length=64, default="UTC")
    max_papers = models.PositiveSmallIntegerField(default=10)
    include_top = models.BooleanField(default=True, help_text="The period's top papers.")
    topics = models.JSONField(default=list, blank=True, help_text="Queries in search syntax.")
    exclude_categories = models.JSONField(default=list, blank=True)
    exclude_keywords = models.JSONField(default=list, blank=True)
    exclude_authors = models.JSONField(default=list, blank=True)
    for_you = models.BooleanField(default=False, help_text="Papers like the member's upvotes.")
    following = models.BooleanField(
        default=False, help_text="New papers of the authors, categories and searches followed."
    )
    send_empty = models.BooleanField(default=False, help_text="Send even when nothing matched.")
    hard_failures = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "frequency"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.frequency}, {self.status})"


class Delivery(models.Model):
    """One digest for one subscriber and one period: built once, sent at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Claimed by a sender"
        SENT = "sent", "Sent"
        EMPTY = "empty", "Nothing to send"
        FAILED = "failed", "Failed permanently"
        CANCELLED = "cancelled", "Cancelled: the subscription stopped before it was sent"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    frequency = models.CharField(max_length=8, choices=Frequency)
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    status = models.CharField(max_length=12, choices=Status, default=Status.PENDING)
    paper_ids = models.JSONField(default=list)  # in the order they appear in the mail
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "frequency", "period_start"], name="one_delivery_a_period"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.frequency} {self.period_start} to {self.subscription_id} ({self.status})"


class DeliveredPaper(models.Model):
    """A paper put in a subscriber's digest: never put in another of theirs."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="papers")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "paper"], name="paper_once_per_reader")
        ]

    def __str__(self) -> str:
        return f"paper {self.paper_id} to {self.subscription_id}"


class Webhook(models.Model):
    """A member's saved search or collection delivered to a URL: a Slack- or
    Discord-compatible incoming webhook, or a generic JSON body signed with HMAC-SHA256.

    Every round of `paperboy worker` turns the source's new papers into WebhookDelivery
    rows (one per paper, ever), and posts them; after PAPERBOY_WEBHOOK_MAX_FAILURES failed
    posts in a row the webhook is disabled and its owner is told by mail."""

    class Format(models.TextChoices):
        SLACK = "slack", "Slack (incoming webhook)"
        DISCORD = "discord", "Discord (webhook)"
        JSON = "json", "JSON, signed (X-Paperboy-Signature)"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=500)
    format = models.CharField(max_length=8, choices=Format, default=Format.JSON)
    secret = models.CharField(max_length=64, default=new_token)
    search = models.ForeignKey(
        "community.Follow", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    collection = models.ForeignKey(
        "community.Collection", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    enabled = models.BooleanField(default=True)
    failures = models.PositiveSmallIntegerField(default=0, help_text="Failed posts in a row.")
    disabled_reason = models.CharField(max_length=500, blank=True)
    checked_at = models.DateTimeField(help_text="New papers are those that came after this.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(search__isnull=False, collection__isnull=True)
                | models.Q(search__isnull=True, collection__isnull=False),
                name="webhook_has_one_source",
            )
        ]
        indexes = [models.Index(fields=["enabled", "checked_at"])]
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.format} webhook {self.pk} of {self.owner_id}"

    def source_label(self) -> str:
        if self.search_id:
            return f"saved search “{self.search.query}”"
        return f"collection “{self.collection.name}”"


class WebhookDelivery(models.Model):
    """One paper for one webhook: made once (the unique constraint), posted until it goes
    through or the webhook is disabled, claimed like digest deliveries."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be posted"
        SENDING = "sending", "Claimed by a sender"
        SENT = "sent", "Posted"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["webhook", "paper"], name="paper_once_per_webhook")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.paper_id} to webhook {self.webhook_id} ({self.status})"
