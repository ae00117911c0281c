import threading

import pytest
from django.db import connection

from community.markdown import render_markdown
from community.models import Comment, Upvote
from community.services.comments import (
    add_comment,
    delete_comment,
    edit_comment,
    set_comment_hidden,
)
from community.services.errors import NotAllowed
from community.services.upvotes import set_upvote, toggle_upvote, upvote_count
from tests.factories import DailyListingFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_member_upvotes_once_and_toggles_off(member):
    paper = PaperFactory()
    assert toggle_upvote(member, paper) == (True, 1)
    assert set_upvote(member, paper, on=True) == 1  # idempotent
    assert toggle_upvote(member, paper) == (False, 0)
    assert Upvote.objects.count() == 0


def test_imported_counts_are_a_baseline_not_rows(member):
    listing = DailyListingFactory(imported_upvotes=40)
    set_upvote(member, listing.paper, on=True)
    assert upvote_count(listing.paper) == 41
    assert Upvote.objects.count() == 1


def test_counts_for_many_papers_add_rows_to_the_best_imported_baseline(member, other_member):
    from catalog.queries import IN_CHUNK
    from community.queries import paper_upvote_counts

    papers = PaperFactory.create_batch(IN_CHUNK + 3)  # more than one statement's worth
    listed, voted, both, neither = papers[0], papers[1], papers[-1], papers[2]
    DailyListingFactory(paper=listed, imported_upvotes=7)
    DailyListingFactory(paper=listed, imported_upvotes=9, listed_on="2026-08-22")  # relisted
    DailyListingFactory(paper=both, imported_upvotes=5)
    for paper in (voted, both):
        set_upvote(member, paper, on=True)
        set_upvote(other_member, paper, on=True)
    counts = paper_upvote_counts([p.pk for p in papers])
    assert counts == {listed.pk: 9, voted.pk: 2, both.pk: 7}
    assert neither.pk not in counts and paper_upvote_counts([]) == {}


@pytest.mark.parametrize("kind", ["placeholder", "unverified", "inactive"])
def test_only_verified_active_members_can_upvote(kind):
    user = UserFactory(
        is_placeholder=kind == "placeholder",
        email_verified_at=None if kind == "unverified" else UserFactory._meta.model().date_joined,
        is_active=kind != "inactive",
    )
    with pytest.raises(NotAllowed):
        set_upvote(user, PaperFactory(), on=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_upvotes_count_exactly_the_rows():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent writers")
    paper = PaperFactory()
    members = [UserFactory() for _ in range(12)]
    barrier = threading.Barrier(len(members) * 2)
    errors = []

    def vote(user):
        try:
            barrier.wait()
            set_upvote(user, paper, on=True)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(m,)) for m in members * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Upvote.objects.filter(paper=paper).count() == len(members)
    assert upvote_count(paper) == len(members)


def test_markdown_is_rendered_and_hostile_html_removed():
    html = render_markdown(
        "**bold** and [link](https://example.org) $x^2$\n\n"
        "<script>alert(1)</script> [bad](javascript:alert(1)) ![img](https://e.org/x.png)"
        '<img src=x onerror="alert(1)">'
    )
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="nofollow noopener ugc"' in html
    assert "$x^2$" in html
    assert "<script" not in html and 'href="javascript' not in html
    assert "<img" not in html and "&lt;img" in html  # shown as text, never as a tag


def test_replies_are_one_level_deep(member, other_member):
    paper = PaperFactory()
    top = add_comment(member, paper, "First!")
    reply = add_comment(other_member, paper, "A reply", top)
    nested = add_comment(member, paper, "Reply to the reply", reply)
    assert reply.parent == top and nested.parent == top


def test_members_edit_and_delete_only_their_own(member, other_member):
    comment = add_comment(member, PaperFactory(), "Original")
    with pytest.raises(NotAllowed):
        edit_comment(other_member, comment, "Hijacked")
    with pytest.raises(NotAllowed):
        delete_comment(other_member, comment)
    edit_comment(member, comment, "Edited *text*")
    assert comment.edited is not None and "<em>text</em>" in comment.body_html
    delete_comment(member, comment)
    comment.refresh_from_db()
    assert comment.deleted and comment.body == ""


def test_curators_hide_comments_and_members_cannot(member, other_member, curator):
    comment = add_comment(member, PaperFactory(), "Spam")
    with pytest.raises(NotAllowed):
        set_comment_hidden(other_member, comment, hidden=True)
    set_comment_hidden(curator, comment, hidden=True)
    assert Comment.objects.get(pk=comment.pk).hidden


def test_empty_and_oversized_comments_are_refused(member):
    paper = PaperFactory()
    with pytest.raises(NotAllowed, match="cannot be empty"):
        add_comment(member, paper, "   ")
    with pytest.raises(NotAllowed, match="at most"):
        add_comment(member, paper, "x" * 10_001)
