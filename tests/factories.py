"""factory_boy factories for the main models."""

from __future__ import annotations

import datetime as dt

import factory

from catalog.models import Author, Authorship, Paper, Source
from catalog.records import author_key
from community.models import DailyListing, User
from digests.models import Subscription


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")
    email_verified_at = factory.LazyFunction(lambda: dt.datetime(2026, 8, 1, tzinfo=dt.UTC))


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ("name_key",)

    name = factory.Sequence(lambda n: f"Ada Lovelace {n}")
    name_key = factory.LazyAttribute(lambda a: author_key(a.name))


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper
        skip_postgeneration_save = True

    arxiv_id = factory.Sequence(lambda n: f"2608.{10000 + n}")
    title = factory.Sequence(lambda n: f"A study of things, part {n}")
    abstract = "We study things and find that $x^2 > 0$ for real $x \\neq 0$."
    published_on = dt.date(2026, 8, 20)
    source = Source.MANUAL

    @factory.post_generation
    def with_authors(self, create: bool, count: int | None, **kwargs: object) -> None:
        if create:
            for position in range(1, (count or 2) + 1):
                Authorship.objects.create(paper=self, author=AuthorFactory(), position=position)


class DailyListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyListing

    paper = factory.SubFactory(PaperFactory)
    listed_on = dt.date(2026, 8, 21)
    imported_upvotes = factory.Sequence(lambda n: n)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A confirmed subscriber (weekly, top papers) unless told otherwise."""

    class Meta:
        model = Subscription

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    status = Subscription.Status.ACTIVE
    frequency = "weekly"
    confirmed_at = factory.LazyFunction(lambda: dt.datetime(2026, 8, 1, tzinfo=dt.UTC))
