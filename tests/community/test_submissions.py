import datetime as dt

import pytest
from django.test import override_settings

from community.models import DailyListing
from community.services.errors import NotAllowed
from community.services.submissions import set_listing_flags, submit_paper
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


def test_a_paper_missing_from_the_catalogue_is_fetched_from_arxiv(
    member, arxiv_api, frozen_now, settings
):
    settings.PAPERBOY_SUBMISSION_MAX_AGE_DAYS = 100_000
    listing = submit_paper(member, "https://huggingface.co/papers/1605.08386")
    assert listing.paper.title == "Heat-bath random walks with Markov bases"
    assert arxiv_api.requests[0]["id_list"] == ["1605.08386"]


def test_an_id_arxiv_does_not_have_is_refused(member, arxiv_api):
    with pytest.raises(NotAllowed, match=r"arXiv has no paper 2101\.99998") as refused:
        submit_paper(member, "2101.99998")
    assert refused.value.status == 404
    assert not DailyListing.objects.exists()


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
