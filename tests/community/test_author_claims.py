"""Claimed author pages: a member claims, a curator decides, the page shows the member,
and an opted-in author hears (once) when one of their papers is listed or trends."""

import datetime as dt

import pytest
import time_machine

from catalog.models import Authorship
from community.models import AuthorClaim, AuthorNotice
from community.services.author_notices import queue_notices, run_author_notices, send_notices
from tests.factories import AuthorFactory, DailyListingFactory, PaperFactory, UserFactory


@pytest.fixture
def author(db):
    return AuthorFactory(name="Katherine Johnson")


def claim(client, author, **form):
    return client.post(f"/authors/{author.pk}/claim", {"action": "claim", **form})


def test_a_member_claims_and_a_curator_approves_on_the_author_page(
    member, member_client, curator_client, author
):
    assert claim(member_client, author, message="orcid.org/0000-0001").status_code == 302
    found = AuthorClaim.objects.get(author=author, user=member)
    assert found.status == "pending" and found.message == "orcid.org/0000-0001"
    assert (
        "a curator will look at it" in member_client.get(f"/authors/{author.pk}").content.decode()
    )
    waiting = curator_client.get(f"/authors/{author.pk}").content.decode()
    assert "Claims waiting for a curator" in waiting and "orcid.org/0000-0001" in waiting
    curator_client.post(f"/authors/{author.pk}/claim/decide", {"claim": found.pk, "approve": "1"})
    found.refresh_from_db()
    assert found.status == "approved" and found.decided_by.username == "curator"
    page = member_client.get(f"/authors/{author.pk}").content.decode()
    assert 'This is <a href="/members/member">' in page
    assert "Mail me when one of my papers is listed or trends" in page
    profile = member_client.get("/members/member").content.decode()
    assert f'Author page: <a href="/authors/{author.pk}">Katherine Johnson</a>' in profile


def test_only_one_member_is_approved_per_author(member, other_member, curator, author):
    from community.services.claims import claim_author, decide_claim
    from community.services.errors import NotAllowed

    first, second = claim_author(member, author), claim_author(other_member, author)
    decide_claim(first, curator, approve=True)
    with pytest.raises(NotAllowed, match="already approved"):
        decide_claim(second, curator, approve=True)
    with pytest.raises(NotAllowed, match="already been approved"):
        claim_author(UserFactory(username="third"), author)


def test_members_cannot_decide_claims(member, member_client, other_member, author):
    from community.services.claims import claim_author

    theirs = claim_author(other_member, author)
    answer = member_client.post(
        f"/authors/{author.pk}/claim/decide", {"claim": theirs.pk, "approve": "1"}
    )
    assert answer.status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_curators_approve_claims_in_the_admin(client, django_user_model, member, author):
    from community.services.claims import claim_author

    waiting = claim_author(member, author)
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-123-abc")
    client.force_login(admin)
    assert client.get("/admin/community/authorclaim/").status_code == 200
    client.post(
        "/admin/community/authorclaim/",
        {"action": "approve", "_selected_action": [waiting.pk]},
    )
    waiting.refresh_from_db()
    assert waiting.status == "approved"


def test_unverified_members_and_visitors_cannot_claim(client, author):
    unverified = UserFactory(username="newbie", email_verified_at=None)
    from django.test import Client

    browser = Client()
    browser.force_login(unverified)
    claim(browser, author)
    assert not AuthorClaim.objects.exists()
    assert claim(client, author).status_code == 302  # to the log-in page
    assert not AuthorClaim.objects.exists()


@pytest.fixture
def approved(member, curator, author):
    from community.services.claims import claim_author, decide_claim, set_notify

    found = decide_claim(claim_author(member, author), curator, approve=True)
    return set_notify(found, True)


def test_an_opted_in_author_hears_once_when_their_paper_is_listed(approved, author, smtp_server):
    paper = PaperFactory(title="Orbital mechanics by hand")
    Authorship.objects.create(paper=paper, author=author, position=9)
    with time_machine.travel("2026-08-21 09:00:00+00:00", tick=False):
        DailyListingFactory(paper=paper, listed_on=dt.date(2026, 8, 21), imported_upvotes=0)
        run_author_notices()  # listed, and (the only paper of the window) trending
        assert run_author_notices() == "author notices: 0 new, 0 sent"
    mails = smtp_server.to("member@example.org")
    listed = [m for m in mails if "was listed" in m["Subject"]]
    assert len(listed) == 1 and "Orbital mechanics by hand" in listed[0]["Subject"]
    assert AuthorNotice.objects.filter(reason="listed").count() == 1


def test_a_trending_paper_is_noticed_and_opting_out_stops_mail(approved, author, smtp_server):
    paper = PaperFactory(title="Trajectories that trend")
    Authorship.objects.create(paper=paper, author=author, position=9)
    with time_machine.travel("2026-08-21 09:00:00+00:00", tick=False):
        DailyListingFactory(paper=paper, listed_on=dt.date(2026, 8, 20), imported_upvotes=90)
        queue_notices()
        approved.notify = False
        approved.save()
        assert send_notices() == 0
        approved.notify = True
        approved.save()
        assert send_notices() == 2  # listed, and trending
    subjects = sorted(m["Subject"] for m in smtp_server.to("member@example.org"))
    assert [s.split(":")[0] for s in subjects] == [
        "Your paper is trending",
        "Your paper was listed",
    ]


def test_nothing_is_noticed_without_opting_in(member, curator, author, smtp_server):
    from community.services.claims import claim_author, decide_claim

    decide_claim(claim_author(member, author), curator, approve=True)
    paper = PaperFactory()
    Authorship.objects.create(paper=paper, author=author, position=5)
    with time_machine.travel("2026-08-21 09:00:00+00:00", tick=False):
        DailyListingFactory(paper=paper, listed_on=dt.date(2026, 8, 21))
        run_author_notices()
    assert smtp_server.messages == []
