"""Writing collections: create, change, delete, and put papers in and out of them."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from catalog.models import Paper
from community.models import Collection, CollectionItem, User
from community.services.errors import NotAllowed

MAX_COLLECTIONS = 200  # per member
MAX_PAPERS = 5000  # per collection


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise NotAllowed("A collection needs a name.")
    if len(name) > 100:
        raise NotAllowed("A collection's name has at most 100 characters.")
    return name


def _free_slug(owner: User, name: str, keep: Collection | None = None) -> str:
    base = (slugify(name) or "collection")[:90]
    taken = set(
        Collection.objects.filter(owner=owner, slug__startswith=base)
        .exclude(pk=keep.pk if keep else None)
        .values_list("slug", flat=True)
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def create_collection(
    owner: User, name: str, *, description: str = "", public: bool = False
) -> Collection:
    if owner.collections.count() >= MAX_COLLECTIONS:
        raise NotAllowed(f"A member keeps at most {MAX_COLLECTIONS} collections.")
    name = _clean_name(name)
    for _ in range(3):  # two requests may take the same slug at once: the constraint decides
        try:
            with transaction.atomic():
                return Collection.objects.create(
                    owner=owner,
                    name=name,
                    slug=_free_slug(owner, name),
                    description=(description or "").strip()[:2000],
                    public=public,
                )
        except IntegrityError:
            continue
    raise NotAllowed("Could not name the collection; try again.", status=409)


def change_collection(
    collection: Collection,
    *,
    name: str | None = None,
    description: str | None = None,
    public: bool | None = None,
) -> Collection:
    """Rename (the address follows the name), describe, or make public or private."""
    if name is not None:
        collection.name = _clean_name(name)
        collection.slug = _free_slug(collection.owner, collection.name, keep=collection)
    if description is not None:
        collection.description = description.strip()[:2000]
    if public is not None:
        collection.public = public
    collection.save()
    return collection


def add_paper(collection: Collection, paper: Paper, *, note: str | None = None) -> CollectionItem:
    """Put a paper at the end of a collection; a paper already there keeps its place (and
    gets the new note, when one is given)."""
    with transaction.atomic():
        item = CollectionItem.objects.filter(collection=collection, paper=paper).first()
        if item is None:
            if collection.items.count() >= MAX_PAPERS:
                raise NotAllowed(f"A collection holds at most {MAX_PAPERS} papers.")
            last = collection.items.aggregate(last=Max("position"))["last"]
            item, _ = CollectionItem.objects.get_or_create(
                collection=collection,
                paper=paper,
                defaults={"note": (note or "")[:2000], "position": (last or 0) + 1},
            )
        elif note is not None:
            item.note = note[:2000]
            item.save(update_fields=["note"])
        collection.save(update_fields=["updated"])
    return item


def remove_paper(collection: Collection, paper: Paper) -> bool:
    removed, _ = CollectionItem.objects.filter(collection=collection, paper=paper).delete()
    if removed:
        collection.save(update_fields=["updated"])
    return bool(removed)


def move_paper(collection: Collection, paper: Paper, step: int) -> None:
    """Move a paper `step` places (negative: towards the top), stopping at either end."""
    order = list(
        collection.items.order_by("position", "added", "pk").values_list(
            "paper__arxiv_id", flat=True
        )
    )
    if paper.arxiv_id not in order:
        raise NotAllowed("That paper is not in this collection.")
    at = order.index(paper.arxiv_id)
    order.insert(max(0, min(len(order) - 1, at + step)), order.pop(at))
    reorder(collection, order)


def reorder(collection: Collection, arxiv_ids: list[str]) -> None:
    """Put the named papers first, in this order; the others follow in their old order."""
    items = list(collection.items.select_related("paper"))
    wanted = {arxiv_id: place for place, arxiv_id in enumerate(dict.fromkeys(arxiv_ids))}
    unknown = set(wanted) - {item.paper.arxiv_id for item in items}
    if unknown:
        raise NotAllowed(f"Not in this collection: {', '.join(sorted(unknown))}.")
    items.sort(key=lambda item: (wanted.get(item.paper.arxiv_id, len(wanted)), item.position))
    for position, item in enumerate(items, start=1):
        item.position = position
    with transaction.atomic():
        CollectionItem.objects.bulk_update(items, ["position"])
        collection.save(update_fields=["updated"])
