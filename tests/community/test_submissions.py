import datetime as dt

import pytest
from django.test import override_settings

from community.models import DailyListing, Submission
from community.services.errors import NotAllowed
from community.services.submissions import (
    complete_submission,
    set_listing_flags,
    submit_paper,
)
from tests.factories import DailyListingFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db
RECENT = dt.datetime(2026, 8, 18, tzinfo=dt.UTC)


def test_a_member_submits_a_recent_paper_to_todays_list(member, frozen_now):
    paper = PaperFactory(arxiv_id="2608.00001", submitted_at=RECENT)
    listing = submit_paper(member, "https://arxiv.org/abs/2608.00001v2", "Worth a read")
    assert listing.paper == paper and listing.listed_on == dt.date(2026, 8, 21)
    assert listing.submitted_by == member and listing.submitter_comment == "Worth a read"


def test_a_paper_is_listed_once(member, other_member, frozen_now):
    DailyListingFactory(paper__arxiv_id="2608.00002", paper__submitted_at=RECENT)
    with pytest.raises(NotAllowed, match="already listed"):
        submit_paper(other_member, "2608.00002")


def test_old_papers_are_refused_for_members_but_not_curators(member, curator, frozen_now):
    PaperFactory(arxiv_id="2401.00001", submitted_at=dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
    with pytest.raises(NotAllowed, match="at most 14 days old"):
        submit_paper(member, "2401.00001")
    assert submit_paper(curator, "2401.00001").submitted_by == curator


@override_settings(PAPERBOY_SUBMISSIONS_PER_DAY=2)
def test_members_have_a_daily_cap(member, frozen_now):
    for number in range(3):
        PaperFactory(arxiv_id=f"2608.0010{number}", submitted_at=RECENT)
    submit_paper(member, "2608.00100")
    submit_paper(member, "2608.00101")
    with pytest.raises(NotAllowed, match="2 papers a day") as refused:
        submit_paper(member, "2608.00102")
    assert refused.value.status == 429


def test_garbage_is_refused_with_a_clear_message(member):
    with pytest.raises(NotAllowed, match="not a valid arXiv id"):
        submit_paper(member, "<script>alert(1)</script>")


def test_a_paper_missing_from_the_catalogue_is_fetched_from_arxiv_in_the_background(
    member, arxiv_api, frozen_now, settings
):
    settings.PAPERBOY_SUBMISSION_MAX_AGE_DAYS = 100_000
    queued = submit_paper(member, "https://huggingface.co/papers/1605.08386")
    assert isinstance(queued, Submission) and queued.status == "fetching"
    assert arxiv_api.requests == []  # the request itself never talks to arXiv
    done = complete_submission(queued.pk)
    assert done.status == "listed"
    assert done.listing.paper.title == "Heat-bath random walks with Markov bases"
    assert arxiv_api.requests[0]["id_list"] == ["1605.08386"]


def test_an_id_arxiv_does_not_have_is_refused_with_the_reason(member, arxiv_api):
    queued = submit_paper(member, "2101.99998")
    done = complete_submission(queued.pk)
    assert done.status == "refused" and done.message == "arXiv has no paper 2101.99998."
    assert not DailyListing.objects.exists()


def test_an_unreachable_arxiv_never_holds_up_the_request(member, settings):
    """arXiv down (nothing listens): the submission returns at once; the background fetch
    records that arXiv could not be reached."""
    settings.PAPERBOY_ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    settings.PAPERBOY_HTTP_RETRIES = 0
    queued = submit_paper(member, "2608.12345")
    assert queued.status == "fetching"
    assert complete_submission(queued.pk).message == "arXiv could not be reached; try again later."


@override_settings(PAPERBOY_SUBMISSIONS_PER_DAY=2)
def test_the_cap_and_the_checks_come_before_any_fetch(member, arxiv_api, frozen_now):
    submit_paper(member, "2608.00301")
    submit_paper(member, "2608.00302")
    with pytest.raises(NotAllowed, match="2 papers a day"):
        submit_paper(member, "2608.00303")
    with pytest.raises(NotAllowed, match="not a valid arXiv id"):
        submit_paper(member, "nonsense")
    assert arxiv_api.requests == []


def test_asking_twice_while_fetching_queues_one_fetch(member):
    first = submit_paper(member, "2608.00401")
    again = submit_paper(member, "2608.00401")
    assert first.pk == again.pk and Submission.objects.count() == 1


def test_the_web_page_follows_the_fetch(member_client, member, arxiv_api, settings):
    settings.PAPERBOY_SUBMISSION_MAX_AGE_DAYS = 100_000
    response = member_client.post("/submit", {"paper": "1605.08386"})
    queued = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/submit/{queued.pk}"
    assert (
        "Fetching 1605.08386 from arXiv" in member_client.get(response["Location"]).content.decode()
    )
    complete_submission(queued.pk)
    done = member_client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "Listed" in done and "Heat-bath random walks" in done


def test_only_curators_feature_and_hide(member, curator):
    listing = DailyListingFactory()
    with pytest.raises(NotAllowed):
        set_listing_flags(member, listing, hidden=True)
    set_listing_flags(curator, listing, featured=True, hidden=True)
    listing.refresh_from_db()
    assert listing.featured and listing.hidden


def test_placeholders_cannot_submit():
    with pytest.raises(NotAllowed):
        submit_paper(UserFactory(is_placeholder=True), "2608.00001")


def test_the_api_answers_202_and_reports_where_the_fetch_stands(client, member):
    from community.services.tokens import create_token

    _, raw = create_token(member, "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    answer = client.post(
        "/api/daily_papers", {"paper": "2608.00501"}, content_type="application/json", **auth
    )
    assert answer.status_code == 202 and answer.json()["status"] == "fetching"
    status = client.get(answer.json()["location"], **auth)
    assert status.status_code == 200 and status.json()["paper"] == "2608.00501"
    other = UserFactory(username="nosy")
    _, theirs = create_token(other, "t")
    nosy = client.get(answer.json()["location"], HTTP_AUTHORIZATION=f"Bearer {theirs}")
    assert nosy.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_worker_fetches_and_lists_a_queued_submission(arxiv_api, settings):
    from django.core.management import call_command

    settings.PAPERBOY_SUBMISSION_MAX_AGE_DAYS = 100_000
    member = UserFactory(username="queued")
    queued = submit_paper(member, "1605.08386")
    call_command("worker", "--once", stdout=__import__("io").StringIO())
    queued.refresh_from_db()
    assert queued.status == "listed" and DailyListing.objects.filter(paper__arxiv_id="1605.08386")
