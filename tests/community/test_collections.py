"""A member keeps papers in collections: through the API with a token, and on the site with
plain forms; public ones have a page, feeds and citations, private ones stay private."""

import json

import bibtexparser
import feedparser
import pytest
from django.core.cache import cache

from community.models import Collection
from community.services.collections import add_paper, create_collection
from community.services.tokens import create_token
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def papers():
    return [
        PaperFactory(arxiv_id=f"2401.0000{n}", title=f"Paper number {n}", with_authors=2)
        for n in range(1, 4)
    ]


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'tests')[1]}"}


def test_a_token_holder_builds_a_collection_through_the_api(client, member, papers):
    auth = bearer(member)
    made = client.post(
        "/api/v1/collections",
        {"name": "Reading group: week 1", "public": True},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201
    pk, url = made.json()["id"], made.json()["url"]
    assert url.endswith("/collections/member/reading-group-week-1")
    for paper in papers[::-1]:
        response = client.post(
            f"/api/v1/collections/{pk}/papers",
            {"paper": f"https://arxiv.org/abs/{paper.arxiv_id}v2", "note": "read first"},
            content_type="application/json",
            **auth,
        )
        assert response.status_code == 201
    items = client.get(f"/api/v1/collections/{pk}", **auth).json()["items"]
    assert [i["id"] for i in items] == ["2401.00003", "2401.00002", "2401.00001"]
    assert items[0]["note"] == "read first" and items[0]["authors"]
    gone = client.delete(f"/api/v1/collections/{pk}/papers/2401.00002", **auth)
    assert gone.status_code == 204
    renamed = client.patch(
        f"/api/v1/collections/{pk}", {"name": "Week one"}, content_type="application/json", **auth
    ).json()
    assert renamed["slug"] == "week-one" and renamed["papers"] == 2
    listed = client.get("/api/v1/collections", **auth).json()
    assert [c["name"] for c in listed] == ["Week one"]
    assert client.delete(f"/api/v1/collections/{pk}", **auth).status_code == 204
    assert Collection.objects.count() == 0


def test_the_api_refuses_what_it_cannot_do_with_a_clear_error(client, member, other_member):
    auth = bearer(member)
    assert client.get("/api/v1/collections").status_code == 401
    theirs = create_collection(other_member, "Secret")
    assert client.get(f"/api/v1/collections/{theirs.pk}", **auth).status_code == 404
    mine = create_collection(member, "Mine")
    for body, status in (
        ({"paper": "not an id"}, 400),
        ({"paper": "2401.99999"}, 404),
    ):
        response = client.post(
            f"/api/v1/collections/{mine.pk}/papers", body, content_type="application/json", **auth
        )
        assert response.status_code == status and response.json()["detail"]
    blank = client.post(
        "/api/v1/collections", {"name": "   "}, content_type="application/json", **auth
    )
    assert blank.status_code == 400 and "name" in blank.json()["detail"]


def test_names_get_distinct_addresses_and_a_paper_is_kept_once(member, papers):
    first, second = create_collection(member, "Ideas"), create_collection(member, "Ideas")
    assert (first.slug, second.slug) == ("ideas", "ideas-2")
    add_paper(first, papers[0], note="one")
    add_paper(first, papers[0], note="two")
    assert first.items.count() == 1 and first.items.get().note == "two"


def test_a_public_collection_has_a_page_feeds_and_citations(client, member, papers):
    collection = create_collection(member, "Diffusion", description="Good ones", public=True)
    for paper in papers:
        add_paper(collection, paper, note=f"why {paper.arxiv_id}")
    page = client.get("/collections/member/diffusion").content.decode()
    assert all(p.title in page for p in papers) and "why 2401.00001" in page
    feed = feedparser.parse(client.get("/collections/member/diffusion.rss").content)
    assert len(feed.entries) == 3 and feed.feed.title.startswith("Diffusion")
    atom = feedparser.parse(client.get("/collections/member/diffusion.atom").content)
    assert len(atom.entries) == 3
    entries = bibtexparser.parse_string(
        client.get("/collections/member/diffusion.bib").content.decode()
    ).entries
    assert [e.fields_dict["eprint"].value for e in entries] == [p.arxiv_id for p in papers]
    csl = json.loads(client.get("/collections/member/diffusion.json").content)
    assert len(csl) == 3
    profile = client.get("/members/member").content.decode()
    assert "/collections/member/diffusion" in profile


def test_a_private_collection_is_absent_for_everyone_but_its_owner(client, member, papers):
    collection = create_collection(member, "Private notes")
    add_paper(collection, papers[0])
    for url in ("", ".rss", ".bib"):
        assert client.get(f"/collections/member/private-notes{url}").status_code == 404
    assert "private-notes" not in client.get("/members/member").content.decode()
    client.force_login(member)
    assert client.get("/collections/member/private-notes").status_code == 200
    assert "/collections/member/private-notes" in client.get("/members/member").content.decode()
    assert client.get("/collections/member/private-notes.rss").status_code == 404  # feeds: public


def test_a_member_collects_orders_and_annotates_with_plain_forms(client, member, papers):
    client.force_login(member)
    made = client.post("/collections", {"name": "To read"})
    collection = Collection.objects.get()
    assert made.url == "/collections/member/to-read"
    page = client.get(f"/papers/{papers[0].arxiv_id}").content.decode()
    assert 'action="/papers/2401.00001/collect"' in page and "To read" in page
    for paper in papers:
        client.post(f"/papers/{paper.arxiv_id}/collect", {"collection": collection.pk})
    client.post(f"/papers/{papers[0].arxiv_id}/collect", {"new_name": "Another"})
    assert Collection.objects.filter(name="Another").get().items.count() == 1
    change = f"/collections/{collection.pk}/change"
    client.post(change, {"action": "up", "paper": "2401.00003"})
    client.post(change, {"action": "note", "paper": "2401.00001", "note": "start here"})
    client.post(change, {"action": "remove", "paper": "2401.00002"})
    order = [i.paper.arxiv_id for i in collection.items.select_related("paper")]
    assert order == ["2401.00001", "2401.00003"]
    assert collection.items.get(paper__arxiv_id="2401.00001").note == "start here"
    client.post(change, {"action": "edit", "name": "Now reading", "public": "1"})
    collection.refresh_from_db()
    assert (collection.slug, collection.public) == ("now-reading", True)
    htmx = client.post(
        f"/papers/{papers[1].arxiv_id}/collect",
        {"collection": collection.pk},
        HTTP_HX_REQUEST="true",
    )
    assert "Added to Now reading" in htmx.content.decode()


def test_no_one_changes_anothers_collection(client, member, other_member, papers):
    theirs = create_collection(other_member, "Theirs", public=True)
    client.force_login(member)
    assert client.post(f"/collections/{theirs.pk}/change", {"action": "delete"}).status_code == 404
    client.post(f"/papers/{papers[0].arxiv_id}/collect", {"collection": theirs.pk})
    assert theirs.items.count() == 0 and Collection.objects.filter(pk=theirs.pk).exists()
    assert client.post("/collections", {"name": "x"}).status_code == 302
    client.logout()
    assert client.post("/collections", {"name": "y"}).status_code == 302  # to log in
    assert Collection.objects.filter(name="y").count() == 0
