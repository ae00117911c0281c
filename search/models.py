"""What the search index has seen of the catalogue, so updates pick up where they left off."""

from django.db import models


class IndexState(models.Model):
    """The catalogue's `modified` time up to which an index is complete."""

    name = models.CharField(max_length=40, unique=True)
    indexed_until = models.DateTimeField(null=True, blank=True)
    documents = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} until {self.indexed_until}"
