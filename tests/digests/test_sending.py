import datetime as dt
import re
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client

from digests.models import Delivery, Subscription
from digests.services import sending
from digests.services.building import build_digests
from digests.services.sending import send_pending
from tests.digests.conftest import WEEK_SENT_ON
from tests.factories import DailyListingFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.BASE_URL = "https://papers.example.org"


def test_the_digest_mail_is_multipart_with_list_headers(week_of_papers, smtp_server):
    subscription = SubscriptionFactory(email="reader@example.org", max_papers=3)
    build_digests("weekly", WEEK_SENT_ON)
    assert send_pending().sent == 1
    [mail] = smtp_server.messages
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "week of 17 August 2026" in mail["Subject"]
    assert "Video diffusion with temporal attention" in mail["Subject"]
    # The text part is written for text: wrapped, with every paper and its links.
    for line in text.splitlines():
        assert len(line) <= 78 or re.fullmatch(r"\s*\S+:?\s+https?://\S+|\s*https?://\S+", line)
    assert "1. Video diffusion with temporal attention" in text
    assert "https://papers.example.org/papers/2608.00001" in text
    assert "https://arxiv.org/abs/2608.00001" in text
    assert "https://github.com/example/code" in text
    assert "50 upvotes" in text
    assert "<" not in text.split("--")[0]
    # The HTML part has inline styles, a dark-mode variant, and the same links.
    assert 'style="' in html and "prefers-color-scheme: dark" in html
    assert 'href="https://papers.example.org/papers/2608.00001"' in html
    # List headers: one-click unsubscribe (RFC 8058) with an opaque token, and a mailto.
    unsubscribe = f"https://papers.example.org/digests/unsubscribe/{subscription.token}"
    assert mail["List-Unsubscribe"].strip().startswith(f"<{unsubscribe}>, <mailto:")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Id"] == "Paperboy weekly digest <weekly.digest.papers.example.org>"
    assert mail["Message-ID"].endswith("@papers.example.org>")
    assert unsubscribe in text and "/digests/preferences/" in text
    assert unsubscribe in html and "/digests/preferences/" in html
    delivery = Delivery.objects.get()
    assert delivery.status == "sent" and delivery.message_id == mail["Message-ID"]


def test_one_click_unsubscribe_is_a_plain_post_and_get_changes_nothing(week_of_papers, smtp_server):
    subscription = SubscriptionFactory()
    build_digests("weekly", WEEK_SENT_ON)
    send_pending()
    url = re.search(r"<(https://[^>]+)>", smtp_server.messages[0]["List-Unsubscribe"]).group(1)
    path = url.removeprefix("https://papers.example.org")
    mail_provider = Client(enforce_csrf_checks=True)  # no cookies, no CSRF token
    page = mail_provider.get(path)
    assert page.status_code == 200 and "Unsubscribe" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == "active"  # a link scanner's GET does nothing
    answer = mail_provider.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == "unsubscribed"
    # Nothing more goes out.
    assert build_digests("weekly", WEEK_SENT_ON + dt.timedelta(days=7)).built == 0


def test_temporary_refusals_are_retried_later_with_backoff(week_of_papers, smtp_server, settings):
    settings.PAPERBOY_DIGEST_RETRY_SECONDS = 60
    SubscriptionFactory(email="busy@example.org")
    smtp_server.refuse["busy@example.org"] = "451 4.3.0 Mailbox busy, try later"
    build_digests("weekly", WEEK_SENT_ON)
    with time_machine.travel(dt.datetime(2026, 8, 24, 9, tzinfo=dt.UTC), tick=False) as clock:
        assert send_pending().retrying == 1
        delivery = Delivery.objects.get()
        assert delivery.status == "pending" and delivery.attempts == 1
        assert delivery.next_attempt_at == dt.datetime(2026, 8, 24, 9, 1, tzinfo=dt.UTC)
        assert send_pending().retrying == 0  # not due yet
        clock.shift(61)
        assert send_pending().retrying == 1
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == dt.datetime(2026, 8, 24, 9, 3, 1, tzinfo=dt.UTC)
        del smtp_server.refuse["busy@example.org"]
        clock.shift(121)
        assert send_pending().sent == 1
    assert len(smtp_server.to("busy@example.org")) == 1


def test_a_server_that_refuses_connections_is_retried(week_of_papers, settings):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    SubscriptionFactory()
    build_digests("weekly", WEEK_SENT_ON)
    report = send_pending()
    assert report.retrying == 1 and report.sent == 0
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.next_attempt_at is not None
    assert "ConnectionRefusedError" in delivery.error


