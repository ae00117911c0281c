"""Incremental OAI-PMH harvesting with a saved watermark and crash-safe resumption.

Each page's records are written in the same transaction as the resumption token that follows
them, so a harvest killed at any point continues from the first page it had not committed:
no gaps, and (since writes are upserts) no duplicates. A completed harvest moves the
watermark, and the next run without --from starts there.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from catalog.models import HarvestState, ImportRun, Source
from catalog.records import PaperRecord, Rejected
from catalog.services.imports import store_rejections
from catalog.services.upsert import PaperWriter
from catalog.sources.arxiv_oai import BadResumptionToken, parse_list_records
from catalog.sources.base import SourceError
from catalog.sources.http import HttpClient
from paperboy.locks import LockHeld, exclusive


def harvest_state_name(set_spec: str | None) -> str:
    return f"oai:{set_spec or '*'}"


def harvest_oai(**options) -> ImportRun:
    """Harvest arXiv records changed in [from, until], continuing any unfinished harvest.
    One harvest of a set at a time: an overlapping run stops at once with a clear error
    instead of interleaving its pages and watermark with the first."""
    name = harvest_state_name(options.get("set_spec"))
    try:
        with exclusive(f"harvest {name}"):
            return _harvest_oai(**options)
    except LockHeld as held:
        raise SourceError(f"{held}; wait for it to finish") from None


def _harvest_oai(
    *,
    from_date: date | None = None,
    until_date: date | None = None,
    set_spec: str | None = None,
    client: HttpClient | None = None,
    base_url: str | None = None,
    stderr: TextIO | None = None,
    progress: bool | None = None,
) -> ImportRun:
    stderr = stderr or sys.stderr
    client = client or HttpClient()
    base_url = base_url or settings.PAPERBOY_ARXIV_OAI_URL
    state, _ = HarvestState.objects.get_or_create(name=harvest_state_name(set_spec))

    resuming = bool(state.resumption_token) and (
        from_date in (None, state.pending_from) and until_date in (None, state.pending_until)
    )
    if resuming:
        params = {"verb": "ListRecords", "resumptionToken": state.resumption_token}
        print(
            f"Resuming the unfinished harvest from {state.pending_from or 'the beginning'} "
            f"after {state.pages_done} pages",
            file=stderr,
        )
    else:
        start = from_date or state.watermark
        state.resumption_token = ""
        state.pending_from, state.pending_until = start, until_date
        state.pending_set, state.pending_started_on, state.pages_done = set_spec or "", None, 0
        state.save()
        params = _first_page_params(state)

    window = f"from={state.pending_from or '-'} until={state.pending_until or '-'}"
    run = ImportRun.objects.create(
        source=Source.ARXIV_OAI, target=f"{base_url} set={set_spec or '*'} {window}"
    )
    writer = PaperWriter(Source.ARXIV_OAI, run)
    bar = tqdm(
        unit="rec",
        desc="arxiv-oai",
        disable=(not progress) if progress is not None else None,
        file=stderr,
    )
    restarted = False
    try:
        while True:
            response = client.get(base_url, params)
            if response.status != 200:
                raise SourceError(f"{response.url}: HTTP {response.status}")
            try:
                page = parse_list_records(response.body, response.url)
            except BadResumptionToken:
                if "resumptionToken" not in params or restarted:
                    raise
                restarted = True
                print("The saved resumption token expired; restarting the window", file=stderr)
                state.resumption_token, state.pages_done = "", 0
                state.save(update_fields=["resumption_token", "pages_done", "updated"])
                params = _first_page_params(state)
                continue
            records = [r for r in page.records if isinstance(r, PaperRecord)]
            rejections = [r for r in page.records if isinstance(r, Rejected)]
            for rejection in rejections:
                bar.write(f"rejected {rejection.location}: {rejection.reason}", file=stderr)
            with transaction.atomic():
                counts = writer.write(records) if records else None
                if counts:
                    run.new += counts.count("new")
                    run.updated += counts.count("updated")
                    run.unchanged += counts.count("unchanged")
                store_rejections(run, rejections)
                run.save(update_fields=["new", "updated", "unchanged", "rejected"])
                state.pages_done += 1
                state.pending_started_on = state.pending_started_on or page.response_date
                state.resumption_token = page.token
                if not page.token:
                    _finish_window(state, page.response_date)
                state.save()
            if page.complete_list_size:
                bar.total = page.complete_list_size
            bar.update(len(page.records))
            if not page.token:
                break
            params = {"verb": "ListRecords", "resumptionToken": page.token}
    except BaseException as error:  # record why, then let it propagate
        run.mark_failed(error)
        raise
    finally:
        bar.close()
    run.checkpoint = {"watermark": str(state.watermark) if state.watermark else None}
    run.mark_completed()
    return run


def _first_page_params(state: HarvestState) -> dict[str, str]:
    params = {"verb": "ListRecords", "metadataPrefix": "arXiv"}
    if state.pending_from:
        params["from"] = state.pending_from.isoformat()
    if state.pending_until:
        params["until"] = state.pending_until.isoformat()
    if state.pending_set:
        params["set"] = state.pending_set
    return params


def _finish_window(state: HarvestState, last_response_date: date | None) -> None:
    """Move the watermark: to the server's date when the harvest began (records changed while
    it ran are picked up next time), or to `until` for a bounded backfill, never backwards."""
    if state.pending_until:
        candidate = state.pending_until
    else:
        candidate = state.pending_started_on or last_response_date or timezone.now().date()
    if state.watermark is None or candidate > state.watermark:
        state.watermark = candidate
    state.pending_from = state.pending_until = state.pending_started_on = None
    state.pending_set = ""
    state.pages_done = 0
