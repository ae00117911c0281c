"""People and the daily lists: accounts and the papers listed on each day."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from catalog.models import ImportRun, Paper


class User(AbstractUser):
    """A member. Placeholders stand for imported submitters and cannot log in until claimed."""

    display_name = models.CharField(max_length=150, blank=True)
    is_placeholder = models.BooleanField(
        default=False, help_text="Imported submitter; cannot log in until an admin claims it."
    )
    hf_username = models.CharField(
        max_length=150, blank=True, null=True, unique=True, help_text="Hugging Face user name."
    )

    def __str__(self) -> str:
        return self.display_name or self.username


class DailyListing(models.Model):
    """A paper shown on the daily list of one day, with who submitted it."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="listings")
    listed_on = models.DateField(db_index=True)
    submitted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="listings"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    imported_upvotes = models.PositiveIntegerField(
        default=0, help_text="Upvotes counted by the source when imported (not Upvote rows)."
    )
    imported_comments = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=32, blank=True)
    source_fingerprint = models.CharField(max_length=32, blank=True)
    imported_by_run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-listed_on", "-imported_upvotes"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "listed_on"], name="listing_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} on {self.listed_on}"
