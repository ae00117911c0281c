import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from digests.models import Subscription
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def confirm_link(outbox) -> str:
    return next(link for link in outbox.links() if "/digests/confirm/" in link)


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_list_pages_offer_the_subscribe_box(client):
    page = client.get("/papers").content.decode()
    assert "Get trending papers in your email inbox!" in page
    assert 'action="/digests/subscribe"' in page


def test_subscribing_through_the_form_needs_the_emailed_confirmation(client, smtp_server):
    answer = client.post(
        "/digests/subscribe", {"email": " Reader@Example.org ", "frequency": "daily"}
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.content.decode()
    subscription = Subscription.objects.get()
    assert subscription.email == "reader@example.org"
    assert subscription.status == "pending" and subscription.frequency == "daily"

    [mail] = smtp_server.messages
    assert mail["To"] == "reader@example.org" and "Confirm" in mail["Subject"]
    link = path_of(confirm_link(smtp_server))
    # Following the link only asks (mail scanners fetch links); the button confirms.
    page = client.get(link)
    assert page.status_code == 200 and "Confirm" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == "pending"
    done = client.post(link)
    assert done.status_code == 302 and "/digests/preferences/" in done["Location"]
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.confirmed_at is not None


def test_the_answer_never_reveals_whether_an_address_was_subscribed(client, smtp_server):
    SubscriptionFactory(email="known@example.org")
    known = client.post("/digests/subscribe", {"email": "known@example.org"})
    unknown = client.post("/digests/subscribe", {"email": "unknown@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.content.decode().replace("known@", "unknown@") == unknown.content.decode()
    # The subscribed address hears about it, not the requester.
    assert "already" in smtp_server.to("known@example.org")[0]["Subject"]
    assert Subscription.objects.get(email="known@example.org").status == "active"


def test_unconfirmed_links_expire(client, smtp_server, settings):
    client.post("/digests/subscribe", {"email": "slow@example.org"})
    link = path_of(confirm_link(smtp_server))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=settings.PAPERBOY_DIGEST_CONFIRM_DAYS + 1)
    with time_machine.travel(later):
        assert client.post(link).status_code == 400
    assert Subscription.objects.get().status == "pending"


def test_forged_confirmation_and_preference_links_are_refused(client):
    assert client.get("/digests/confirm/not-a-token").status_code == 400
    assert client.get("/digests/preferences/not-a-token").status_code == 400
    assert client.get("/digests/unsubscribe/not-a-token").status_code == 404


def test_subscribing_is_rate_limited_per_address(client, smtp_server, settings):
    settings.PAPERBOY_RATE_SUBSCRIBE = 2
    codes = [
        Client(REMOTE_ADDR=f"10.0.0.{i}")
        .post("/digests/subscribe", {"email": "a@example.org"})
        .status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 429, 429]
    assert len(smtp_server.messages) == 1  # and repeated requests do not repeat the mail


@pytest.mark.parametrize(
    "email",
    ["not-an-address", "a@b@example.org", "victim@example.org\r\nBcc: x@example.org", "x" * 300],
)
def test_bad_addresses_get_a_clear_error(client, email):
    answer = client.post("/digests/subscribe", {"email": email})
    assert answer.status_code == 400 and "valid email" in answer.content.decode()
    assert not Subscription.objects.exists()


def test_api_subscriptions_answer_202_whatever_the_state(client, smtp_server):
    SubscriptionFactory(email="known@example.org")
    for email in ("new@example.org", "known@example.org", "new@example.org"):
        answer = client.post(
            "/api/v1/subscriptions",
            {"email": email, "frequency": "weekly", "topics": ["diffusion models for video"]},
            content_type="application/json",
        )
        assert answer.status_code == 202
    new = Subscription.objects.get(email="new@example.org")
    assert new.status == "pending" and new.topics == ["diffusion models for video"]
    assert client.post(
        "/api/v1/subscriptions", {"email": "x@example.org", "topics": ["year:abc"]},
        content_type="application/json",
    ).status_code == 400  # fmt: skip
    assert (
        client.post(
            "/api/v1/subscriptions", {"email": "nope"}, content_type="application/json"
        ).status_code
        == 400
    )


def test_preferences_change_by_the_signed_link(client):
    from digests.services.subscribing import preferences_link

    subscription = SubscriptionFactory()
    link = path_of(preferences_link(subscription))
    assert subscription.email in client.get(link).content.decode()
    answer = client.post(
        link,
        {
            "frequency": "monthly",
            "send_hour": "7",
            "time_zone": "Europe/Paris",
            "max_papers": "5",
            "topics": "diffusion models for video\ncat:cs.CL",
            "exclude_categories": "cs.CR, math",
            "exclude_keywords": "survey",
            "exclude_authors": "Jane Doe",
        },
    )
    assert answer.status_code == 200 and "Saved" in answer.content.decode()
    subscription.refresh_from_db()
    assert subscription.frequency == "monthly" and subscription.time_zone == "Europe/Paris"
    assert subscription.topics == ["diffusion models for video", "cat:cs.CL"]
    assert subscription.exclude_categories == ["cs.CR", "math"]
    assert subscription.exclude_authors == ["jane doe"] and not subscription.include_top
    bad = client.post(
        link,
        {"frequency": "weekly", "send_hour": "7", "time_zone": "Mars/Olympus", "max_papers": "5"},
    )
    assert bad.status_code == 400 and "Unknown time zone" in bad.content.decode()


def test_a_verified_member_subscribes_from_their_profile_without_confirmation(
    member_client, member
):
    answer = member_client.post("/accounts/digest", {"frequency": "weekly"})
    assert answer.status_code == 302 and "/digests/preferences/" in answer["Location"]
    subscription = Subscription.objects.get()
    assert subscription.status == "active" and subscription.user == member
    profile = member_client.get(f"/members/{member.username}").content.decode()
    assert "Weekly digest" in profile
