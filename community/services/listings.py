"""Writing imported daily-list entries: their papers, submitters and listings."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from catalog.models import ImportRun, Source
from catalog.services.upsert import PaperWriter
from community.models import DailyListing
from community.services.placeholders import placeholder_users
from community.sources.hf_daily import ListingRecord


def _listing_fingerprint(record: ListingRecord) -> str:
    submitter = record.submitter.username if record.submitter else ""
    raw = f"{submitter}|{record.submitted_at}|{record.upvotes}|{record.comments}"
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


class ListingWriter:
    """Upserts papers through the catalogue, then the (paper, day) listings themselves."""

    def __init__(self, run: ImportRun, source: str = Source.HF_DAILY) -> None:
        self.run = run
        self.source = source
        self._papers = PaperWriter(source, run)

    def write(self, items: Sequence[ListingRecord]) -> Counter[str]:
        papers = self._papers.write([item.paper for item in items])
        users = placeholder_users(
            (item.submitter.username, item.submitter.fullname) for item in items if item.submitter
        )
        keys = {(papers.paper_ids[i.paper.arxiv_id], i.listed_on): i for i in items}
        existing = {
            (listing.paper_id, listing.listed_on): listing
            for listing in DailyListing.objects.filter(
                paper_id__in={paper_id for paper_id, _ in keys},
                listed_on__in={day for _, day in keys},
            )
        }
        outcomes: Counter[str] = Counter()
        to_create: list[DailyListing] = []
        to_update: list[DailyListing] = []
        for (paper_id, day), item in keys.items():
            fingerprint = _listing_fingerprint(item)
            values = {
                "submitted_by_id": users.get(item.submitter.username) if item.submitter else None,
                "submitted_at": item.submitted_at,
                "imported_upvotes": item.upvotes,
                "imported_comments": item.comments,
                "source": self.source,
                "source_fingerprint": fingerprint,
                "imported_by_run": self.run,
            }
            listing = existing.get((paper_id, day))
            paper_outcome = papers.outcomes[item.paper.arxiv_id]
            if listing is None:
                to_create.append(DailyListing(paper_id=paper_id, listed_on=day, **values))
                outcomes["new"] += 1
            elif listing.source_fingerprint != fingerprint:
                for name, value in values.items():
                    setattr(listing, name, value)
                to_update.append(listing)
                outcomes["updated"] += 1
            else:
                outcomes["updated" if paper_outcome != "unchanged" else "unchanged"] += 1
        DailyListing.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            DailyListing.objects.bulk_update(
                to_update,
                [
                    "submitted_by",
                    "submitted_at",
                    "imported_upvotes",
                    "imported_comments",
                    "source",
                    "source_fingerprint",
                    "imported_by_run",
                ],
                batch_size=500,
            )
        return outcomes
