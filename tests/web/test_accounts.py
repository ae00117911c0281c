"""Sign-up, email verification through a real SMTP server, log-in limits, password reset."""

import pytest
from django.core.cache import cache

from community.models import User
from community.services.accounts import verification_link
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def sign_up(client, username="newbie", email="newbie@example.org"):
    return client.post(
        "/accounts/signup",
        {
            "username": username,
            "email": email,
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
        },
    )


def test_sign_up_mails_a_link_that_verifies_the_address(client, smtp_server, settings):
    settings.BASE_URL = "http://testserver"
    response = sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.email_verified_at is None
    assert user.password.startswith("argon2")

    message = smtp_server.messages[-1]
    assert message["To"] == "newbie@example.org"
    link = smtp_server.links()[0]
    assert client.get(link.removeprefix("http://testserver")).status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_a_tampered_verification_link_is_refused(client, member):
    path = "/" + verification_link(member).split("://", 1)[1].split("/", 1)[1]
    assert client.get(path[:-4] + "AAAA").status_code == 400


def test_an_address_can_only_sign_up_once(client, member, smtp_server):
    response = sign_up(client, username="twin", email=member.email.upper())
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_sign_ups_are_rate_limited(client, smtp_server, settings):
    settings.PAPERBOY_RATE_SIGNUP = 2
    for number in range(2):
        client.logout()
        sign_up(client, username=f"user{number}", email=f"user{number}@example.org")
    client.logout()
    response = sign_up(client, username="user9", email="user9@example.org")
    assert "Too many sign-ups" in response.content.decode()
    assert not User.objects.filter(username="user9").exists()


def test_log_in_is_rate_limited(client, settings):
    settings.PAPERBOY_RATE_LOGIN = 3
    UserFactory(username="target")
    for _ in range(3):
        client.post("/accounts/login", {"username": "target", "password": "wrong"})
    response = client.post(
        "/accounts/login", {"username": "target", "password": "correct horse battery staple"}
    )
    assert "Too many login attempts" in response.content.decode()


def test_placeholders_cannot_log_in(client):
    placeholder = UserFactory(username="imported", is_placeholder=True)
    placeholder.set_unusable_password()
    placeholder.save()
    response = client.post("/accounts/login", {"username": "imported", "password": ""})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_password_reset_mails_a_working_link(client, smtp_server):
    UserFactory(username="forgetful", email="forgetful@example.org")
    client.post("/accounts/password-reset", {"email": "forgetful@example.org"})
    link = smtp_server.links()[0]
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()


def test_password_reset_does_not_reveal_unknown_addresses(client, smtp_server):
    response = client.post("/accounts/password-reset", {"email": "nobody@example.org"})
    assert response.status_code == 302 and smtp_server.messages == []


def test_profiles_show_a_members_papers_and_tokens_only_to_themselves(client, member, other_member):
    client.force_login(member)
    client.post("/accounts/tokens", {"name": "laptop"})
    own = client.get(f"/members/{member.username}").content.decode()
    assert "laptop" in own
    client.force_login(other_member)
    assert "laptop" not in client.get(f"/members/{member.username}").content.decode()


@pytest.mark.parametrize("lookalike", ["probe_\u0430lice", "Probe_Alice", "probe_alice\u200b"])
def test_look_alike_user_names_are_refused(client, lookalike):
    """A Cyrillic a (U+0430), a change of case, or an invisible character beside `probe_alice`."""
    UserFactory(username="probe_alice")
    response = sign_up(client, username=lookalike, email="other@example.org")
    assert response.status_code == 200  # the form again, with the error
    assert not User.objects.filter(username=lookalike).exists()
