"""Background tasks of the community app (django-tasks), run by `paperboy worker`."""

from __future__ import annotations

from django_tasks import task

from community.services.author_notices import run_author_notices
from community.services.citation_imports import complete_import
from community.services.submissions import complete_submission


@task()
def fetch_submission(submission_id: int) -> str:
    """Fetch a submitted paper from arXiv and list it (or record why not)."""
    submission = complete_submission(submission_id)
    return f"{submission.arxiv_id}: {submission.status} {submission.message}".strip()


@task()
def import_citations(import_id: int) -> str:
    """Match a BibTeX or RIS import to the catalogue, fetch what is missing, fill the
    collection and write the report."""
    job = complete_import(import_id)
    return f"import {job.pk}: {job.counts()}"


@task()
def notify_claimed_authors() -> str:
    """Mail claimed authors who opted in when one of their papers is listed or trends."""
    return run_author_notices()
