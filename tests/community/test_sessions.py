"""Sessions are Django's database sessions read with one plain statement
(community/sessions.py): the same behaviour, cheaper on every member's request."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.contrib.sessions.backends.db import SessionStore as StockStore
from django.contrib.sessions.models import Session

from community.sessions import SessionStore


def test_a_signed_in_member_is_known_on_every_page(client, member):
    client.force_login(member)
    assert member.username.encode() in client.get("/papers").content


def test_a_session_made_by_djangos_own_engine_keeps_working(client, member):
    """Sessions made before the switch (stock engine, same table) still sign members in."""
    client.force_login(member)
    stock = StockStore(session_key=client.cookies["sessionid"].value)
    assert SessionStore(session_key=stock.session_key).load() == stock.load()


def test_an_expired_session_is_anonymous_and_its_key_forgotten(client, member):
    with time_machine.travel("2026-08-21 09:00:00+00:00") as clock:
        client.force_login(member)
        key = client.cookies["sessionid"].value
        clock.shift(dt.timedelta(weeks=3))  # past SESSION_COOKIE_AGE (two weeks)
        store = SessionStore(session_key=key)
        assert store.load() == {}
        assert store.session_key is None  # a new key is made if it is saved
        assert member.username.encode() not in client.get("/papers").content


def test_an_unknown_session_key_is_anonymous(client, member):
    client.cookies["sessionid"] = "x" * 32
    assert member.username.encode() not in client.get("/papers").content
    assert not Session.objects.filter(session_key="x" * 32).exists()
