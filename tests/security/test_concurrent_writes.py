"""Two writers of the same new paper at once (an import beside a harvest, a member's
submission beside an import) both succeed, and the paper exists once with both sources'
fields; two harvests of one set never interleave."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from catalog.models import Authorship, Paper, Source
from catalog.records import PaperRecord
from catalog.services.upsert import write_papers
from catalog.sources.base import SourceError
from paperboy.locks import LockHeld, exclusive

pytestmark = pytest.mark.django_db(transaction=True)


def _arxiv() -> PaperRecord:
    return PaperRecord(
        arxiv_id="2608.77777",
        title="Racing writers",
        abstract="Both arrive at once.",
        authors=["Ada Lovelace", "Alan Turing"],
        categories=["cs.DB"],
        latest_version=1,
    )


def _hf() -> PaperRecord:
    return PaperRecord(
        arxiv_id="2608.77777",
        title="Racing writers",
        code_url="https://github.com/x/race",
        authors=["Ada Lovelace", "Alan Turing"],
    )


def test_two_writers_of_one_new_paper_both_succeed():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent writers (SQLite serialises them)")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(record, source):
        try:
            barrier.wait()
            write_papers([record], source)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=write, args=(_arxiv(), Source.ARXIV_OAI)),
        threading.Thread(target=write, args=(_hf(), Source.HF_DAILY)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    paper = Paper.objects.get(arxiv_id="2608.77777")
    assert paper.abstract == "Both arrive at once."
    assert paper.code_url == "https://github.com/x/race"
    assert Authorship.objects.filter(paper=paper).count() == 2


def test_a_second_harvest_of_the_same_set_is_refused_while_one_runs(settings):
    """The first harvest is another connection (another process, on PostgreSQL)."""
    from catalog.services.harvest import harvest_oai

    settings.PAPERBOY_ARXIV_OAI_URL = "http://127.0.0.1:9/oai"  # never reached
    settings.PAPERBOY_HTTP_RETRIES = 0
    holding, release = threading.Event(), threading.Event()

    def first_harvest():
        with exclusive("harvest oai:cs"):
            holding.set()
            release.wait(30)
        connections.close_all()

    first = threading.Thread(target=first_harvest)
    first.start()
    holding.wait(30)
    try:
        with pytest.raises(SourceError, match="already running"):
            harvest_oai(set_spec="cs", progress=False)
    finally:
        release.set()
        first.join()


def test_the_lock_is_one_holder_at_a_time_and_released_after():
    results: list[str] = []
    with exclusive("job"):
        holder = threading.Thread(target=_try_lock, args=("job", results))
        holder.start()
        holder.join()
    assert results == ["held"]
    again = threading.Thread(target=_try_lock, args=("job", results_after := []))
    again.start()
    again.join()
    assert results_after == ["acquired"]


def _try_lock(name, results):
    try:
        with exclusive(name):
            results.append("acquired")
    except LockHeld:
        results.append("held")
    finally:
        connections.close_all()
