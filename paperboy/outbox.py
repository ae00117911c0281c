"""Mail from requests goes through an outbox and the queue.

`queue_mail` writes the mail in the request's transaction and, once that commits, queues
`paperboy.tasks.send_mail_now` for it (PAPERBOY_MAIL_QUEUE=worker), or makes the first
attempt itself and leaves retries to the queue (`eager`, the tests' mode). A send claims
its row first (a conditional update), so a mail goes once whichever of the task, a retry
sweep or a second worker gets to it; a claim older than PAPERBOY_DIGEST_CLAIM_SECONDS is
a dead sender's and is tried again, with the same Message-ID. A temporary failure waits
1, 2, 4 ... minutes (up to an hour); after MAX_ATTEMPTS the mail is marked failed."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from paperboy.claims import due_or_abandoned
from paperboy.models import OutboxMail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def queue_mail(kind: str, to: list[str], subject: str, body: str, html: str = "") -> OutboxMail:
    mail = OutboxMail.objects.create(
        kind=kind, to=to, subject=" ".join(subject.split())[:300], body=body, html=html
    )
    if settings.PAPERBOY_MAIL_QUEUE == "eager":
        _dispatch(mail.pk)  # at once, on this connection (the row need not be committed)
    else:
        transaction.on_commit(lambda: _dispatch(mail.pk))  # a worker must see the row
    return mail


def _dispatch(pk: int) -> None:
    from paperboy.tasks import send_mail_now

    if settings.PAPERBOY_MAIL_QUEUE == "eager" and send(pk):
        return
    send_mail_now.enqueue(pk)


def _sendable(now: dt.datetime) -> Q:
    return due_or_abandoned(now)


def send(pk: int) -> bool:
    """Send one mail if it is due and no one else is sending it; True once it is sent."""
    now = timezone.now()
    claimed = OutboxMail.objects.filter(Q(pk=pk) & _sendable(now)).update(
        status=OutboxMail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    mail = OutboxMail.objects.get(pk=pk)
    if not claimed:
        return mail.status == OutboxMail.Status.SENT
    domain = settings.BASE_URL.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    message = EmailMultiAlternatives(
        mail.subject,
        mail.body,
        to=mail.to,
        headers={"Message-ID": make_msgid(f"outbox-{mail.pk}", domain=domain)},
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    try:
        message.send()
    except OSError as error:  # smtplib's errors are OSErrors too
        _failed(mail, error)
        return False
    OutboxMail.objects.filter(pk=pk).update(
        status=OutboxMail.Status.SENT, sent_at=timezone.now(), error=""
    )
    return True


def _failed(mail: OutboxMail, error: Exception) -> None:
    gave_up = mail.attempts >= MAX_ATTEMPTS
    delay = min(60 * 2 ** (mail.attempts - 1), 3600)
    OutboxMail.objects.filter(pk=mail.pk).update(
        status=OutboxMail.Status.FAILED if gave_up else OutboxMail.Status.PENDING,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=delay),
        error=f"{type(error).__name__}: {error}"[:500],
    )
    log.warning("mail %s (%s) not sent, attempt %d: %s", mail.pk, mail.kind, mail.attempts, error)


def send_due(limit: int = 200) -> int:
    """The retry sweep: send every mail that is due; returns how many went."""
    due = OutboxMail.objects.filter(_sendable(timezone.now())).order_by("pk")
    return sum(send(pk) for pk in list(due.values_list("pk", flat=True)[:limit]))
