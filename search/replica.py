"""A node's search replica: where its keyword and vector indexes stand against the catalogue.

Every app node keeps its own indexes on local disk and follows the database by itself
(`paperboy index follow`), so each index folder carries its own watermark, in a small JSON
file written after the index it describes has committed (to a temporary name, flushed, then
renamed over the old one). The watermark is therefore never ahead of its index: a crash
between the index's commit and the file's rename leaves the older watermark, and the next
update redoes a little work (documents are replaced, deletions repeated) and misses nothing.
Replicas share nothing but the database; copying a folder (`paperboy index snapshot`) copies
its watermark with it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Min
from django.utils import timezone

FILE_NAME = "watermark.json"


@dataclass(frozen=True)
class Watermark:
    """How far an index has followed the catalogue."""

    indexed_until: dt.datetime | None = None  # the newest paper change it holds
    checked_at: dt.datetime | None = None  # when the update that wrote it started
    documents: int = 0
    epoch: str = ""  # the catalogue's epoch it followed (see current_epoch)

    def as_json(self) -> dict:
        return {
            "indexed_until": self.indexed_until.isoformat() if self.indexed_until else None,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "documents": self.documents,
            "epoch": self.epoch,
        }


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def read(path: Path) -> Watermark | None:
    """The watermark kept at `path` (a file), or None when there is none or it is unreadable
    (the index is then updated from scratch)."""
    try:
        data = json.loads(path.read_text())
        return Watermark(
            indexed_until=_moment(data.get("indexed_until")),
            checked_at=_moment(data.get("checked_at")),
            documents=int(data.get("documents") or 0),
            epoch=str(data.get("epoch") or ""),
        )
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def write(path: Path, mark: Watermark) -> None:
    """Replace the watermark at `path` atomically (never a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with partial.open("w") as out:
        json.dump(mark.as_json(), out)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)


EPOCH = "catalogue-epoch"


def current_epoch() -> str:
    """The catalogue's epoch: changed when a backup is restored (`paperboy restore`), since
    the restored catalogue is not a later state of the one the replicas followed (papers
    may have gone without tombstones, times gone back). A replica of another epoch is
    rebuilt by its next update."""
    from search.models import IndexState

    row = IndexState.objects.filter(name=EPOCH).values_list("cursor", flat=True).first()
    return str(row or "")


def new_epoch() -> str:
    """Start a new catalogue epoch; every replica rebuilds on its next update."""
    import uuid

    from search.models import IndexState

    epoch = uuid.uuid4().hex
    IndexState.objects.update_or_create(name=EPOCH, defaults={"cursor": epoch})
    return epoch


RECENT_FILE = "recent.json"


def read_recent(path: Path) -> dict[str, str]:
    """{paper id: modified} of the papers an index took in within its look-back window
    (kept beside the watermark, read by updates only: it can hold many thousand entries)."""
    try:
        data = json.loads(path.read_text())
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_recent(path: Path, recent: dict[str, str]) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(recent))
    partial.replace(path)


def lag_seconds(mark: Watermark | None, now: dt.datetime | None = None) -> float | None:
    """How long the oldest change the index has not taken in has waited (0 when it has them
    all); None when there is no index while the catalogue has papers."""
    from catalog.models import Paper, PaperTombstone

    now = now or timezone.now()
    if mark is None or mark.indexed_until is None:
        return None if Paper.objects.exists() else 0.0
    waiting = [
        Paper.objects.filter(modified__gt=mark.indexed_until).aggregate(t=Min("modified"))["t"],
        PaperTombstone.objects.filter(
            removed_at__gt=mark.checked_at or mark.indexed_until
        ).aggregate(t=Min("removed_at"))["t"],
    ]
    oldest = min((t for t in waiting if t is not None), default=None)
    return 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
