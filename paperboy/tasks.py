"""Background tasks of the site itself (django-tasks): the mail outbox."""

from __future__ import annotations

from django_tasks import task

from paperboy import outbox


@task()
def send_mail_now(pk: int) -> str:
    """Send one mail from the outbox (a failure is retried by the sweep)."""
    return "sent" if outbox.send(pk) else "not sent (retried later)"


@task()
def send_due_mail() -> str:
    """Retry the outbox's mails that are due."""
    return f"sent {outbox.send_due()} mails"
