"""Running a source through a writer: batching, checkpoints, rejections and the summary.

Each batch is written in one transaction together with the run's checkpoint, so a run that
is killed part-way resumes from the last committed batch: nothing is lost and, because writes
are upserts, nothing is duplicated either.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TextIO

from django.conf import settings
from django.db import transaction
from tqdm import tqdm

from catalog.models import ImportRejection, ImportRun
from catalog.records import PaperRecord, Rejected
from catalog.services.upsert import PaperWriter
from catalog.sources.base import RecordSource, SourceError

MAX_STORED_REJECTIONS = 1000
MAX_PRINTED_REJECTIONS = 20
WRONG_FORMAT_AFTER = 20  # this many rejections before any good record: wrong kind of input


class BatchWriter(Protocol):
    """Writes one batch of a source's items and says what happened to each."""

    def write(self, items: Sequence[Any]) -> Counter[str]: ...


class PaperBatchWriter:
    """The writer for sources that yield PaperRecords."""

    def __init__(self, source: str, run: ImportRun) -> None:
        self._writer = PaperWriter(source, run)

    def write(self, items: Sequence[PaperRecord]) -> Counter[str]:
        return Counter(self._writer.write(items).outcomes.values())


def store_rejections(run: ImportRun, rejections: Sequence[Rejected]) -> None:
    """Count rejections on the run and keep the first MAX_STORED_REJECTIONS for the admin."""
    if not rejections:
        return
    run.rejected += len(rejections)
    room = MAX_STORED_REJECTIONS - run.rejections.count()
    ImportRejection.objects.bulk_create(
        [
            ImportRejection(run=run, location=r.location[:500], reason=r.reason)
            for r in rejections[: max(0, room)]
        ]
    )


def _resumable_run(source: RecordSource) -> ImportRun | None:
    if not source.fingerprint():
        return None  # the source cannot be resumed (e.g. live lookups)
    run = (
        ImportRun.objects.filter(
            source=source.name,
            fingerprint=source.fingerprint(),
            status__in=[ImportRun.Status.RUNNING, ImportRun.Status.FAILED],
        )
        .order_by("-started_at")
        .first()
    )
    return run if run is not None and run.checkpoint.get("items") else None


def completed_run(source: RecordSource) -> ImportRun | None:
    """The last completed run over exactly this input, if any."""
    return (
        ImportRun.objects.filter(
            source=source.name,
            fingerprint=source.fingerprint(),
            status=ImportRun.Status.COMPLETED,
        )
        .order_by("-finished_at")
        .first()
    )


def run_import(
    source: RecordSource,
    make_writer: Callable[[ImportRun], BatchWriter] | None = None,
    *,
    batch_size: int | None = None,
    stderr: TextIO | None = None,
    progress: bool | None = None,
) -> ImportRun:
    """Import everything `source` yields; returns the finished run with its counts.

    A previous unfinished run over the same input is resumed from its checkpoint.
    Raises SourceError (after marking the run failed) when the input cannot be read.
    """
    stderr = stderr or sys.stderr
    batch_size = batch_size or settings.PAPERBOY_IMPORT_BATCH_SIZE
    make_writer = make_writer or (lambda run: PaperBatchWriter(source.name, run))
    run = _resumable_run(source)
    if run is None:
        run = ImportRun.objects.create(
            source=source.name, target=source.target, fingerprint=source.fingerprint()
        )
    else:
        print(
            f"Resuming run #{run.pk} after {run.checkpoint.get('items', 0)} records "
            f"({run.summary} so far)",
            file=stderr,
        )
        run.status = ImportRun.Status.RUNNING
        run.error = ""
        run.save(update_fields=["status", "error"])
    writer = make_writer(run)
    skip = int(run.checkpoint.get("items", 0))
    consumed = 0
    batch: list[Any] = []
    rejections: list[Rejected] = []
    # Rejections are shown once a good record proves the input is of the right kind;
    # otherwise a wrong file would print a screenful before its one-line error.
    unprinted: list[Rejected] = []
    accepted_any = run.new + run.updated + run.unchanged > 0

    bar = tqdm(
        total=None,
        unit="B",
        unit_scale=True,
        desc=f"{source.name}",
        disable=(not progress) if progress is not None else None,
        file=stderr,
        mininterval=0.5,
    )

    def flush() -> None:
        nonlocal batch, rejections
        with transaction.atomic():
            counts = writer.write(batch) if batch else Counter()
            run.new += counts["new"]
            run.updated += counts["updated"]
            run.unchanged += counts["unchanged"]
            store_rejections(run, rejections)
            run.checkpoint = {**run.checkpoint, "items": consumed}
            run.save(update_fields=["new", "updated", "unchanged", "rejected", "checkpoint"])
        batch, rejections = [], []

    try:
        for item in source.read():
            consumed += 1
            if consumed <= skip:
                continue
            if isinstance(item, Rejected):
                rejections.append(item)
                if run.rejected + len(rejections) <= MAX_PRINTED_REJECTIONS:
                    unprinted.append(item)
                if accepted_any:
                    _print_rejections(unprinted, bar, stderr)
                elif len(rejections) >= WRONG_FORMAT_AFTER:
                    raise SourceError(
                        f"{source.target}: does not look like {source.name} input "
                        f"(the first {WRONG_FORMAT_AFTER} records were all unreadable; "
                        f"first: {rejections[0].reason})"
                    )
            else:
                batch.append(item)
                accepted_any = True
                _print_rejections(unprinted, bar, stderr)
            if len(batch) >= batch_size or len(rejections) >= batch_size:
                flush()
                done, total = source.progress()
                bar.total = total
                bar.n = done
                bar.set_postfix_str(f"{consumed:,} records", refresh=True)
        flush()
        _print_rejections(unprinted, bar, stderr)
        if not accepted_any and run.rejected:
            raise SourceError(
                f"{source.target}: no readable {source.name} records "
                f"({run.rejected} rejected; first: {_first_reason(run)})"
            )
    except BaseException as error:  # record why, then let it propagate
        run.mark_failed(error)
        raise
    finally:
        done, total = source.progress()
        bar.total, bar.n = total, done
        bar.close()
    if run.rejected > MAX_PRINTED_REJECTIONS:
        print(
            f"... {run.rejected - MAX_PRINTED_REJECTIONS} more rejected records "
            f"(all stored with import run #{run.pk}, see the admin)",
            file=stderr,
        )
    run.mark_completed()
    return run


def _print_rejections(pending: list[Rejected], bar: tqdm, stderr: TextIO) -> None:
    for rejection in pending:
        bar.write(f"rejected {rejection.location}: {rejection.reason}", file=stderr)
    pending.clear()


def _first_reason(run: ImportRun) -> str:
    first = run.rejections.order_by("pk").first()
    return first.reason if first else "unknown"
