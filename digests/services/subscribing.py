"""Subscribing with double opt-in, confirming, unsubscribing, and the links that do it.

Nothing here tells a caller whether an address was already subscribed: `subscribe` behaves
the same from the outside whatever the address's state, and the mail it sends (if any) goes
only to the address itself.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from digests.models import Frequency, Subscription
from digests.services.notices import send_already_subscribed, send_confirmation
from digests.services.stopping import stop_subscription
from paperboy.email import is_public_mail_domain
from paperboy.ratelimit import allow
from search.query import QueryError, parse_query

_CONFIRM_SALT = "paperboy.digest-confirm"
_PREFERENCES_SALT = "paperboy.digest-preferences"
# A pending or active address gets at most one mail per this long, however often it is
# submitted (the per-address rate limit applies on top).
RESEND_AFTER = dt.timedelta(minutes=10)
MAX_TOPICS = 10
MAX_TERMS = 30


class InvalidSubscription(ValueError):
    """A subscription request that cannot be accepted; the message says why."""


def normalise_email(raw: str) -> str:
    """The address, trimmed and lower-cased; InvalidSubscription when it is not one."""
    email = (raw or "").strip().lower()
    if len(email) > 254 or any(c in email for c in "\r\n\0"):
        raise InvalidSubscription("Enter a valid email address.")
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidSubscription("Enter a valid email address.") from None
    domain = email.rsplit("@", 1)[1]
    if not is_public_mail_domain(domain, tuple(settings.PAPERBOY_MAIL_ALLOWED_DOMAINS)):
        raise InvalidSubscription(
            "Enter an address at a public domain name (not an IP address or a local name)."
        )
    return email


def clean_topics(topics: list[str]) -> list[str]:
    """Topics as queries in the search language; InvalidSubscription for one that fails."""
    cleaned = []
    for topic in topics:
        topic = " ".join(str(topic).split())
        if not topic:
            continue
        try:
            parse_query(topic)
        except QueryError as error:
            raise InvalidSubscription(f"Topic {topic[:60]!r}: {error}") from None
        if topic not in cleaned:
            cleaned.append(topic)
    if len(cleaned) > MAX_TOPICS:
        raise InvalidSubscription(f"At most {MAX_TOPICS} topics.")
    return cleaned


def clean_terms(terms: list[str], *, lower: bool = True) -> list[str]:
    cleaned = []
    for term in terms:
        term = " ".join(str(term).split())[:100]
        term = term.lower() if lower else term
        if term and term not in cleaned:
            cleaned.append(term)
    if len(cleaned) > MAX_TERMS:
        raise InvalidSubscription(f"At most {MAX_TERMS} exclusions of each kind.")
    return cleaned


def clean_time_zone(name: str) -> str:
    if name not in available_timezones():
        raise InvalidSubscription(f"Unknown time zone {name[:60]!r}.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSubscription(f"Unknown time zone {name[:60]!r}.") from None
    return name


def request_allowed(client: str, email: str) -> bool:
    """The per-client and per-address limits on subscription requests (each request
    counts against both)."""
    limit = settings.PAPERBOY_RATE_SUBSCRIBE
    by_client = allow("subscribe-client", client, limit * 4, 3600)
    by_address = allow("subscribe-address", email, limit, 3600)
    return by_client and by_address


def subscribe(
    raw_email: str,
    *,
    frequency: str = Frequency.WEEKLY,
    topics: list[str] | None = None,
    exclude: list[str] | None = None,
    user=None,
) -> Subscription:
    """Start (or restart) a subscription. A new, pending or lapsed address gets a
    confirmation mail with these preferences; an active one keeps its preferences and gets
    a note with its preferences link. A member subscribing their verified address skips
    the confirmation."""
    email = normalise_email(raw_email)
    if frequency not in Frequency.values:
        raise InvalidSubscription("Frequency must be daily, weekly or monthly.")
    wanted = {
        "frequency": frequency,
        "topics": clean_topics(topics or []),
        "exclude_keywords": clean_terms(exclude or []),
    }
    verified = bool(
        user is not None and user.email_verified_at and user.email and user.email.lower() == email
    )
    try:
        with transaction.atomic():
            subscription, created = Subscription.objects.select_for_update().get_or_create(
                email=email, defaults={**wanted, "user": user if verified else None}
            )
    except IntegrityError:  # a concurrent request created it first
        subscription, created = Subscription.objects.get(email=email), False
    if verified and subscription.status == Subscription.Status.ACTIVE:
        if subscription.user_id != user.pk:
            Subscription.objects.filter(pk=subscription.pk).update(user=user)
            subscription.user = user
        return subscription
    if subscription.status == Subscription.Status.ACTIVE and not created:
        if _may_mail(subscription):
            send_already_subscribed(subscription)
            _mark_mailed(subscription)
        return subscription
    if not created:
        for field, value in wanted.items():
            setattr(subscription, field, value)
    if verified:
        subscription.user = user
        _activate(subscription)
        return subscription
    subscription.status = Subscription.Status.PENDING
    subscription.save()
    if created or _may_mail(subscription):
        send_confirmation(subscription, confirmation_link(subscription))
        _mark_mailed(subscription)
    return subscription


def _may_mail(subscription: Subscription) -> bool:
    sent = subscription.confirmation_sent_at
    return sent is None or timezone.now() - sent >= RESEND_AFTER


def _mark_mailed(subscription: Subscription) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(confirmation_sent_at=timezone.now())


def _activate(subscription: Subscription) -> None:
    subscription.status = Subscription.Status.ACTIVE
    subscription.confirmed_at = timezone.now()
    subscription.unsubscribed_at = None
    subscription.hard_failures = 0
    subscription.save()


def confirmation_link(subscription: Subscription) -> str:
    token = signing.dumps(
        {"s": subscription.pk, "e": subscription.email, "t": subscription.token},
        salt=_CONFIRM_SALT,
    )
    return settings.BASE_URL + reverse("web:digest_confirm", args=[token])


def pending_for_confirmation(token: str) -> Subscription | None:
    """The subscription a confirmation token is for, if genuine and unexpired."""
    try:
        data = signing.loads(
            token, salt=_CONFIRM_SALT, max_age=settings.PAPERBOY_DIGEST_CONFIRM_DAYS * 86400
        )
    except signing.BadSignature:
        return None
    return Subscription.objects.filter(
        pk=data.get("s"), email=data.get("e"), token=data.get("t")
    ).first()


def confirm(token: str) -> Subscription | None:
    """Activate the subscription the token is for (idempotent); None if it is not genuine,
    has expired, or the address has since unsubscribed."""
    subscription = pending_for_confirmation(token)
    if subscription is None or subscription.status == Subscription.Status.UNSUBSCRIBED:
        return None
    if subscription.status != Subscription.Status.ACTIVE:
        _activate(subscription)
    return subscription


def unsubscribe_link(subscription: Subscription) -> str:
    return settings.BASE_URL + reverse("web:digest_unsubscribe", args=[subscription.token])


def preferences_link(subscription: Subscription) -> str:
    token = signing.dumps({"t": subscription.token}, salt=_PREFERENCES_SALT)
    return settings.BASE_URL + reverse("web:digest_preferences", args=[token])


def for_preferences(token: str) -> Subscription | None:
    """The subscription a preferences link is for. Links in old digests keep working until
    the address unsubscribes (the token is the subscriber's own)."""
    try:
        data = signing.loads(token, salt=_PREFERENCES_SALT)
    except signing.BadSignature:
        return None
    return Subscription.objects.filter(token=data.get("t")).first()


def unsubscribe(token: str) -> Subscription | None:
    """Stop all digests for the subscriber with this opaque token (idempotent)."""
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is None:
        return None
    stop_subscription(subscription.pk, Subscription.Status.UNSUBSCRIBED)
    subscription.refresh_from_db()
    return subscription


PREFERENCE_FIELDS = (
    "frequency",
    "send_hour",
    "time_zone",
    "max_papers",
    "include_top",
    "topics",
    "exclude_categories",
    "exclude_keywords",
    "exclude_authors",
    "for_you",
    "following",
    "send_empty",
)


def update_preferences(subscription: Subscription, **changes) -> Subscription:
    """Change what a digest holds and when it comes; InvalidSubscription for bad values."""
    unknown = set(changes) - set(PREFERENCE_FIELDS)
    if unknown:
        raise InvalidSubscription(f"Unknown preference: {', '.join(sorted(unknown))}.")
    if "frequency" in changes and changes["frequency"] not in Frequency.values:
        raise InvalidSubscription("Frequency must be daily, weekly or monthly.")
    if "send_hour" in changes and not 0 <= int(changes["send_hour"]) <= 23:
        raise InvalidSubscription("The hour must be between 0 and 23.")
    if "max_papers" in changes and not (
        1 <= int(changes["max_papers"]) <= settings.PAPERBOY_DIGEST_MAX_PAPERS
    ):
        raise InvalidSubscription(
            f"Between 1 and {settings.PAPERBOY_DIGEST_MAX_PAPERS} papers a digest."
        )
    if "time_zone" in changes:
        changes["time_zone"] = clean_time_zone(changes["time_zone"])
    if "topics" in changes:
        changes["topics"] = clean_topics(changes["topics"])
    for field in ("exclude_categories", "exclude_keywords", "exclude_authors"):
        if field in changes:
            changes[field] = clean_terms(changes[field], lower=field != "exclude_categories")
    for field, value in changes.items():
        setattr(subscription, field, value)
    subscription.save()
    return subscription
