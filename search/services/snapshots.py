"""Copying a node's search replica, so a new node starts from a copy and catches up from
its watermark instead of rebuilding (search/replica.py).

A snapshot holds every writer's lock of the keyword index while it copies (an update on
this node waits, searches go on), so the shards and their watermark are one consistent
state; the vector index file is replaced only by rename, so the copy of it and its
watermark are consistent too. Restoring copies into a temporary folder beside the target
and renames it into place."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

from search import dense, lexical, replica
from search.services.indexing import keyword_watermark, shard_writers


class SnapshotError(RuntimeError):
    """The snapshot cannot be made or used; the message says why."""


def _vector_files() -> list[Path]:
    return [path for path in (dense.bulk_path(), dense.watermark_path()) if path.exists()]


def make_snapshot(target: Path) -> replica.Watermark:
    """Copy this node's indexes, with their watermarks, into `target` (a new folder)."""
    if not lexical.is_built() or keyword_watermark() is None:
        raise SnapshotError("There is no keyword index here to copy; run `paperboy index rebuild`.")
    if target.exists() and any(target.iterdir()):
        raise SnapshotError(f"{target} is not empty.")
    source = lexical.index_path()
    shards = lexical.open_for_writing()
    writers = shard_writers(shards)  # the lock: no commit on this node while copying
    try:
        mark = keyword_watermark()
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target / source.name, ignore=shutil.ignore_patterns("*.lock"))
        for path in _vector_files():
            shutil.copy2(path, target / path.name)
    finally:
        for writer in writers:
            writer.rollback()
        del writers
    return mark


def restore_snapshot(source: Path) -> replica.Watermark:
    """Put a snapshot in place as this node's indexes (PAPERBOY_INDEX_DIR); the next
    `paperboy index update` or `follow` catches up from its watermark."""
    folder = source / lexical.index_path().name
    mark = replica.read(folder / replica.FILE_NAME)
    if not folder.is_dir() or mark is None:
        raise SnapshotError(
            f"{source} holds no snapshot of this index layout ({folder.name}): made by another "
            "version or another PAPERBOY_SEARCH_SHARDS?"
        )
    home = Path(settings.PAPERBOY_INDEX_DIR)
    home.mkdir(parents=True, exist_ok=True)
    staging = home / f".restoring-{folder.name}"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(folder, staging)
    old = home / f".replaced-{folder.name}"
    shutil.rmtree(old, ignore_errors=True)
    if lexical.index_path().exists():
        lexical.index_path().rename(old)
    staging.rename(lexical.index_path())
    shutil.rmtree(old, ignore_errors=True)
    for name in (dense.bulk_path().name, dense.watermark_path().name):
        if (source / name).exists():
            partial = home / f".{name}.restoring"
            shutil.copy2(source / name, partial)
            partial.replace(home / name)
    lexical.forget_readers()
    dense.forget()
    return mark
