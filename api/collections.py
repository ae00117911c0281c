"""/api/v1/collections: a token holder's collections and the papers in them."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from api.auth import TokenAuth
from api.errors import allowed
from api.schemas import AuthorOut, ErrorOut, Out
from catalog.ids import InvalidArxivId, parse_arxiv_id
from catalog.models import Paper
from catalog.sources.citation_files import MAX_BYTES
from community.models import CitationImport, Collection
from community.queries import collection_items, collections_of
from community.services import collections as service
from community.services.citation_imports import start_import

router = Router(tags=["collections"], auth=TokenAuth())
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


class CollectionIn(Schema):
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    public: bool = False


class CollectionPatch(Schema):
    name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=2000)
    public: bool | None = None


class PaperIn(Schema):
    paper: str = Field(..., max_length=200, description="An arXiv id or URL in the catalogue.")
    note: str | None = Field(None, max_length=2000)


class CollectedPaperOut(Out):
    id: str
    title: str
    authors: list[AuthorOut]
    note: str
    position: int
    added: str


class CollectionOut(Out):
    id: int
    name: str
    slug: str
    description: str
    public: bool
    url: str
    papers: int
    updated: str


class ImportedEntryOut(Out):
    key: str
    title: str
    arxiv_id: str
    outcome: str = Field(description="matched, fetched (from arXiv) or not found")
    how: str = Field(description="arXiv id, DOI or title, for matched and fetched entries")
    paper: str | None = Field(description="The paper's arXiv id, when one was added")
    why: str


class ImportOut(Out):
    id: int
    collection: int
    format: str
    filename: str
    status: str = Field(description="queued until the background import is done")
    entries: int
    unreadable: int
    counts: dict[str, int]
    report: list[ImportedEntryOut]
    location: str


class CollectionDetailOut(CollectionOut):
    items: list[CollectedPaperOut]


def _summary(request: HttpRequest, collection: Collection, papers: int) -> dict:
    return {
        "id": collection.pk,
        "name": collection.name,
        "slug": collection.slug,
        "description": collection.description,
        "public": collection.public,
        "url": request.build_absolute_uri(collection.get_absolute_url()),
        "papers": papers,
        "updated": collection.updated.isoformat(),
    }


def _detail(request: HttpRequest, collection: Collection) -> dict:
    items = [
        {
            "id": item.paper.arxiv_id,
            "title": item.paper.title,
            "authors": [{"name": a.author.name} for a in item.paper.authorships.all()],
            "note": item.note,
            "position": item.position,
            "added": item.added.isoformat(),
        }
        for item in collection_items(collection)
    ]
    return {**_summary(request, collection, len(items)), "items": items}


def _own(request: HttpRequest, pk: int) -> Collection:
    """The token holder's collection; someone else's is as absent as a missing one."""
    found = Collection.objects.select_related("owner").filter(pk=pk, owner=request.auth).first()
    if found is None:
        raise HttpError(404, f"You have no collection {pk}.")
    return found


def _catalogued(text: str) -> Paper:
    try:
        arxiv_id = parse_arxiv_id(text).base
    except InvalidArxivId as error:
        raise HttpError(400, str(error)) from None
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise HttpError(404, f"No paper {arxiv_id} in the catalogue (submit it first).")
    return paper


@router.get("/v1/collections", response={200: list[CollectionOut], **ERRORS})
def list_collections(request: HttpRequest):
    """The token holder's collections, public and private, most recently changed first."""
    return [_summary(request, c, c.papers) for c in collections_of(request.auth, request.auth)]


@router.post("/v1/collections", response={201: CollectionDetailOut, **ERRORS})
def create(request: HttpRequest, body: CollectionIn):
    """A new collection (private unless `public`); its address follows from its name."""
    collection = allowed(
        service.create_collection,
        request.auth,
        body.name,
        description=body.description,
        public=body.public,
    )
    return Status(201, _detail(request, collection))


@router.get("/v1/collections/{int:pk}", response={200: CollectionDetailOut, **ERRORS})
def detail(request: HttpRequest, pk: int):
    """One of the token holder's collections with its papers in order and their notes."""
    return _detail(request, _own(request, pk))


@router.patch("/v1/collections/{int:pk}", response={200: CollectionDetailOut, **ERRORS})
def change(request: HttpRequest, pk: int, body: CollectionPatch):
    """Rename, describe, or make public or private (absent fields stay as they are)."""
    collection = allowed(
        service.change_collection,
        _own(request, pk),
        name=body.name,
        description=body.description,
        public=body.public,
    )
    return _detail(request, collection)


@router.delete("/v1/collections/{int:pk}", response={204: None, **ERRORS})
def delete(request: HttpRequest, pk: int):
    """Delete the collection (the papers stay in the catalogue)."""
    _own(request, pk).delete()
    return Status(204, None)


@router.post("/v1/collections/{int:pk}/papers", response={201: CollectionDetailOut, **ERRORS})
def add(request: HttpRequest, pk: int, body: PaperIn):
    """Add a paper at the end (one already there keeps its place and gets the new note)."""
    collection = _own(request, pk)
    allowed(service.add_paper, collection, _catalogued(body.paper), note=body.note)
    return Status(201, _detail(request, collection))


@router.delete("/v1/collections/{int:pk}/papers/{path:arxiv_id}", response={204: None, **ERRORS})
def remove(request: HttpRequest, pk: int, arxiv_id: str):
    """Take a paper out of the collection."""
    collection = _own(request, pk)
    if not service.remove_paper(collection, _catalogued(arxiv_id)):
        raise HttpError(404, f"{arxiv_id} is not in this collection.")
    return Status(204, None)


def _import_out(job: CitationImport) -> dict:
    return {
        "id": job.pk,
        "collection": job.collection_id,
        "format": job.format,
        "filename": job.filename,
        "status": job.status,
        "entries": len(job.entries),
        "unreadable": job.unreadable,
        "counts": job.counts(),
        "report": job.report,
        "location": f"/api/v1/collections/{job.collection_id}/imports/{job.pk}",
    }


@router.post("/v1/collections/{int:pk}/imports", response={202: ImportOut, **ERRORS})
def import_file(request: HttpRequest, pk: int, file: File[UploadedFile]):
    """Import a BibTeX or RIS file (multipart field `file`, up to 2 MB): entries are matched
    by arXiv id, then DOI, then title, and missing arXiv papers are fetched in the
    background. Follow `location` until `status` is `done` for the report."""
    collection = _own(request, pk)
    data = file.read(MAX_BYTES + 1)
    job = allowed(start_import, request.auth, collection, data, file.name or "")
    return Status(202, _import_out(job))


@router.get("/v1/collections/{int:pk}/imports/{int:number}", response={200: ImportOut, **ERRORS})
def import_report(request: HttpRequest, pk: int, number: int):
    """Where an import stands, and once done, what became of each entry."""
    job = CitationImport.objects.filter(pk=number, collection__pk=pk, owner=request.auth).first()
    if job is None:
        raise HttpError(404, f"You have no import {number} into collection {pk}.")
    return _import_out(job)
