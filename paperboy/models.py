"""Operations records that belong to no domain: which background workers are alive."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """A `paperboy worker` process saying it is alive, every few seconds. A task it claimed
    is handed to another worker once its heartbeat is older than the lease (it was killed,
    or its machine went away): see paperboy/leases.py."""

    worker_id = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.beat_at:%H:%M:%S}"
