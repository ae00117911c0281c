"""The site's actions under each persona: anonymous, member, other member, curator."""

import pytest

from community.models import Comment, DailyListing, Upvote
from tests.factories import DailyListingFactory, PaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    return DailyListingFactory(paper__arxiv_id="2608.12345")


def test_anonymous_visitors_are_sent_to_log_in_for_every_action(anonymous_client, listing):
    for url in (
        "/papers/2608.12345/upvote",
        "/papers/2608.12345/comments",
        "/submit",
        f"/listings/{listing.pk}/hide",
    ):
        response = anonymous_client.post(url, {"body": "x"})
        assert response.status_code == 302 and "/accounts/login" in response["Location"]
    assert not Upvote.objects.exists() and not Comment.objects.exists()


def test_a_member_upvotes_and_comments_from_the_paper_page(member_client, listing):
    member_client.post("/papers/2608.12345/upvote")
    member_client.post("/papers/2608.12345/comments", {"body": "Nice **result**"})
    page = member_client.get("/papers/2608.12345").content.decode()
    assert "<strong>result</strong>" in page
    assert 'aria-pressed="true"' in page
    assert Upvote.objects.count() == 1


def test_the_upvote_button_answers_json_for_scripts(member_client, listing):
    response = member_client.post("/papers/2608.12345/upvote", HTTP_ACCEPT="application/json")
    assert response.json() == {"upvoted": True, "upvotes": listing.imported_upvotes + 1}


def test_another_member_cannot_edit_or_delete_my_comment(client, member, other_member, listing):
    client.force_login(member)
    client.post("/papers/2608.12345/comments", {"body": "Mine"})
    comment = Comment.objects.get()
    client.force_login(other_member)
    client.post(f"/comments/{comment.pk}/edit", {"body": "Not yours"})
    client.post(f"/comments/{comment.pk}/delete")
    comment.refresh_from_db()
    assert comment.body == "Mine" and not comment.deleted


def test_members_cannot_feature_or_hide_listings(member_client, listing):
    response = member_client.post(f"/listings/{listing.pk}/hide")
    assert response.status_code == 403
    assert not DailyListing.objects.get(pk=listing.pk).hidden


def test_curators_hide_listings_and_comments(curator_client, member, listing):
    comment = Comment.objects.create(
        paper=listing.paper, author=member, body="spam", body_html="<p>spam</p>"
    )
    curator_client.post(f"/listings/{listing.pk}/hide")
    curator_client.post(f"/comments/{comment.pk}/hide")
    assert DailyListing.objects.get(pk=listing.pk).hidden
    assert Comment.objects.get(pk=comment.pk).hidden


def test_submitting_through_the_form(member_client, frozen_now):
    import datetime as dt

    PaperFactory(arxiv_id="2608.54321", submitted_at=dt.datetime(2026, 8, 20, tzinfo=dt.UTC))
    response = member_client.post("/submit", {"paper": "2608.54321", "comment": ""})
    assert response.status_code == 302
    again = member_client.post("/submit", {"paper": "2608.54321"})
    assert "already listed" in again.content.decode()


def test_redirects_after_actions_stay_on_this_site(member_client, listing):
    response = member_client.post(
        "/papers/2608.12345/upvote", {"next": "https://evil.example/phish"}
    )
    assert response["Location"] == "/papers/2608.12345"


def test_author_pages_list_their_papers(anonymous_client, listing):
    author = listing.paper.authorships.first().author
    page = anonymous_client.get(f"/authors/{author.pk}").content.decode()
    assert listing.paper.title in page and author.name in page


def test_about_explains_trending(anonymous_client):
    assert "How trending works" in anonymous_client.get("/about").content.decode()
