"""`POST /api/v1/subscriptions`: start a digest subscription (double opt-in) without the site."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from api.schemas import ErrorOut, Out
from digests.services.subscribing import (
    InvalidSubscription,
    normalise_email,
    request_allowed,
    subscribe,
)
from paperboy.ratelimit import client_address

router = Router(tags=["digests"])


class SubscriptionIn(Schema):
    email: str = Field(..., max_length=254)
    frequency: Literal["daily", "weekly", "monthly"] = "weekly"
    topics: list[str] = Field(default_factory=list, max_length=10)
    exclude: list[str] = Field(default_factory=list, max_length=30)


class AcceptedOut(Out):
    detail: str


ACCEPTED = (
    "If the address can receive mail, a message is on its way with what to do next. "
    "Digests start only once the address confirms."
)


@router.post("/v1/subscriptions", response={202: AcceptedOut, 400: ErrorOut, 429: ErrorOut})
def create_subscription(request: HttpRequest, body: SubscriptionIn):
    """Subscribe an address to a digest. Answers 202 whatever the address's state (new,
    waiting, subscribed or unsubscribed), so it reveals nothing; the address gets a
    confirmation link, or a note if it is already subscribed."""
    try:
        email = normalise_email(body.email)
        if not request_allowed(client_address(request), email):
            raise HttpError(429, "Too many subscription requests. Try again in an hour.")
        subscribe(email, frequency=body.frequency, topics=body.topics, exclude=body.exclude)
    except InvalidSubscription as error:
        raise HttpError(400, str(error)) from None
    return Status(202, {"detail": ACCEPTED})
