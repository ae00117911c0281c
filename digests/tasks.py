"""Background tasks (django-tasks), run by `paperboy worker`."""

from __future__ import annotations

from django_tasks import task

from digests.services.scheduling import run_due
from digests.services.webhook_rounds import run_webhooks


@task()
def send_due_digests() -> str:
    """Build and send every digest that is due now."""
    reports, sent = run_due()
    return "; ".join([*(str(r) for r in reports if r.period), str(sent)])


@task()
def deliver_webhooks() -> str:
    """Find each webhook's new papers and post them (retries with backoff)."""
    return str(run_webhooks())
