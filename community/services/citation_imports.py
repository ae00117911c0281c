"""Importing a reference manager's export (BibTeX or RIS) into a collection.

The request only reads the file, so a bad one gets its error at once, and queues the rest:
`paperboy worker` matches each entry to the catalogue (arXiv id, then DOI, then title),
fetches from arXiv the papers it names that the catalogue lacks, adds them all in the
file's order, and writes a report of what matched, what was fetched and what was not found.
Running the task again (after a crash) redoes it: adding is idempotent.
"""

from __future__ import annotations

import dataclasses

from django.db import transaction
from django.utils import timezone

from catalog.models import Paper
from catalog.queries import match_citations
from catalog.services.fetch import fetch_arxiv_paper
from catalog.sources.base import SourceError
from catalog.sources.citation_files import CitationFileError, CitedWork, read_citation_file
from community.models import CitationImport, Collection, User
from community.services.collections import add_paper
from community.services.errors import NotAllowed
from paperboy.ratelimit import allow
from search.queries import paper_titled

MAX_FETCHES = 100  # arXiv lookups per import; arXiv asks API clients to go slowly
IMPORTS_PER_HOUR = 10


def start_import(
    user: User, collection: Collection, data: bytes, filename: str = ""
) -> CitationImport:
    """Read the file and queue its import into `collection` (the member's own). NotAllowed
    says why a file cannot be read."""
    from community.tasks import import_citations  # tasks import this module

    if collection.owner_id != user.pk:
        raise NotAllowed("No such collection.", status=404)
    if not allow("citation-import", str(user.pk), IMPORTS_PER_HOUR, 3600):
        raise NotAllowed(
            f"At most {IMPORTS_PER_HOUR} imports an hour; try again later.", status=429
        )
    try:
        parsed = read_citation_file(data)
    except CitationFileError as error:
        raise NotAllowed(str(error)) from None
    with transaction.atomic():
        job = CitationImport.objects.create(
            collection=collection,
            owner=user,
            filename=(filename or "")[:255],
            format=parsed.format,
            entries=[dataclasses.asdict(work) for work in parsed.works],
            unreadable=parsed.unreadable,
        )
        transaction.on_commit(lambda: import_citations.enqueue(job.pk))
    return job


def complete_import(import_id: int) -> CitationImport:
    """The background half: match, fetch, add, report."""
    job = CitationImport.objects.select_related("collection").get(pk=import_id)
    if job.status == CitationImport.Status.DONE:
        return job
    works = [CitedWork(**entry) for entry in job.entries]
    matches = _matched(works)
    catalogued = Paper.objects.in_bulk([pk for pk, _ in matches if pk])
    papers = [catalogued.get(pk) for pk, _ in matches]  # one per entry, None when unmatched
    report = [
        _outcome(work, paper, how)
        for work, paper, (_, how) in zip(works, papers, matches, strict=True)
    ]
    _fetch_missing(works, papers, report)
    _add_found(job.collection, papers, report)
    job.report, job.status, job.finished = report, CitationImport.Status.DONE, timezone.now()
    job.save(update_fields=["report", "status", "finished"])
    return job


def _matched(works: list[CitedWork]) -> list[tuple[int | None, str]]:
    """Catalogue matches; titles the database did not match exactly go through the keyword
    index, which forgives punctuation and LaTeX."""
    found = match_citations(works)
    for number, (work, (pk, _)) in enumerate(zip(works, found, strict=True)):
        if pk is None and work.title and not work.arxiv_id:
            titled = paper_titled(work.title)
            if titled is not None:
                found[number] = (titled, "title")
    return found


def _outcome(work: CitedWork, paper: Paper | None, how: str) -> dict:
    return {
        "key": work.key,
        "title": work.title,
        "arxiv_id": work.arxiv_id,
        "outcome": "matched" if paper else "not found",
        "how": how,
        "paper": None,  # the paper's arXiv id, once it is in the collection
        "why": "" if paper else _why_not(work),
    }


def _why_not(work: CitedWork) -> str:
    if work.arxiv_id:
        return "not in the catalogue"
    if work.doi or work.title:
        return "no paper in the catalogue has this DOI or title"
    return "the entry names no arXiv id, DOI or title"


def _fetch_missing(works: list[CitedWork], papers: list[Paper | None], report: list[dict]) -> None:
    """Look up on arXiv the papers entries name by arXiv id that the catalogue lacks."""
    fetched = 0
    for number, (work, outcome) in enumerate(zip(works, report, strict=True)):
        if papers[number] or not work.arxiv_id:
            continue
        if fetched >= MAX_FETCHES:
            outcome["why"] = f"over the {MAX_FETCHES} arXiv lookups one import may make"
            continue
        fetched += 1
        try:
            papers[number] = fetch_arxiv_paper(work.arxiv_id)
        except SourceError:
            outcome["why"] = "arXiv could not be reached; import the file again later"
            continue
        if papers[number] is None:
            outcome["why"] = f"arXiv has no paper {work.arxiv_id}"
        else:
            outcome.update(outcome="fetched", how="arXiv id", why="")


def _add_found(collection: Collection, papers: list[Paper | None], report: list[dict]) -> None:
    for paper, outcome in zip(papers, report, strict=True):
        if paper is None:
            continue
        try:
            add_paper(collection, paper)
        except NotAllowed as refusal:  # the collection is full
            outcome.update(outcome="not found", why=refusal.message)
        outcome["paper"] = paper.arxiv_id
