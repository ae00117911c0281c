"""Background tasks of the catalogue (django-tasks): the scheduled harvests, run by
`paperboy worker` from the schedule in paperboy/schedule.py."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from catalog.services.harvest import harvest_oai
from catalog.services.imports import run_import
from catalog.sources.arxiv_rss import ArxivRssSource


@task()
def harvest_oai_round() -> str:
    """Harvest what arXiv added or changed since the last completed OAI-PMH harvest."""
    run = harvest_oai(set_spec=settings.PAPERBOY_HARVEST_OAI_SET or None)
    return f"{run.source}: {run.summary}"


@task()
def harvest_rss_round(category: str) -> str:
    """Import a category's arXiv RSS listing (new papers of the day)."""
    run = run_import(ArxivRssSource.open(category), progress=False)
    return f"{run.source}: {run.summary}"
