"""Following authors, categories and saved searches: the buttons, /following, the digest."""

import datetime as dt

import pytest

from catalog.models import Author, Authorship, Category
from community.models import Follow
from search.services.indexing import update_index
from tests.factories import AuthorFactory, PaperFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def catalogue(db):
    """Three recent papers: one by Grace Hopper, one in cs.CR, one about protein folding."""
    hopper = AuthorFactory(name="Grace Hopper")
    crypto = Category.objects.get_or_create(code="cs.CR")[0]
    by_hopper = PaperFactory(
        arxiv_id="2608.00011", title="Compilers for everyone", published_on=dt.date(2026, 8, 3)
    )
    Authorship.objects.create(paper=by_hopper, author=hopper, position=3)
    in_crypto = PaperFactory(
        arxiv_id="2608.00012", title="Side channels in enclaves", published_on=dt.date(2026, 8, 2)
    )
    in_crypto.categories.add(crypto)
    folding = PaperFactory(
        arxiv_id="2608.00013",
        title="Protein folding from sequence",
        abstract="We predict protein folding from sequence alone.",
        published_on=dt.date(2026, 8, 1),
    )
    PaperFactory(arxiv_id="2608.00014", title="Unrelated botany", published_on=dt.date(2026, 8, 4))
    update_index(rebuild=True)
    return {"hopper": hopper, "by_hopper": by_hopper, "crypto": in_crypto, "folding": folding}


def follow(client, kind, value, **extra):
    return client.post(
        "/following/change", {"kind": kind, "value": value, "action": "follow"}, **extra
    )


def test_a_member_follows_an_author_a_category_and_a_search_and_sees_their_papers(
    member, member_client, catalogue
):
    assert follow(member_client, "author", catalogue["hopper"].pk).status_code == 302
    follow(member_client, "category", "cs.CR")
    follow(member_client, "search", "protein folding")
    page = member_client.get("/following").content.decode()
    titles = ["Compilers for everyone", "Side channels in enclaves", "Protein folding from"]
    assert [page.index(t) for t in titles] == sorted(page.index(t) for t in titles)  # newest first
    assert "by Grace Hopper" in page and "in cs.CR" in page and "matches “protein folding”" in page
    assert "Unrelated botany" not in page
    assert Follow.objects.filter(user=member).count() == 3


def test_following_twice_is_one_follow_and_unfollowing_stops_it(member, member_client, catalogue):
    follow(member_client, "category", "cs.CR")
    follow(member_client, "category", "cs.CR")
    assert Follow.objects.filter(user=member).count() == 1
    member_client.post(
        "/following/change", {"kind": "category", "value": "cs.CR", "action": "unfollow"}
    )
    assert not Follow.objects.filter(user=member).exists()
    assert "Side channels" not in member_client.get("/following").content.decode()


def test_the_follow_button_swaps_in_place_with_htmx(member_client, catalogue):
    author = catalogue["hopper"]
    page = member_client.get(f"/authors/{author.pk}").content.decode()
    assert 'aria-pressed="false"' in page and ">Follow<" in page
    answer = follow(member_client, "author", author.pk, **HTMX).content.decode()
    assert answer.startswith("<form") and 'aria-pressed="true"' in answer and "Following" in answer
    again = member_client.get(f"/authors/{author.pk}").content.decode()
    assert 'aria-pressed="true"' in again


@pytest.mark.parametrize(
    ("kind", "value", "says"),
    [
        ("category", "cs.NOPE", "is not an arXiv category"),
        ("category", "", "is not an arXiv category"),
        ("search", "   ", "Type something"),
        ("search", "x" * 400, "at most 300"),
        ("author", "999999", "No such author"),
        ("author", "1e9", "No such author"),
        ("author", "99999999999999999999999", "No such author"),
        ("author", "\uff11\uff12", "No such author"),  # fullwidth digits
        ("planet", "mars", "Follow an author, a category or a search"),
    ],
)
def test_bad_follows_get_a_clear_error(member, member_client, kind, value, says):
    answer = follow(member_client, kind, value, **HTMX)
    assert answer.status_code == 200
    assert says in answer.content.decode()
    assert not Follow.objects.filter(user=member).exists()


