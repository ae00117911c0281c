"""List cards come from a cache of shared pieces, with each reader's own vote laid over.

Whatever changes a card (a vote, an edited abstract, a comment) shows on the next page, for
everyone; and members see the same cards as visitors apart from their own vote buttons.
"""

import datetime as dt
import re

import pytest

from community.models import Comment
from tests.factories import DailyListingFactory

pytestmark = pytest.mark.django_db
DAY_PAGE = "/papers/date/2026-08-21"
WEEK_PAGE = "/papers/week/2026-W34"


def cards(response) -> str:
    body = response.content.decode()
    return body[body.index('<div id="cards">') : body.rindex("</article>")]


def vote_counts(response) -> list[int]:
    return [int(n) for n in re.findall(r'<span aria-hidden="true">▲</span> (\d+)', cards(response))]


def without_votes(markup: str) -> str:
    return re.sub(r'<div class="card-vote">.*?</(?:form|a)></div>', "", markup, flags=re.S)


def test_a_vote_shows_at_once_on_cached_cards_for_voter_and_others(
    member_client, other_member, anonymous_client
):
    from django.test import Client

    DailyListingFactory(imported_upvotes=7, paper__arxiv_id="2608.00001")
    other = Client()
    other.force_login(other_member)
    assert vote_counts(other.get(DAY_PAGE)) == [7]  # the card is now cached
    voted = member_client.post("/papers/2608.00001/upvote")
    assert voted.status_code == 302
    mine = member_client.get(DAY_PAGE)
    assert vote_counts(mine) == [8]
    assert 'class="vote on" aria-pressed="true"' in cards(mine)
    theirs = other.get(DAY_PAGE)
    assert vote_counts(theirs) == [8]
    assert 'aria-pressed="false"' in cards(theirs)
    assert vote_counts(anonymous_client.get(DAY_PAGE)) == [8]


def test_an_edited_abstract_shows_on_the_next_render(member_client):
    listing = DailyListingFactory(paper__abstract="The first wording of the abstract.")
    assert "first wording" in cards(member_client.get(WEEK_PAGE))
    paper = listing.paper
    paper.abstract = "A corrected abstract."
    paper.save()
    page = cards(member_client.get(WEEK_PAGE))
    assert "A corrected abstract." in page
    assert "first wording" not in page


def test_a_new_comment_and_a_hidden_one_change_the_count(member_client, member):
    listing = DailyListingFactory()
    assert "0 comments" in cards(member_client.get(DAY_PAGE))
    comment = Comment.objects.create(paper=listing.paper, author=member, body="Nice result.")
    assert "1 comment<" in cards(member_client.get(DAY_PAGE))
    comment.hidden = True
    comment.save()
    assert "0 comments" in cards(member_client.get(DAY_PAGE))


def test_featuring_a_listing_changes_its_card(curator_client):
    listing = DailyListingFactory()
    assert "featured" not in cards(curator_client.get(DAY_PAGE))
    listing.featured = True
    listing.save()
    assert '<span class="badge">featured</span>' in cards(curator_client.get(DAY_PAGE))


def test_members_and_visitors_see_the_same_cards_apart_from_their_votes(
    member_client, anonymous_client
):
    for votes in (3, 30, 12):
        DailyListingFactory(imported_upvotes=votes, listed_on=dt.date(2026, 8, 19))
    member_client.post(f"/papers/{DailyListingFactory(imported_upvotes=5).paper.arxiv_id}/upvote")
    for page in (WEEK_PAGE, "/papers/month/2026-08", "/papers/trending"):
        member, visitor = cards(member_client.get(page)), cards(anonymous_client.get(page))
        assert member.count("<article") == visitor.count("<article") == 4
        assert without_votes(member) == without_votes(visitor)
        assert member.count("vote-form") == 4 and "Log in to upvote" in visitor


def test_a_warm_page_loads_no_paper_details(member_client, django_assert_max_num_queries):
    for _ in range(20):
        DailyListingFactory()
    member_client.get(WEEK_PAGE)
    # The session, the member, and the rows with the member's own votes in the same statement.
    with django_assert_max_num_queries(3) as warm:
        page = member_client.get(WEEK_PAGE)
    assert page.content.decode().count("<article") == 20
    assert not any("catalog_authorship" in query["sql"] for query in warm.captured_queries)


def test_the_htmx_vote_answer_is_the_same_button(member_client):
    DailyListingFactory(imported_upvotes=2, paper__arxiv_id="2608.00002")
    answer = member_client.post("/papers/2608.00002/upvote", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.startswith('<form method="post" action="/papers/2608.00002/upvote"')
    assert 'class="vote on" aria-pressed="true"' in html and "> 3<" in html
