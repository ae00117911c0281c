"""Batched, idempotent writes of PaperRecords into the catalogue.

Each source is authoritative for some fields and only fills gaps in the others, so importing
sources in any order converges on the same paper, and re-importing a source changes nothing:

* arXiv sources own the bibliographic record (title, abstract, authors, categories, versions,
  dates, comments, journal-ref, DOI, licence), unless what they bring is older than what is
  stored (a stale snapshot must not undo a harvested update).
* Hugging Face owns community links and annotations (code repository, stars, project page,
  AI keywords and summary) and fills bibliographic gaps only.

A record whose fingerprint matches the last one stored for its source is skipped without
being compared field by field, which keeps re-imports of unchanged dumps cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection, models, transaction
from django.db.models import Model
from django.utils import timezone

from catalog.models import Author, Authorship, Category, ImportRun, Paper, Source
from catalog.records import PaperRecord, author_key
from catalog.withdrawals import is_withdrawn

ARXIV_SOURCES = {Source.ARXIV_SNAPSHOT, Source.ARXIV_OAI, Source.ARXIV_API, Source.ARXIV_RSS}
BIBLIOGRAPHIC = (
    "title",
    "abstract",
    "comments",
    "journal_ref",
    "doi",
    "report_no",
    "license",
    "submitter",
    "submitted_at",
    "updated_at",
)
COMMUNITY = ("code_url", "project_url", "code_stars", "ai_keywords", "ai_summary")
_IN_CHUNK = 5000


@dataclass
class UpsertResult:
    """What one batch did: per-record outcomes and the database id of every paper touched."""

    outcomes: dict[str, str] = field(default_factory=dict)  # arxiv_id -> new/updated/unchanged
    paper_ids: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)


TEXTS = ("title", "abstract")  # fields where a truncated copy from one source occurs


def _truncation_of(shorter: str, longer: str) -> bool:
    """Whether `shorter` is `longer` cut short (whitespace aside): a strict prefix."""
    short, long = " ".join(shorter.split()), " ".join(longer.split())
    return len(short) < len(long) and long.startswith(short)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _canonical(codes: list[str]) -> list[str]:
    """Primary category first, cross-lists sorted: the order the database gives back."""
    return codes[:1] + sorted(set(codes[1:]) - set(codes[:1]))


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _published_on(
    submitted_at: dt.datetime | None, listed_on: dt.date | None, arxiv_id: str
) -> dt.date | None:
    """Best known first-appearance date: submission, else listing, else the id's month."""
    if submitted_at:
        return submitted_at.date()
    return listed_on or _month_from_id(arxiv_id)


def _month_from_id(arxiv_id: str) -> dt.date | None:
    """The first of the month an id was issued in (ids start with YYMM in both schemes)."""
    digits = arxiv_id.split("/")[-1][:4]
    if not digits.isdigit():
        return None
    year, month = int(digits[:2]), int(digits[2:])
    year += 1900 if year >= 91 else 2000
    return dt.date(year, month, 1) if 1 <= month <= 12 else None