def test_permanent_refusals_fail_and_suspend_the_address(week_of_papers, smtp_server, settings):
    settings.PAPERBOY_DIGEST_MAX_HARD_FAILURES = 2
    subscription = SubscriptionFactory(email="gone@example.org", max_papers=1)
    smtp_server.refuse["gone@example.org"] = "550 5.1.1 No such user"
    for week in range(2):
        build_digests("weekly", WEEK_SENT_ON + dt.timedelta(days=7 * week))
        DailyListingFactory(listed_on=dt.date(2026, 8, 27))  # something for the next week
        send_pending()
    subscription.refresh_from_db()
    assert subscription.status == "suspended" and subscription.hard_failures == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"failed"}
    assert "550" in Delivery.objects.first().error


class StopAfter:
    """A mail backend that delivers `limit` messages through SMTP, then the process dies."""

    limit = 0
    delivered = 0

    def __init__(self, **kwargs):
        from django.core.mail.backends.smtp import EmailBackend

        self.inner = EmailBackend(**kwargs)

    def open(self):
        return self.inner.open()

    def close(self):
        return self.inner.close()

    def send_messages(self, messages):
        if StopAfter.delivered >= StopAfter.limit:
            raise KeyboardInterrupt  # Ctrl-C or SIGTERM half-way through a run
        StopAfter.delivered += len(messages)
        return self.inner.send_messages(messages)


def test_an_interrupted_run_resumes_without_loss_or_duplicates(
    week_of_papers, smtp_server, settings
):
    for number in range(7):
        SubscriptionFactory(email=f"reader{number}@example.org")
    build_digests("weekly", WEEK_SENT_ON)
    smtp_backend = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "tests.digests.test_sending.StopAfter"
    StopAfter.limit, StopAfter.delivered = 3, 0
    with pytest.raises(KeyboardInterrupt):
        send_pending()
    assert len(smtp_server.messages) == 3
    assert Delivery.objects.filter(status="sending").count() == 0  # claims handed back
    settings.EMAIL_BACKEND = smtp_backend
    assert send_pending().sent == 4
    addresses = sorted(m["To"] for m in smtp_server.messages)
    assert addresses == sorted(f"reader{n}@example.org" for n in range(7))


def test_a_killed_senders_claims_are_taken_over_after_they_expire(
    week_of_papers, smtp_server, settings
):
    SubscriptionFactory()
    build_digests("weekly", WEEK_SENT_ON)
    _ticket, ids = sending.claim()  # ... and then the process is killed: nothing is released
    assert len(ids) == 1
    assert send_pending().sent == 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(
        seconds=settings.PAPERBOY_DIGEST_CLAIM_SECONDS + 1
    )
    with time_machine.travel(later):
        assert send_pending().sent == 1
    assert len(smtp_server.messages) == 1


def test_the_command_replays_a_period_with_as_of(week_of_papers, smtp_server, capsys):
    SubscriptionFactory(frequency="weekly")
    SubscriptionFactory(frequency="daily")
    DailyListingFactory(listed_on=dt.date(2026, 8, 21))
    # A Monday: the weekly digest covers last week, the daily one Friday to Sunday.
    call_command("digests", "send", "--as-of", "2026-08-24")
    out = capsys.readouterr().out
    assert "sent 2" in out
    call_command("digests", "send", "--as-of", "2026-08-24")
    assert "sent 0" in capsys.readouterr().out and len(smtp_server.messages) == 2


def test_scheduled_sends_wait_for_the_subscribers_hour(week_of_papers, smtp_server):
    from digests.services.scheduling import run_due

    SubscriptionFactory(email="paris@example.org", time_zone="Europe/Paris", send_hour=8)
    SubscriptionFactory(email="ny@example.org", time_zone="America/New_York", send_hour=8)
    with time_machine.travel(dt.datetime(2026, 8, 24, 6, 30, tzinfo=dt.UTC), tick=False):
        run_due(frequencies=["weekly"])  # 08:30 in Paris, 02:30 in New York
    assert [m["To"] for m in smtp_server.messages] == ["paris@example.org"]
    with time_machine.travel(dt.datetime(2026, 8, 24, 12, 30, tzinfo=dt.UTC), tick=False):
        run_due(frequencies=["weekly"])
    assert sorted(m["To"] for m in smtp_server.messages) == ["ny@example.org", "paris@example.org"]


@pytest.mark.django_db(transaction=True)  # the worker closes connections between jobs
def test_the_worker_runs_the_digest_round(week_of_papers, smtp_server, settings):
    SubscriptionFactory(time_zone="UTC", send_hour=0)
    with time_machine.travel(dt.datetime(2026, 8, 24, 9, tzinfo=dt.UTC)):
        call_command("worker", "--once")
    assert len(smtp_server.messages) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_deliver_each_digest_exactly_once(week_of_papers, smtp_server):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent writers")
    for number in range(60):
        SubscriptionFactory(email=f"reader{number}@example.org")
    build_digests("weekly", WEEK_SENT_ON)
    reports = []

    def sender():
        from django.db import connection as own

        try:
            reports.append(send_pending())
        finally:
            own.close()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 60
    message_ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(message_ids) == len(set(message_ids)) == 60
    assert Subscription.objects.count() == 60
