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


class ScheduledRun(models.Model):
    """One run of a scheduled job for one slot of its period (the 5-minute round, the day):
    the unique constraint lets exactly one of several schedulers queue it."""

    job = models.CharField(max_length=100)
    slot = models.BigIntegerField(help_text="Which period: seconds since 1970 // period.")
    queued_at = models.DateTimeField(auto_now_add=True, db_index=True)
    skipped = models.BooleanField(default=False, help_text="The previous run had not finished.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="one_run_a_slot")]

    def __str__(self) -> str:
        return f"{self.job} #{self.slot}"
