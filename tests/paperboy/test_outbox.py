"""Mails that requests cause go through the outbox: with workers, the page answers before
any mail server is asked; a mail server that is down loses nothing (retried with backoff);
a mail claimed by a sender that died is sent once more, and a mail is never sent by two
senders at once."""

from __future__ import annotations

import datetime as dt
import io
import socket

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from paperboy.models import OutboxMail
from paperboy.outbox import queue_mail, send, send_due

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes connections


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


def test_with_workers_the_sign_up_page_answers_before_the_mail_is_sent(
    client, settings, smtp_server
):
    settings.PAPERBOY_MAIL_QUEUE = "worker"
    answer = client.post(
        "/accounts/signup",
        {
            "username": "ada",
            "email": "ada@example.org",
            "password1": "analytical engine 1843",
            "password2": "analytical engine 1843",
        },
    )
    assert answer.status_code in (200, 302)
    assert smtp_server.messages == []
    assert OutboxMail.objects.get().status == "pending"
    call_command("worker", "--once", stdout=io.StringIO())
    (mail,) = smtp_server.to("ada@example.org")
    assert "Confirm your email address" in mail["Subject"]
    assert mail["Message-ID"].startswith("<") and "outbox-" in mail["Message-ID"]
    assert OutboxMail.objects.get().status == "sent"


def test_a_mail_server_that_is_down_loses_nothing(settings, smtp_server):
    settings.PAPERBOY_MAIL_QUEUE = "eager"
    with override_settings(EMAIL_PORT=closed_port()):
        mail = queue_mail("verify", ["grace@example.org"], "Hello", "Body")
    mail.refresh_from_db()
    assert mail.status == "pending" and mail.attempts == 1 and "Connection" in mail.error
    assert mail.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    assert send_due() == 0  # not due yet
    OutboxMail.objects.update(next_attempt_at=timezone.now())
    assert send_due() == 1
    assert len(smtp_server.to("grace@example.org")) == 1
    assert send_due() == 0 and len(smtp_server.messages) == 1


def test_a_dead_senders_mail_is_sent_once_more_and_a_live_ones_is_left_alone(settings, smtp_server):
    settings.PAPERBOY_MAIL_QUEUE = "worker"
    mail = OutboxMail.objects.create(kind="verify", to=["x@example.org"], subject="S", body="B")
    OutboxMail.objects.update(status="sending", claimed_at=timezone.now())
    assert send(mail.pk) is False and smtp_server.messages == []  # someone is sending it
    OutboxMail.objects.update(claimed_at=timezone.now() - dt.timedelta(hours=1))
    assert send(mail.pk) is True and len(smtp_server.messages) == 1
    assert send(mail.pk) is True and len(smtp_server.messages) == 1  # sent: never again
