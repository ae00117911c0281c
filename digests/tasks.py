"""Background tasks (django-tasks), run by `paperboy worker`."""

from __future__ import annotations

from django_tasks import task

from digests.services.scheduling import run_due


@task()
def send_due_digests() -> str:
    """Build and send every digest that is due now."""
    reports, sent = run_due()
    return "; ".join([*(str(r) for r in reports if r.period), str(sent)])
