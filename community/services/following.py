"""Following authors, categories and saved searches: start and stop."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from catalog.models import Author, Category
from catalog.taxonomy import ARCHIVES, CATEGORY_NAMES, is_category
from community.models import Follow, User
from community.services.errors import NotAllowed
from search.query import QueryError, parse_query

MAX_FOLLOWS = 200  # per member, all kinds together
MAX_QUERY = 300


def _clean_query(text: str) -> str:
    query = " ".join((text or "").split())
    if len(query) > MAX_QUERY:
        raise NotAllowed(f"A saved search has at most {MAX_QUERY} characters.")
    try:
        parse_query(query)
    except QueryError as error:
        raise NotAllowed(str(error)) from None
    return query


def _target(kind: str, value: object) -> dict:
    """The fields that say what is followed, checked; NotAllowed when it does not exist."""
    if kind == Follow.Kind.AUTHOR:
        number = str(value)
        author = (
            Author.objects.filter(pk=int(number)).first()
            if number.isascii() and number.isdigit() and len(number) <= 12
            else None
        )
        if author is None:
            raise NotAllowed("No such author.", status=404)
        return {"author": author}
    if kind == Follow.Kind.CATEGORY:
        code = str(value or "").strip()
        known = code in ARCHIVES or code in CATEGORY_NAMES
        if not (known or (is_category(code) and Category.objects.filter(code=code).exists())):
            raise NotAllowed(f"{code or 'That'} is not an arXiv category or archive.")
        return {"category": code}
    if kind == Follow.Kind.SEARCH:
        return {"query": _clean_query(str(value or ""))}
    raise NotAllowed("Follow an author, a category or a search.")


def follow(user: User, kind: str, value: object) -> Follow:
    """Follow something (following it again returns the same follow)."""
    target = _target(kind, value)
    existing = Follow.objects.filter(user=user, kind=kind, **target).first()
    if existing:
        return existing
    if Follow.objects.filter(user=user).count() >= MAX_FOLLOWS:
        raise NotAllowed(
            f"A member follows at most {MAX_FOLLOWS} authors, categories and searches."
        )
    try:
        with transaction.atomic():
            return Follow.objects.create(user=user, kind=kind, **target)
    except IntegrityError:  # the same follow, made by a request running at the same time
        return Follow.objects.get(user=user, kind=kind, **target)


def unfollow(user: User, kind: str, value: object) -> bool:
    """Stop following; False when it was not followed."""
    try:
        target = _target(kind, value)
    except NotAllowed:
        return False
    deleted, _ = Follow.objects.filter(user=user, kind=kind, **target).delete()
    return bool(deleted)
