import datetime as dt

import pytest

from community.models import Follow, Upvote
from digests.models import DeliveredPaper, Delivery
from digests.periods import digest_period
from digests.services.building import build_digests
from search.services.embedding import embed_pending
from search.services.indexing import update_index
from tests.digests.conftest import WEEK_SENT_ON
from tests.factories import DailyListingFactory, PaperFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def titles(delivery: Delivery) -> list[str]:
    from catalog.models import Paper

    by_id = Paper.objects.in_bulk([pk for pk, _ in delivery.paper_ids])
    return [by_id[pk].title for pk, _ in delivery.paper_ids]


@pytest.mark.parametrize(
    ("frequency", "sent_on", "start", "end"),
    [
        ("daily", "2026-08-25", "2026-08-24", "2026-08-24"),  # Tuesday: Monday's papers
        ("daily", "2026-08-24", "2026-08-21", "2026-08-23"),  # Monday: Friday to Sunday
        ("weekly", "2026-08-26", "2026-08-17", "2026-08-23"),
        ("monthly", "2026-09-03", "2026-08-01", "2026-08-31"),
    ],
)
def test_a_digest_covers_the_period_before_the_day_it_is_sent(frequency, sent_on, start, end):
    period = digest_period(frequency, dt.date.fromisoformat(sent_on))
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


def test_no_daily_digest_is_sent_at_weekends():
    assert digest_period("daily", dt.date(2026, 8, 22)) is None


def test_the_default_digest_holds_the_period_top_papers_by_upvotes(week_of_papers):
    subscription = SubscriptionFactory(max_papers=3)
    report = build_digests("weekly", WEEK_SENT_ON)
    assert report.built == 1
    delivery = Delivery.objects.get(subscription=subscription)
    assert titles(delivery) == [p.title for p in week_of_papers[:3]]
    assert delivery.paper_ids[0][1] == "top of the period"


def test_building_twice_makes_no_second_digest(week_of_papers):
    SubscriptionFactory()
    build_digests("weekly", WEEK_SENT_ON)
    again = build_digests("weekly", WEEK_SENT_ON)
    assert again.built == 0 and Delivery.objects.count() == 1


def test_a_paper_is_never_sent_twice_to_the_same_reader(week_of_papers):
    subscription = SubscriptionFactory(max_papers=2)
    build_digests("weekly", WEEK_SENT_ON)
    # The best paper is listed again the next week, next to a new one.
    DailyListingFactory(
        paper=week_of_papers[0], listed_on=dt.date(2026, 8, 27), imported_upvotes=99
    )
    DailyListingFactory(paper=PaperFactory(title="Fresh one"), listed_on=dt.date(2026, 8, 27))
    build_digests("weekly", WEEK_SENT_ON + dt.timedelta(days=7))
    second = Delivery.objects.filter(subscription=subscription).order_by("period_start").last()
    assert titles(second) == ["Fresh one"]
    assert DeliveredPaper.objects.filter(subscription=subscription).count() == 3


def test_exclusions_remove_categories_keywords_and_authors(week_of_papers):
    author = week_of_papers[3].authorships.first().author.name
    subscription = SubscriptionFactory(
        exclude_categories=["cs"],  # an archive rules out all its categories
        exclude_keywords=["survey"],
        exclude_authors=[author.lower()],
    )
    build_digests("weekly", WEEK_SENT_ON)
    assert titles(Delivery.objects.get(subscription=subscription)) == [
        "Sparse attention for long documents"
    ]


def test_an_empty_digest_is_recorded_but_not_sent_unless_asked_for(db):
    quiet = SubscriptionFactory()
    eager = SubscriptionFactory(send_empty=True)
    report = build_digests("weekly", WEEK_SENT_ON)
    assert report.empty == 2 and report.built == 1
    assert Delivery.objects.get(subscription=quiet).status == "empty"
    assert Delivery.objects.get(subscription=eager).status == "pending"


def test_unconfirmed_and_unsubscribed_addresses_get_nothing(week_of_papers):
    SubscriptionFactory(status="pending")
    SubscriptionFactory(status="unsubscribed")
    SubscriptionFactory(status="suspended")
    assert build_digests("weekly", WEEK_SENT_ON).built == 0
    assert not Delivery.objects.exists()


def test_topics_match_by_keyword_and_by_meaning(week_of_papers):
    update_index(rebuild=True)
    embed_pending()
    subscription = SubscriptionFactory(
        include_top=False, topics=["generating moving pictures"], max_papers=2
    )
    keyword = SubscriptionFactory(include_top=False, topics=["enclave"], max_papers=5)
    build_digests("weekly", WEEK_SENT_ON)
    by_meaning = Delivery.objects.get(subscription=subscription)
    # No word in common with "Video diffusion with temporal attention".
    assert titles(by_meaning)[0] == "Video diffusion with temporal attention"
    assert by_meaning.paper_ids[0][1] == "topic: generating moving pictures"
    assert (
        titles(Delivery.objects.get(subscription=keyword))[0] == "Side channels in enclave memory"
    )


def test_topic_filters_apply(week_of_papers):
    update_index(rebuild=True)
    subscription = SubscriptionFactory(include_top=False, topics=["cat:cs.CV"])
    build_digests("weekly", WEEK_SENT_ON)
    assert titles(Delivery.objects.get(subscription=subscription)) == [
        "Video diffusion with temporal attention"
    ]


def test_for_you_ranks_papers_like_the_members_upvotes(week_of_papers, member):
    update_index(rebuild=True)
    older = PaperFactory(
        title="Denoising diffusion for video generation",
        abstract="We generate video clips with a diffusion model.",
        published_on=dt.date(2026, 6, 1),
    )
    Upvote.objects.create(user=member, paper=older)
    embed_pending()
    subscription = SubscriptionFactory(
        email=member.email, user=member, include_top=False, for_you=True, max_papers=1
    )
    build_digests("weekly", WEEK_SENT_ON)
    delivery = Delivery.objects.get(subscription=subscription)
    assert titles(delivery) == ["Video diffusion with temporal attention"]
    assert delivery.paper_ids[0][1] == "like papers you upvoted or collected"


def test_a_digest_carries_what_the_member_follows(member, week_of_papers):
    update_index(rebuild=True)
    Follow.objects.create(user=member, kind="category", category="cs.CR")
    subscription = SubscriptionFactory(
        email=member.email, user=member, include_top=False, following=True
    )
    build_digests("weekly", WEEK_SENT_ON)
    delivery = Delivery.objects.get(subscription=subscription)
    assert delivery.paper_ids == [[week_of_papers[2].pk, "from what you follow"]]


def test_a_digest_without_following_ignores_follows(member, week_of_papers):
    Follow.objects.create(user=member, kind="category", category="cs.CR")
    subscription = SubscriptionFactory(
        email=member.email, user=member, include_top=False, following=False
    )
    build_digests("weekly", WEEK_SENT_ON)
    assert Delivery.objects.get(subscription=subscription).paper_ids == []
