"""What the search index has seen of the catalogue, so updates pick up where they left off."""

from django.db import models

from catalog.models import Paper


class IndexState(models.Model):
    """The catalogue's `modified` time up to which an index is complete."""

    name = models.CharField(max_length=40, unique=True)
    indexed_until = models.DateTimeField(null=True, blank=True)
    documents = models.PositiveIntegerField(default=0)
    # Where a resumable walk over the catalogue stands (the embedder's backfill), or null.
    cursor = models.JSONField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} until {self.indexed_until}"


class PaperEmbedding(models.Model):
    """A paper's title-and-abstract embedding, computed once and kept (float32 bytes)."""

    paper = models.OneToOneField(
        Paper, on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    model_id = models.CharField(max_length=64)
    vector = models.BinaryField()
    # A digest of the exact text embedded (search.embeddings.text_hash); when the paper's
    # title or abstract changes the embedding is dropped and computed again.
    text_hash = models.CharField(max_length=32, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"embedding of {self.paper_id} ({self.model_id})"


class EmbedChunk(models.Model):
    """A range of paper ids whose embeddings one background task computes: the backfill is
    cut into these so that any number of workers share it (claimed like digest deliveries;
    a dead worker's claim expires), and progress survives any crash."""

    class Status(models.TextChoices):
        PENDING = "pending"
        CLAIMED = "claimed"
        DONE = "done"

    first_pk = models.BigIntegerField(unique=True)
    last_pk = models.BigIntegerField()  # inclusive
    papers = models.PositiveIntegerField(help_text="Papers in the range when it was planned.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    embedded = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "last_pk"])]

    def __str__(self) -> str:
        return f"papers {self.first_pk}-{self.last_pk} ({self.status})"
