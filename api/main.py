"""The NinjaAPI instance: routers, error shapes, and the OpenAPI docs at /api/docs."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api import collections, daily_papers, following, papers, search, subscriptions
from community.services.errors import NotAllowed

api = NinjaAPI(
    title="Paperboy API",
    version="1",
    description=(
        "Daily papers, the catalogue, upvotes and comments. `GET /api/daily_papers` answers "
        "in the same shape as Hugging Face's endpoint. Writes need a personal token from your "
        "profile page: `Authorization: Bearer TOKEN`."
    ),
    docs_url="/docs",
    urls_namespace="api",
)
api.add_router("/", daily_papers.router)
api.add_router("/", search.router)  # before papers: /papers/search is not a paper id
api.add_router("/", papers.router)
api.add_router("/", subscriptions.router)
api.add_router("/", collections.router)
api.add_router("/", following.router)


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"detail": message}, status=status)


@api.exception_handler(NotAllowed)
def not_allowed(request: HttpRequest, error: NotAllowed) -> HttpResponse:
    return _error(request, error.message, error.status)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    problems = []
    for item in error.errors:
        where = ".".join(str(part) for part in item.get("loc", [])[1:]) or "request"
        problems.append(f"{where}: {item.get('msg', 'invalid')}")
    return _error(request, "; ".join(problems) or "invalid request", 400)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return _error(request, "A valid API token is required (Authorization: Bearer TOKEN).", 401)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _error(request, str(error) or "Not found.", 404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return _error(request, str(error), error.status_code)
