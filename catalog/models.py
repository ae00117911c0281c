"""The paper catalogue: papers, authors, categories, and where each record came from."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from catalog.ids import abs_url, pdf_url
from catalog.taxonomy import category_name


class Source(models.TextChoices):
    """Every way a paper can enter the catalogue."""

    ARXIV_SNAPSHOT = "arxiv-snapshot", "arXiv metadata snapshot"
    ARXIV_OAI = "arxiv-oai", "arXiv OAI-PMH"
    ARXIV_API = "arxiv-api", "arXiv API"
    ARXIV_RSS = "arxiv-rss", "arXiv RSS listing"
    HF_DAILY = "hf-daily", "Hugging Face daily papers"
    MANUAL = "manual", "Entered by hand"


class Category(models.Model):
    code = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return category_name(self.code)


class Author(models.Model):
    name = models.CharField(max_length=300)
    name_key = models.CharField(
        max_length=300, unique=True, help_text="Case-, accent- and punctuation-folded name."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return author_url(self.pk)


def author_url(pk: int) -> str:
    return f"/authors/{pk}"  # formatted, not reversed: list pages render hundreds


class ImportRun(models.Model):
    """One run of an importer or harvester: what it read, how far it got, what it counted."""

    class Status(models.TextChoices):
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"

    source = models.CharField(max_length=32, choices=Source.choices)
    target = models.TextField(help_text="File, folder or URL that was read.")
    fingerprint = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Identifies the input, for resuming."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    checkpoint = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    new = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} #{self.pk} ({self.status})"

    def mark_failed(self, error: BaseException) -> None:
        """Record why the run stopped; its checkpoint stays, so it can resume."""
        self.status = self.Status.FAILED
        self.error = str(error) or type(error).__name__
        self.save(update_fields=["status", "error"])

    def mark_completed(self) -> None:
        self.status = self.Status.COMPLETED
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "finished_at", "checkpoint"])

    @property
    def summary(self) -> str:
        return (
            f"new {self.new}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {self.rejected}"
        )


class ImportRejection(models.Model):
    """A malformed record an import skipped, kept so an operator can see and fix it."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejections")
    location = models.CharField(max_length=500)
    reason = models.TextField()

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


class Paper(models.Model):
    arxiv_id = models.CharField(max_length=40, unique=True, help_text="Without version suffix.")
    latest_version = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.TextField()
    abstract = models.TextField(blank=True, help_text="LaTeX kept verbatim.")
    authors = models.ManyToManyField(Author, through="Authorship", related_name="papers")
    primary_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="primary_papers"
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="papers")
    versions = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(
        null=True, blank=True, help_text="When version 1 was submitted."
    )
    updated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the latest version was submitted."
    )
    listed_on = models.DateField(
        null=True, blank=True, help_text="When arXiv first announced it, where known."
    )
    published_on = models.DateField(
        null=True, blank=True, db_index=True, help_text="Best known first-appearance date."
    )
    comments = models.TextField(blank=True)
    journal_ref = models.TextField(blank=True)
    doi = models.CharField(max_length=255, blank=True)
    report_no = models.TextField(blank=True)
    license = models.CharField(max_length=255, blank=True)
    submitter = models.CharField(max_length=255, blank=True, help_text="arXiv submitter name.")
    code_url = models.URLField(max_length=500, blank=True)
    project_url = models.URLField(max_length=500, blank=True)
    code_stars = models.PositiveIntegerField(null=True, blank=True)
    ai_keywords = models.JSONField(default=list, blank=True)
    ai_summary = models.TextField(blank=True)
    hidden = models.BooleanField(
        default=False,
        help_text="Hidden by a curator (one of its listings is): out of search on every node.",
    )
    withdrawn = models.BooleanField(
        default=False,
        help_text="Withdrawn on arXiv (catalog/withdrawals.py): kept, marked, out of search.",
    )

    source = models.CharField(
        max_length=32, choices=Source.choices, help_text="The source that first added it."
    )
    source_fingerprints = models.JSONField(
        default=dict, blank=True, help_text="Last record seen from each source."
    )
    created_by_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True, db_index=True)  # index updates follow it

    class Meta:
        # No default ordering: bulk reads (imports, index builds, embedding) must not sort
        # the catalogue; every list orders explicitly.
        ordering = ()

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:80]}"

    def get_absolute_url(self) -> str:
        return f"/papers/{self.arxiv_id}"  # formatted, not reversed: list pages render many

    @property
    def abs_url(self) -> str:
        return abs_url(self.arxiv_id)

    @property
    def pdf_url(self) -> str:
        return pdf_url(self.arxiv_id)

    @property
    def searchable(self) -> bool:
        """In search on every node: not hidden by a curator, not withdrawn on arXiv."""
        return not (self.hidden or self.withdrawn)


class Authorship(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="authorship_position")
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.paper.arxiv_id}"


class HarvestState(models.Model):
    """Where an incremental harvester stands: its watermark and any unfinished page chain."""

    name = models.CharField(max_length=100, unique=True, help_text="Source plus set, e.g. oai:cs")
    watermark = models.DateField(
        null=True, blank=True, help_text="Next run starts from this datestamp."
    )
    resumption_token = models.TextField(blank=True)
    pending_from = models.DateField(null=True, blank=True)
    pending_until = models.DateField(null=True, blank=True)
    pending_set = models.CharField(max_length=100, blank=True)
    pending_started_on = models.DateField(
        null=True, blank=True, help_text="Server date when the unfinished harvest began."
    )
    pages_done = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.watermark or 'start'}"


class PaperTombstone(models.Model):
    """A paper deleted from the catalogue, remembered so that every search replica drops it
    on its next update (a deleted row leaves no `modified` time to follow)."""

    paper_id = models.BigIntegerField(help_text="The id the paper had.")
    arxiv_id = models.CharField(max_length=32)
    removed_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.arxiv_id} (paper {self.paper_id}) removed {self.removed_at:%Y-%m-%d}"
