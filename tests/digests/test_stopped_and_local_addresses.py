"""Stopped subscriptions get no mail, cross-site posts confirm nothing, and only addresses
at public domain names are mailed."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from digests.models import Delivery, Subscription
from digests.services.building import build_digests
from digests.services.sending import claim, send_pending
from digests.services.subscribing import InvalidSubscription, normalise_email, unsubscribe
from tests.digests.conftest import WEEK_SENT_ON
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.BASE_URL = "https://papers.example.org"


def test_built_then_unsubscribed_sends_nothing(week_of_papers, smtp_server):
    subscription = SubscriptionFactory(email="reader@example.org")
    build_digests("weekly", WEEK_SENT_ON)
    unsubscribe(subscription.token)
    assert send_pending().sent == 0
    assert smtp_server.messages == []
    assert Delivery.objects.get().status == Delivery.Status.CANCELLED


def test_a_retry_after_a_4xx_is_not_sent_once_unsubscribed(week_of_papers, smtp_server):
    subscription = SubscriptionFactory(email="reader@example.org")
    smtp_server.refuse["reader@example.org"] = "451 4.3.0 Try again later"
    build_digests("weekly", WEEK_SENT_ON)
    assert send_pending().retrying == 1
    unsubscribe(subscription.token)
    smtp_server.refuse.clear()
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=1)):
        assert send_pending().sent == 0
    assert smtp_server.messages == []


def test_the_claim_itself_skips_stopped_subscriptions(week_of_papers):
    """Even a delivery left pending (say, by a status changed in SQL) is never claimed."""
    subscription = SubscriptionFactory(email="reader@example.org")
    build_digests("weekly", WEEK_SENT_ON)
    Subscription.objects.filter(pk=subscription.pk).update(status="suspended")
    assert claim()[1] == []
    Subscription.objects.filter(pk=subscription.pk).update(status="active")
    assert len(claim()[1]) == 1


def test_suspension_after_hard_bounces_cancels_waiting_digests(week_of_papers, smtp_server):
    subscription = SubscriptionFactory(email="gone@example.org", hard_failures=2)
    smtp_server.refuse["gone@example.org"] = "550 5.1.1 No such user"
    build_digests("weekly", WEEK_SENT_ON)
    Delivery.objects.create(
        subscription=subscription,
        frequency="weekly",
        period_start=dt.date(2026, 8, 24),
        period_end=dt.date(2026, 8, 30),
        paper_ids=[],
    )
    send_pending()
    subscription.refresh_from_db()
    assert subscription.status == "suspended"
    assert not Delivery.objects.filter(status__in=["pending", "sending"]).exists()


def test_a_cross_site_post_never_subscribes_a_logged_in_member_without_mail(member, smtp_server):
    """The subscribe box is CSRF-exempt; a forged POST from another site, riding on the
    member's session, must still need the emailed confirmation."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.post(
        "/digests/subscribe",
        {"email": member.email, "frequency": "daily"},
        HTTP_ORIGIN="https://evil.example.net",
    )
    assert response.status_code == 200
    subscription = Subscription.objects.get(email=member.email)
    assert subscription.status == "pending" and subscription.user is None
    assert smtp_server.to(member.email)  # the confirmation, to the address itself


@pytest.mark.parametrize(
    "address",
    [
        "a@[127.0.0.1]",
        "a@[IPv6:::1]",
        "a@localhost",
        "a@mail.localhost",
        "a@printer.local",
        "a@db.internal",
        "a@intranet",
        "a@10.0.0.1",
        "a@example.test",
    ],
)
def test_addresses_without_a_public_domain_name_are_refused(address, client):
    with pytest.raises(InvalidSubscription, match=r"public domain name|valid email"):
        normalise_email(address)
    answer = client.post(
        "/api/v1/subscriptions", {"email": address}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert not Subscription.objects.exists()


def test_the_allow_list_admits_a_local_domain_for_tests(settings):
    settings.PAPERBOY_MAIL_ALLOWED_DOMAINS = ["localhost"]
    assert normalise_email("A@Localhost") == "a@localhost"


def test_sign_up_refuses_a_local_address(client):
    response = client.post(
        "/accounts/signup",
        {
            "username": "x",
            "email": "x@[127.0.0.1]",
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
        },
    )
    assert "public domain name" in response.content.decode()