class _CategoryCache:
    """Category ids by code; the taxonomy is small, so the whole table fits in memory."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def ids_for(self, codes: Iterable[str]) -> dict[str, int]:
        wanted = set(codes)
        missing = wanted - self._ids.keys()
        if missing:
            Category.objects.bulk_create(
                [Category(code=code) for code in sorted(missing)], ignore_conflicts=True
            )
            for pk, code in Category.objects.filter(code__in=missing).values_list("pk", "code"):
                self._ids[code] = pk
        return {code: self._ids[code] for code in wanted}


class PaperWriter:
    """Writes batches of records from one source within one import run."""

    def __init__(self, source: str, run: ImportRun | None = None) -> None:
        self.source = str(source)  # plain str: it is a JSON key in source_fingerprints
        self.run = run
        self.authoritative = source in ARXIV_SOURCES
        self._categories = _CategoryCache()

    # -- public -------------------------------------------------------------------------

    def write(self, records: Sequence[PaperRecord]) -> UpsertResult:
        """Upsert one batch (the caller wraps it in a transaction with its checkpoint)."""
        by_id: dict[str, PaperRecord] = {}
        for record in records:
            by_id[record.arxiv_id] = record  # a later duplicate in one batch wins
        fingerprints = {arxiv_id: rec.fingerprint() for arxiv_id, rec in by_id.items()}
        known = self._known(list(by_id))
        stale_ids = [
            a for a, (_, seen) in known.items() if seen.get(self.source) != fingerprints[a]
        ]
        existing = self._load(stale_ids)
        result = UpsertResult()

        to_create: list[dict[str, Any]] = []
        to_update: list[Paper] = []
        update_fields: set[str] = set()
        rewrite_authors: dict[str, list[str]] = {}
        rewrite_categories: dict[str, list[str]] = {}
        current_authors = self._current_authors([p.pk for p in existing.values()])
        current_categories = self._current_categories([p.pk for p in existing.values()])

        for arxiv_id, record in by_id.items():
            if arxiv_id not in known:
                paper = self._new_paper(record, fingerprints[arxiv_id])
                to_create.append(paper)
                result.outcomes[arxiv_id] = "new"
                if record.authors:
                    rewrite_authors[arxiv_id] = record.authors
                if record.categories:
                    rewrite_categories[arxiv_id] = record.categories
                continue
            if arxiv_id not in existing:
                result.outcomes[arxiv_id] = "unchanged"
                result.paper_ids[arxiv_id] = known[arxiv_id][0]
                continue
            paper = existing[arxiv_id]
            changed = self._merge(paper, record)
            authors = current_authors.get(paper.pk, [])
            if (
                record.authors
                and record.authors != authors
                and self._may_replace(paper, record, authors)
            ):
                rewrite_authors[arxiv_id] = record.authors
            categories = current_categories.get(paper.pk, [])
            if (
                record.categories
                and _canonical(record.categories) != categories
                and self._may_replace(paper, record, categories)
            ):
                rewrite_categories[arxiv_id] = record.categories
                if "primary_category" not in changed:
                    changed.add("primary_category")
            real_change = bool(changed) or arxiv_id in rewrite_authors
            paper.source_fingerprints = {
                **paper.source_fingerprints,
                self.source: fingerprints[arxiv_id],
            }
            changed.add("source_fingerprints")
            if real_change:
                paper.updated_by_run = self.run
                # bulk_update runs no pre_save, so auto_now never fires: set it, or the
                # index and the embedder (which follow `modified`) miss the change.
                paper.modified = timezone.now()
                changed.update({"updated_by_run", "modified"})
            update_fields.update(changed)
            to_update.append(paper)
            result.outcomes[arxiv_id] = "updated" if real_change else "unchanged"
            result.paper_ids[arxiv_id] = paper.pk

        category_codes = {code for codes in rewrite_categories.values() for code in codes}
        category_ids = self._categories.ids_for(category_codes)
        for row in to_create:
            codes = rewrite_categories.get(row["arxiv_id"])
            if codes:
                row["primary_category_id"] = category_ids[codes[0]]
        for paper in to_update:
            codes = rewrite_categories.get(paper.arxiv_id)
            if codes:
                paper.primary_category_id = category_ids[codes[0]]

        conflicted: set[str] = set()
        if to_create:
            created, conflicted = _insert_papers(to_create)
            result.paper_ids.update(created)
            for arxiv_id in conflicted:  # written by another process meanwhile: merge below
                result.outcomes.pop(arxiv_id, None)
                rewrite_authors.pop(arxiv_id, None)
                rewrite_categories.pop(arxiv_id, None)
        if to_update:
            Paper.objects.bulk_update(to_update, sorted(update_fields), batch_size=500)
        self._write_authors(rewrite_authors, result.paper_ids, known)
        self._write_categories(rewrite_categories, result.paper_ids, category_ids, known)
        if conflicted:
            merged = self.write([by_id[arxiv_id] for arxiv_id in sorted(conflicted)])
            result.outcomes.update(merged.outcomes)
            result.paper_ids.update(merged.paper_ids)
        return result

    # -- reading current state ----------------------------------------------------------

    def _known(self, arxiv_ids: list[str]) -> dict[str, tuple[int, dict[str, str]]]:
        """Id and per-source fingerprints of the papers already stored (a cheap read)."""
        found: dict[str, tuple[int, dict[str, str]]] = {}
        for chunk in _chunks(arxiv_ids):
            rows = Paper.objects.filter(arxiv_id__in=chunk).values_list(
                "arxiv_id", "pk", "source_fingerprints"
            )
            for arxiv_id, pk, seen in rows:
                found[arxiv_id] = (pk, seen or {})
        return found

    def _load(self, arxiv_ids: list[str]) -> dict[str, Paper]:
        found: dict[str, Paper] = {}
        for chunk in _chunks(arxiv_ids):
            for paper in Paper.objects.filter(arxiv_id__in=chunk):
                found[paper.arxiv_id] = paper
        return found

    def _current_authors(self, paper_ids: list[int]) -> dict[int, list[str]]:
        authors: dict[int, list[str]] = {}
        for chunk in _chunks(paper_ids):
            rows = (
                Authorship.objects.filter(paper_id__in=chunk)
                .order_by("paper_id", "position")
                .values_list("paper_id", "author__name")
            )
            for paper_id, name in rows:
                authors.setdefault(paper_id, []).append(name)
        return authors

    def _current_categories(self, paper_ids: list[int]) -> dict[int, list[str]]:
        through = Paper.categories.through
        primary: dict[int, str] = {}
        codes: dict[int, list[str]] = {}
        for chunk in _chunks(paper_ids):
            primary.update(
                Paper.objects.filter(pk__in=chunk).values_list("pk", "primary_category__code")
            )
            rows = through.objects.filter(paper_id__in=chunk).values_list(
                "paper_id", "category__code"
            )
            for paper_id, code in rows:
                codes.setdefault(paper_id, []).append(code)
        # Primary first, then the cross-lists alphabetically: the order records arrive in.
        ordered: dict[int, list[str]] = {}
        for paper_id, found in codes.items():
            first = primary.get(paper_id)
            rest = sorted(code for code in found if code != first)
            ordered[paper_id] = ([first] if first in found else []) + rest
        return ordered

    # -- merging ------------------------------------------------------------------------

    def _new_paper(self, record: PaperRecord, fingerprint: str) -> dict[str, Any]:
        """Column values (by attribute name) of a paper first seen in this record."""
        row = dict(_paper_defaults())
        row.update(
            arxiv_id=record.arxiv_id,
            latest_version=record.latest_version,
            title=record.title,
            abstract=record.abstract,
            versions=record.versions,
            listed_on=record.listed_on,
            source=self.source,
            source_fingerprints={self.source: fingerprint},
            created_by_run_id=self.run.pk if self.run else None,
            updated_by_run_id=self.run.pk if self.run else None,
        )
        for name in (*BIBLIOGRAPHIC, *COMMUNITY):
            value = getattr(record, name)
            if not _empty(value):
                row[name] = value
        row["published_on"] = _published_on(row["submitted_at"], row["listed_on"], record.arxiv_id)
        row["withdrawn"] = is_withdrawn(row["comments"], row["abstract"])
        return row

    def _is_stale(self, paper: Paper, record: PaperRecord) -> bool:
        """True when the record describes an older state of the paper than the one stored."""
        versions = (record.latest_version, paper.latest_version)
        if all(versions) and versions[0] != versions[1]:
            return versions[0] < versions[1]  # type: ignore[operator]
        return bool(record.updated_at and paper.updated_at and record.updated_at < paper.updated_at)

    def _may_replace(self, paper: Paper, record: PaperRecord, current: list[Any]) -> bool:
        return not current or (self.authoritative and not self._is_stale(paper, record))

    def _merge(self, paper: Paper, record: PaperRecord) -> set[str]:
        changed: set[str] = set()
        stale = self._is_stale(paper, record)
        owned = BIBLIOGRAPHIC if self.authoritative else COMMUNITY
        # A new arXiv version may really shorten its abstract; the same version may not.
        newer = bool(
            record.latest_version
            and paper.latest_version
            and record.latest_version > paper.latest_version
        )

        def assign(name: str, value: Any) -> None:
            if getattr(paper, name) != value:
                setattr(paper, name, value)
                changed.add(name)

        for name in (*BIBLIOGRAPHIC, *COMMUNITY):
            value = getattr(record, name)
            if _empty(value):
                continue  # an empty value never overwrites a filled one
            current = getattr(paper, name)
            if name in TEXTS and isinstance(current, str) and current:
                if _truncation_of(value, current) and not newer:
                    continue  # a shortened copy (some snapshot records) never wins
                if _truncation_of(current, value):
                    assign(name, value)  # the complete text, whichever source brings it
                    continue
            if _empty(current) or (name in owned and not stale):
                assign(name, value)
        newer_history = len(record.versions) >= len(paper.versions)
        if self.authoritative and not stale and record.versions and newer_history:
            assign("versions", record.versions)
        if record.latest_version and (paper.latest_version or 0) < record.latest_version:
            assign("latest_version", record.latest_version)
        if record.listed_on and (not paper.listed_on or record.listed_on < paper.listed_on):
            assign("listed_on", record.listed_on)
        published_on = _published_on(paper.submitted_at, paper.listed_on, paper.arxiv_id)
        if published_on != paper.published_on:
            assign("published_on", published_on)
        assign("withdrawn", is_withdrawn(paper.comments, paper.abstract))
        return changed

    # -- child rows ---------------------------------------------------------------------

    def _write_authors(
        self,
        rewrite: dict[str, list[str]],
        paper_ids: dict[str, int],
        existing: dict[str, Any],
    ) -> None:
        if not rewrite:
            return
        replaced = [paper_ids[a] for a in rewrite if a in existing]
        for chunk in _chunks(replaced):
            Authorship.objects.filter(paper_id__in=chunk).delete()
        key_of = {name: author_key(name) for names in rewrite.values() for name in names}
        names_by_key: dict[str, str] = {}
        for name, key in key_of.items():
            if key:
                names_by_key.setdefault(key, name)
        author_ids = self._author_ids(names_by_key)
        rows: list[tuple[int, int, int]] = []
        for arxiv_id, names in rewrite.items():
            seen: set[int] = set()
            for name in names:
                author_id = author_ids.get(key_of[name])
                if author_id is None or author_id in seen:
                    continue
                seen.add(author_id)
                rows.append((paper_ids[arxiv_id], author_id, len(seen)))
        _insert_rows(Authorship, ("paper_id", "author_id", "position"), rows)

    def _author_ids(self, names_by_key: dict[str, str]) -> dict[str, int]:
        keys = list(names_by_key)
        ids: dict[str, int] = {}
        for chunk in _chunks(keys):
            ids.update(Author.objects.filter(name_key__in=chunk).values_list("name_key", "pk"))
        missing = [key for key in keys if key not in ids]
        if missing:
            Author.objects.bulk_create(
                [Author(name=names_by_key[key][:300], name_key=key) for key in missing],
                batch_size=2000,
                ignore_conflicts=True,  # another importer may have added the same author
            )
            for chunk in _chunks(missing):
                ids.update(Author.objects.filter(name_key__in=chunk).values_list("name_key", "pk"))
        return ids

    def _write_categories(
        self,
        rewrite: dict[str, list[str]],
        paper_ids: dict[str, int],
        category_ids: dict[str, int],
        existing: dict[str, Any],
    ) -> None:
        if not rewrite:
            return
        through = Paper.categories.through
        replaced = [paper_ids[a] for a in rewrite if a in existing]
        for chunk in _chunks(replaced):
            through.objects.filter(paper_id__in=chunk).delete()
        rows = [
            (paper_ids[arxiv_id], category_ids[code])
            for arxiv_id, codes in rewrite.items()
            for code in codes
        ]
        _insert_rows(through, ("paper_id", "category_id"), rows)


def _paper_fields() -> list[models.Field]:
    return [f for f in Paper._meta.concrete_fields if not f.primary_key]


def _paper_defaults() -> dict[str, Any]:
    return {f.attname: f.get_default() for f in _paper_fields()}


def _insert_papers(rows: list[dict[str, Any]]) -> tuple[dict[str, int], set[str]]:
    """Insert new papers and return (their ids by arXiv id, the arXiv ids another writer
    inserted first). A paper another process wrote between our read and our insert (a
    harvest beside an import, a member's submission) is skipped with ON CONFLICT DO
    NOTHING, never an IntegrityError; the caller merges our record into it instead.

    Building model instances and letting bulk_create compile per-value SQL cost more than
    the database work; plain values only need JSON encoded and, on SQLite, dates as text.
    """
    now = timezone.now()
    fields = _paper_fields()
    sqlite = connection.vendor == "sqlite"

    def convert(field: models.Field, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(field, models.JSONField):
            return orjson.dumps(value).decode()
        if sqlite and isinstance(field, models.DateTimeField):
            return connection.ops.adapt_datetimefield_value(value)
        if sqlite and isinstance(field, models.DateField):
            return value.isoformat()
        return value

    values = []
    for row in rows:
        row["created"] = row["modified"] = now
        values.append(tuple(convert(f, row[f.attname]) for f in fields))
    inserted = _insert_new_papers(tuple(f.column for f in fields), values)
    ids: dict[str, int] = {}
    for chunk in _chunks([row["arxiv_id"] for row in rows]):
        ids.update(Paper.objects.filter(arxiv_id__in=chunk).values_list("arxiv_id", "pk"))
    conflicted = {row["arxiv_id"] for row in rows} - inserted
    return {a: pk for a, pk in ids.items() if a not in conflicted}, conflicted


def _insert_new_papers(columns: tuple[str, ...], values: list[tuple[Any, ...]]) -> set[str]:
    """INSERT ... ON CONFLICT (arxiv_id) DO NOTHING; the arXiv ids actually inserted.

    PostgreSQL: COPY into a temporary table (several times faster than INSERTs), then one
    INSERT ... SELECT ... ON CONFLICT ... RETURNING. SQLite: executemany; a writer holds
    the database's write lock from the start of its transaction (IMMEDIATE), so no other
    process can insert between our read and our write, and every row is ours."""
    table = connection.ops.quote_name(Paper._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    arxiv_at = columns.index("arxiv_id")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TABLE IF EXISTS new_papers")
            cursor.execute(
                f"CREATE TEMPORARY TABLE new_papers ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {names} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY new_papers ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM new_papers "  # noqa: S608
                "ON CONFLICT (arxiv_id) DO NOTHING RETURNING arxiv_id"
            )
            return {arxiv_id for (arxiv_id,) in cursor.fetchall()}
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks}) "  # noqa: S608
            "ON CONFLICT (arxiv_id) DO NOTHING",
            values,
        )
    return {row[arxiv_at] for row in values}


def _insert_rows(model: type[Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain link rows with executemany: bulk_create's per-field preparation costs
    more than the database work for these integer-only tables."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times faster than row-by-row INSERTs on PostgreSQL.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def write_papers(
    records: Sequence[PaperRecord], source: str, run: ImportRun | None = None
) -> UpsertResult:
    """Upsert records in one transaction; for callers that write a single batch."""
    with transaction.atomic():
        return PaperWriter(source, run).write(records)
