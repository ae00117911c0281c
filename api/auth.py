"""Personal API tokens as `Authorization: Bearer TOKEN`."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from community.models import User
from paperboy.ratelimit import token_user


class TokenAuth(HttpBearer):
    openapi_description = "A personal API token from your profile page."

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(request)
        if user is not None:
            request.user = user
        return user
