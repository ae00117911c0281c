"""A new member's first visit, end to end through the site and a real SMTP server."""

import datetime as dt

import pytest

from community.models import Comment, DailyListing, Upvote
from tests.factories import DailyListingFactory, PaperFactory

pytestmark = pytest.mark.django_db


def test_sign_up_verify_submit_upvote_and_comment(client, smtp_server, settings, frozen_now):
    settings.BASE_URL = "http://testserver"
    DailyListingFactory(paper__arxiv_id="2608.11111")
    PaperFactory(arxiv_id="2608.22222", submitted_at=dt.datetime(2026, 8, 19, tzinfo=dt.UTC))

    client.post(
        "/accounts/signup",
        {"username": "ada", "email": "ada@example.org",
         "password1": "analytical engine 1843", "password2": "analytical engine 1843"},
    )  # fmt: skip
    # Unverified members cannot act yet.
    client.post("/papers/2608.11111/upvote")
    assert not Upvote.objects.exists()

    link = smtp_server.links()[0]
    client.get(link.removeprefix("http://testserver"))

    assert client.post("/submit", {"paper": "arXiv:2608.22222"}).status_code == 302
    client.post("/papers/2608.11111/upvote")
    client.post("/papers/2608.11111/comments", {"body": "Lovely *paper*"})

    assert DailyListing.objects.get(paper__arxiv_id="2608.22222").submitted_by.username == "ada"
    assert Upvote.objects.filter(user__username="ada").count() == 1
    assert Comment.objects.get().body_html == "<p>Lovely <em>paper</em></p>\n"
    today = client.get("/papers/date/2026-08-21").content.decode()
    assert "2608.22222" in today and "submitted by" in today
