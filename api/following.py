"""/api/v1/following and /api/v1/webhooks: what a token holder follows, the papers it
brings, and the webhooks that carry saved searches and collections."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import Field

from api.auth import TokenAuth
from api.errors import allowed
from api.schemas import ErrorOut, Out
from catalog.queries import papers_for_cards
from community.following import followed_papers, follows_of
from community.models import Collection, Follow
from community.services import following as service
from digests.models import Webhook
from digests.services.webhooks import add_webhook

router = Router(tags=["following"], auth=TokenAuth())
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


class FollowIn(Schema):
    kind: str = Field(..., description="author, category or search")
    value: str = Field(
        ..., max_length=300, description="The author's id, a category code or a query."
    )


class FollowOut(Out):
    id: int
    kind: str
    value: str
    label: str
    created: str


class FollowedPaperOut(Out):
    id: str
    title: str
    published: str | None
    url: str
    why: str


class WebhookIn(Schema):
    url: str = Field(..., max_length=500)
    format: str = Field("json", description="slack, discord or json (signed)")
    search: int | None = Field(None, description="The id of one of your saved-search follows.")
    collection: int | None = Field(None, description="The id of one of your collections.")


class WebhookOut(Out):
    id: int
    url: str
    format: str
    source: str
    search: int | None
    collection: int | None
    enabled: bool
    failures: int
    disabled_reason: str
    secret: str = Field(description="Signs JSON posts: X-Paperboy-Signature (docs/webhooks.md)")


def _follow_out(follow: Follow) -> dict:
    value = str(follow.author_id or follow.category or follow.query)
    return {
        "id": follow.pk,
        "kind": follow.kind,
        "value": value,
        "label": follow.label(),
        "created": follow.created.isoformat(),
    }


@router.get("/v1/following", response={200: list[FollowOut], **ERRORS})
def list_follows(request: HttpRequest):
    """The authors, categories and saved searches the token holder follows."""
    return [_follow_out(f) for f in follows_of(request.auth)]


@router.post("/v1/following", response={201: FollowOut, **ERRORS})
def create_follow(request: HttpRequest, body: FollowIn):
    """Follow an author (`value`: the author's id), a category or archive (`cs.CL`, `cs`),
    or a search (`value`: a query in the search syntax). Following again returns the same."""
    return Status(201, _follow_out(allowed(service.follow, request.auth, body.kind, body.value)))


@router.delete("/v1/following/{int:follow_id}", response={204: None, **ERRORS})
def delete_follow(request: HttpRequest, follow_id: int):
    """Stop following (a saved search's webhooks go with it)."""
    deleted, _ = Follow.objects.filter(pk=follow_id, user=request.auth).delete()
    if not deleted:
        raise HttpError(404, f"You follow nothing with id {follow_id}.")
    return Status(204, None)


@router.get("/v1/following/papers", response={200: list[FollowedPaperOut], **ERRORS})
def followed(request: HttpRequest, limit: int = 50):
    """The newest papers of everything followed, newest first, with why each is here."""
    found = followed_papers(follows_of(request.auth), limit=max(1, min(limit, 100)))
    papers = papers_for_cards().in_bulk([pk for pk, _ in found])
    return [
        {
            "id": papers[pk].arxiv_id,
            "title": papers[pk].title,
            "published": papers[pk].published_on.isoformat() if papers[pk].published_on else None,
            "url": f"{settings.BASE_URL}{papers[pk].get_absolute_url()}",
            "why": why,
        }
        for pk, why in found
        if pk in papers
    ]


def _webhook_out(webhook: Webhook) -> dict:
    return {
        "id": webhook.pk,
        "url": webhook.url,
        "format": webhook.format,
        "source": webhook.source_label(),
        "search": webhook.search_id,
        "collection": webhook.collection_id,
        "enabled": webhook.enabled,
        "failures": webhook.failures,
        "disabled_reason": webhook.disabled_reason,
        "secret": webhook.secret,
    }


@router.get("/v1/webhooks", response={200: list[WebhookOut], **ERRORS})
def list_webhooks(request: HttpRequest):
    """The token holder's webhooks, newest first."""
    found = Webhook.objects.filter(owner=request.auth).select_related("search", "collection")
    return [_webhook_out(w) for w in found]


@router.post("/v1/webhooks", response={201: WebhookOut, **ERRORS})
def create_webhook(request: HttpRequest, body: WebhookIn):
    """Deliver a saved search (`search`) or a collection (`collection`) to a URL; papers
    that come after now are posted, each once."""
    search = collection = None
    if body.search is not None:
        search = Follow.objects.filter(pk=body.search, user=request.auth, kind="search").first()
        if search is None:
            raise HttpError(404, f"You have no saved search {body.search}.")
    if body.collection is not None:
        collection = Collection.objects.filter(pk=body.collection, owner=request.auth).first()
        if collection is None:
            raise HttpError(404, f"You have no collection {body.collection}.")
    webhook = allowed(
        add_webhook, request.auth, body.url, body.format, search=search, collection=collection
    )
    return Status(201, _webhook_out(webhook))


@router.delete("/v1/webhooks/{int:webhook_id}", response={204: None, **ERRORS})
def delete_webhook(request: HttpRequest, webhook_id: int):
    """Remove a webhook."""
    deleted, _ = Webhook.objects.filter(pk=webhook_id, owner=request.auth).delete()
    if not deleted:
        raise HttpError(404, f"You have no webhook {webhook_id}.")
    return Status(204, None)
