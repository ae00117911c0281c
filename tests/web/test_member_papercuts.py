"""What members hit: the right reason when unverified, comment counts that match the page,
no tombstones for nothing, logging in from a POST-only link, and honest "Saved."."""

import pytest

from community.models import Comment
from community.services.comments import add_comment, delete_comment
from digests.services.subscribing import preferences_link, unsubscribe
from tests.factories import (
    DailyListingFactory,
    PaperFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified_client(client):
    member = UserFactory(username="fresh", email_verified_at=None)
    client.force_login(member)
    return client


def test_an_unverified_member_is_told_to_verify_not_to_log_in(unverified_client):
    paper = PaperFactory()
    response = unverified_client.post(f"/papers/{paper.arxiv_id}/upvote", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "Verify your email address to upvote" in text and "Log in" not in text


def test_an_unverified_member_gets_the_resend_not_the_token_form(unverified_client):
    text = unverified_client.get("/members/fresh").content.decode()
    assert "Verify your email address to create API tokens" in text
    assert 'name="name"' not in text  # no token form
    assert "/accounts/verify-again" in text


def test_cards_count_local_comments_and_show_imported_ones_apart(client, member):
    listing = DailyListingFactory(imported_comments=7)
    add_comment(member, listing.paper, "One here.")
    text = client.get(f"/papers/date/{listing.listed_on}").content.decode()
    assert "1 comment<" in text and "7 on Hugging Face" in text


def test_a_new_comment_in_place_removes_no_comments_yet(member_client):
    paper = PaperFactory()
    response = member_client.post(
        f"/papers/{paper.arxiv_id}/comments", {"body": "First!"}, HTTP_HX_REQUEST="true"
    )
    assert 'id="no-comments" hx-swap-oob="delete"' in response.content.decode()


def test_a_deleted_comment_without_replies_leaves_no_tombstone(client, member, other_member):
    paper = PaperFactory()
    lonely = add_comment(member, paper, "Gone soon.")
    parent = add_comment(member, paper, "Has a reply.")
    add_comment(other_member, paper, "A reply.", parent)
    delete_comment(member, lonely)
    delete_comment(member, parent)
    text = client.get(f"/papers/{paper.arxiv_id}").content.decode()
    assert text.count("This comment was deleted.") == 1  # only the one replies hang from
    assert "A reply." in text and Comment.objects.count() == 3


def test_logging_in_from_an_upvote_link_lands_on_the_paper(client, member):
    paper = PaperFactory()
    login = client.post(
        f"/accounts/login?next=/papers/{paper.arxiv_id}/upvote",
        {"username": member.username, "password": "correct horse battery staple"},
    )
    assert login.status_code == 302 and login["Location"] == f"/papers/{paper.arxiv_id}"


def test_preferences_of_an_unsubscribed_address_do_not_just_say_saved(client):
    subscription = SubscriptionFactory()
    unsubscribe(subscription.token)
    path = preferences_link(subscription).split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    form = {k: v for k, v in page.context["form"].initial.items() if v not in (None, False)}
    text = client.post("/" + path, form).content.decode()
    assert "no digests are sent to this address" in text
