import pytest

from tests.factories import DailyListingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/paper/",
        "/admin/catalog/author/",
        "/admin/catalog/importrun/",
        "/admin/community/user/",
        "/admin/community/dailylisting/",
    ],
)
def test_curators_can_browse_records_in_the_admin(client, django_user_model, url):
    DailyListingFactory()
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-123-abc")
    client.force_login(admin)
    assert client.get(url).status_code == 200


def test_a_paper_can_be_opened_for_fixing(client, django_user_model):
    listing = DailyListingFactory()
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-123-abc")
    client.force_login(admin)
    page = client.get(f"/admin/catalog/paper/{listing.paper.pk}/change/")
    assert page.status_code == 200 and listing.paper.title in page.content.decode()


def test_members_cannot_open_the_admin(member_client):
    assert member_client.get("/admin/catalog/paper/").status_code == 302