def test_visitors_are_asked_to_log_in(client, catalogue):
    page = client.get("/categories/cs.CR").content.decode()
    assert "Log in to follow" in page
    assert client.get("/following").status_code == 302
    assert (
        client.post("/following/change", {"kind": "category", "value": "cs.CR"}).status_code == 302
    )


def test_the_search_page_offers_to_follow_the_search(member_client, catalogue):
    page = member_client.get("/search", {"q": "protein folding"}).content.decode()
    assert 'name="value" value="protein folding"' in page and "Follow this search" in page


def test_an_author_page_shows_co_authors_and_categories(client, catalogue):
    hopper = catalogue["hopper"]
    paper = catalogue["by_hopper"]
    paper.categories.add(Category.objects.get_or_create(code="cs.PL")[0])
    paper.primary_category = Category.objects.get(code="cs.PL")
    paper.save()
    coauthor = Author.objects.filter(authorships__paper=paper).exclude(pk=hopper.pk).first()
    page = client.get(f"/authors/{hopper.pk}").content.decode()
    assert "Co-authors:" in page and coauthor.name in page
    assert "Categories:" in page and "cs.PL</a> (1)" in page


def bearer(user):
    from community.services.tokens import create_token

    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'tests')[1]}"}


def test_a_token_holder_follows_and_reads_the_papers_through_the_api(client, member, catalogue):
    auth = bearer(member)
    made = client.post(
        "/api/v1/following",
        {"kind": "author", "value": str(catalogue["hopper"].pk)},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201 and made.json()["label"] == "Grace Hopper"
    client.post(
        "/api/v1/following",
        {"kind": "search", "value": "protein folding"},
        content_type="application/json",
        **auth,
    )
    assert [f["kind"] for f in client.get("/api/v1/following", **auth).json()] == [
        "author",
        "search",
    ]
    papers = client.get("/api/v1/following/papers", **auth).json()
    assert [(p["id"], p["why"]) for p in papers] == [
        ("2608.00011", "by Grace Hopper"),
        ("2608.00013", "matches “protein folding”"),
    ]
    bad = client.post(
        "/api/v1/following",
        {"kind": "category", "value": "cs.NOPE"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400 and "not an arXiv category" in bad.json()["detail"]
    assert client.delete(f"/api/v1/following/{made.json()['id']}", **auth).status_code == 204
    assert client.delete(f"/api/v1/following/{made.json()['id']}", **auth).status_code == 404
    assert client.get("/api/v1/following").status_code == 401


def test_a_card_save_link_opens_the_collection_box(client, member_client, catalogue):
    paper = catalogue["folding"]
    box = member_client.get(f"/papers/{paper.arxiv_id}/collect", **HTMX).content.decode()
    assert box.startswith("<form") and 'name="new_name"' in box
    page = member_client.get(f"/papers/{paper.arxiv_id}/collect").content.decode()
    assert "Add to a collection" in page and "Protein folding from sequence" in page
    added = member_client.post(
        f"/papers/{paper.arxiv_id}/collect", {"new_name": "Folding", "next": "/following"}
    )
    assert added.status_code == 302 and added["Location"] == "/following"
    visitor = client.get(f"/papers/{paper.arxiv_id}/collect", **HTMX).content.decode()
    assert "Log in to save" in visitor
    assert client.get(f"/papers/{paper.arxiv_id}/collect").status_code == 302


def test_list_cards_carry_a_save_link(client, catalogue):
    page = client.get("/categories/cs.CR").content.decode()
    assert 'href="/papers/2608.00012/collect"' in page
